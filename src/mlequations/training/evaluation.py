"""Evaluation of a model on a data set: mean loss and accuracy, without gradients."""

from __future__ import annotations

from typing import Any

from mlequations._array import ArrayTypeError
from mlequations._checks import check_integer
from mlequations.autodiff import Tensor, no_grad
from mlequations.training.data import batches, check_data, correct_count, resolve_metrics

__all__ = ["evaluate", "loss_value"]


def loss_value(loss: Any) -> float:
    """The value of a loss returned by ``loss_fn``, which must be a one-element Tensor."""
    if not isinstance(loss, Tensor) or loss.size != 1:
        got = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
        raise ArrayTypeError(f"loss_fn must return a one-element Tensor (a mean loss), got {got}")
    return loss.item()


def evaluate(
    model: Any, loss_fn: Any, X: Any, y: Any, *, batch_size: int = 256, metrics: Any = None
) -> dict[str, float]:
    """The mean loss (and accuracy) of ``model`` on ``(X, y)``, in evaluation mode, no gradients.

    The loss is the batch losses weighted by batch size: the mean over all
    samples when ``loss_fn`` returns a batch mean. The model's mode is
    restored afterwards.

    Returns
    -------
    dict
        ``{"loss": ...}``, plus ``"accuracy"`` with that metric (by default
        when ``y`` holds integer class labels).

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations import nn
    >>> model = nn.Linear(2, 2, dtype="float64")
    >>> model.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    >>> X, y = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]]), np.array([0, 1, 1])
    >>> scores = evaluate(model, nn.functional.cross_entropy, X, y)
    >>> round(scores["loss"], 4), round(scores["accuracy"], 4)
    (1.1629, 0.6667)
    """
    X, y = check_data(X, y, "X", "y")
    batch_size = check_integer(batch_size, "batch_size", 1)
    names = resolve_metrics(metrics, y, "y")
    was_training = getattr(model, "training", True)
    model.eval()
    total, correct = 0.0, 0
    try:
        with no_grad():
            for index in batches(len(X), batch_size, None):
                output = model(Tensor(X[index]))
                total += loss_value(loss_fn(output, y[index])) * len(y[index])
                if names:
                    correct += correct_count(output.data, y[index])
    finally:
        model.train(was_training)
    result = {"loss": total / len(X)}
    return {**result, "accuracy": correct / len(X)} if names else result
