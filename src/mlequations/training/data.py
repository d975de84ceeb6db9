"""The data side of training: checked arrays, minibatch indices and the accuracy count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor

__all__ = ["batches", "check_data", "correct_count", "resolve_metrics"]

METRICS = ("accuracy",)


def _array(value: Any, name: str) -> np.ndarray:
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ArrayTypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 0 or len(array) == 0:
        raise ShapeError(f"{name} must hold at least one sample (row), got shape {array.shape}")
    return array


def check_data(X: Any, y: Any, name_x: str, name_y: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as NumPy arrays with the same number of rows (Tensors give their data).

    Examples
    --------
    >>> check_data([[1.0], [2.0]], [0, 1, 1], "X", "y")
    Traceback (most recent call last):
    ...
    mlequations._array.ShapeError: X and y must have the same number of samples (rows), got 2 and 3
    """
    X, y = _array(X, name_x), _array(y, name_y)
    if len(X) != len(y):
        raise ShapeError(
            f"{name_x} and {name_y} must have the same number of samples (rows), "
            f"got {len(X)} and {len(y)}"
        )
    return X, y


def resolve_metrics(metrics: Any, y: np.ndarray, name: str) -> tuple[str, ...]:
    """The metrics to compute: ``metrics`` checked, or accuracy when ``y`` holds integer labels."""
    classification = y.dtype.kind in "biu"
    if metrics is None:
        return METRICS if classification else ()
    if isinstance(metrics, str) or not hasattr(metrics, "__iter__"):
        raise ArrayTypeError(f"metrics must be a sequence such as ('accuracy',), got {metrics!r}")
    chosen = tuple(metrics)
    unknown = [m for m in chosen if m not in METRICS]
    if unknown:
        raise ValidationError(f"metrics must be chosen from {METRICS}, got {unknown}")
    if chosen and not classification:
        raise ValidationError(
            f"the 'accuracy' metric needs integer class labels in {name}, got dtype {y.dtype}; "
            "pass metrics=() for regression"
        )
    return chosen


def batches(n: int, batch_size: int, order: np.ndarray | None) -> Iterator[Any]:
    """Indices of consecutive minibatches: slices of ``range(n)``, or of ``order`` if given.

    Examples
    --------
    >>> [b.tolist() for b in batches(5, 2, np.array([4, 0, 3, 1, 2]))]
    [[4, 0], [3, 1], [2]]
    """
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield slice(start, stop) if order is None else order[start:stop]


def correct_count(output: np.ndarray, labels: np.ndarray) -> int:
    """How many rows of ``output`` predict their label.

    A 2-D output with several columns predicts its arg-max (logits or
    probabilities of classes); a 1-D or one-column output holds logits of a
    binary problem and predicts 1 where it is positive.

    Examples
    --------
    >>> correct_count(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
    1
    >>> correct_count(np.array([-1.0, 2.0, 0.5]), np.array([0, 1, 0]))
    2
    """
    if output.ndim == 2 and output.shape[1] > 1:
        predicted = output.argmax(axis=1)
    elif output.ndim == 1 or (output.ndim == 2 and output.shape[1] == 1):
        predicted = (output.reshape(-1) > 0).astype(np.int64)
    else:
        raise ShapeError(
            f"accuracy needs outputs of shape (N, C) or (N,), got {output.shape}; "
            "pass metrics=() to skip it"
        )
    labels = labels.reshape(-1)
    if labels.shape != predicted.shape:
        raise ShapeError(
            f"accuracy needs one class label per output row, got {labels.shape[0]} labels for "
            f"{predicted.shape[0]} rows"
        )
    return int(np.count_nonzero(predicted == labels))
