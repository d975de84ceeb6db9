"""Layer 0: the input checks every equation uses.

Each check raises a :class:`~mlequations._array.ValidationError` subclass (a
``ValueError``) or :class:`~mlequations._array.ArrayTypeError` (a ``TypeError``)
whose message names the argument, says what was expected and what came, e.g.
``p must sum to 1 along axis -1, got 0.4``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
    _is_array,
    array_namespace,
    as_array,
    to_numpy,
)

__all__ = [
    "PROBABILITY_ATOL",
    "as_vector",
    "broadcast_together",
    "check_class_labels",
    "check_finite",
    "check_in_range",
    "check_integer",
    "check_learning_rate",
    "check_matrix",
    "check_nonempty",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_probability_on_axis",
    "check_real_number",
    "check_same_shape",
    "check_summed_axis",
    "first_where",
    "normalize_axis",
]

#: Default tolerance on the sum of a probability vector: |sum - 1| <= atol.
PROBABILITY_ATOL = 1e-6


def as_vector(value: Any, name: str) -> np.ndarray:
    """Copy ``value`` to a finite, non-empty 1-D NumPy vector (for NumPy-only iterations).

    Converted as by :func:`as_array` (lists and integers become float64,
    float32 stays float32), then copied, so the caller may modify it freely.

    Examples
    --------
    >>> as_vector([1, 2], "x")
    array([1., 2.])
    >>> as_vector([[1.0, 2.0]], "x")
    Traceback (most recent call last):
    ...
    mlequations._array.ShapeError: x must be a 1-D vector, got shape (1, 2)
    """
    vector = np.array(to_numpy(as_array(value, name)), copy=True)
    if vector.ndim != 1:
        raise ShapeError(f"{name} must be a 1-D vector, got shape {vector.shape}")
    check_nonempty(vector, name)
    check_finite(vector, name, np)
    return vector


def _shape(x: Any) -> str:
    return str(tuple(int(d) for d in x.shape))


def _describe(value: Any) -> str:
    number = float(value)
    return f"{number:.6g}"


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative index, or raise a clear error."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ArrayTypeError(f"{name} must be an integer, got {type(axis).__name__}")
    if ndim == 0:
        raise ShapeError(f"{name} must be None for a scalar (an array of 0 dimensions), got {axis}")
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{name} must be in [{-ndim}, {ndim}) for an array of {ndim} dimension(s), got {axis}"
        )
    return int(axis) % ndim


def check_integer(value: Any, name: str, low: int, high: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer in [low, high] (or >= low).

    Booleans are refused: ``True`` is no count. ``hint`` follows the bound in
    the message, e.g. ``" (steps are counted from 1)"``.

    Examples
    --------
    >>> check_integer(3, "k", 1, 5)
    3
    >>> check_integer(0, "n_steps", 1)
    Traceback (most recent call last):
    ...
    mlequations._array.ValidationError: n_steps must be >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArrayTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if high is None and value < low:
        raise ValidationError(f"{name} must be >= {low}{hint}, got {value}")
    if high is not None and not low <= value <= high:
        raise ValidationError(f"{name} must lie in [{low}, {high}]{hint}, got {value}")
    return int(value)


def check_real_number(value: Any, name: str) -> float:
    """Return a real Python or NumPy number (not a bool, not an array) as a ``float``.

    Parameters such as ``alpha`` stay Python floats, so they never change the
    dtype of the arrays they multiply.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArrayTypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def check_nonempty(x: Any, name: str) -> None:
    """Raise :class:`EmptyInputError` if ``x`` has no elements."""
    if math.prod(int(d) for d in x.shape) == 0:
        raise EmptyInputError(f"{name} must not be empty, got shape {_shape(x)}")


def check_finite(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`NonFiniteError` if ``x`` holds NaN or infinity."""
    xp = xp or array_namespace(x)
    if not bool(xp.all(xp.isfinite(x))):
        kind = "NaN" if bool(xp.any(xp.isnan(x))) else "infinity"
        raise NonFiniteError(f"{name} must be finite, got {kind}")


def check_nonnegative(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`ValidationError` if any element of ``x`` is negative."""
    xp = xp or array_namespace(x)
    if bool(xp.any(x < 0)):
        raise ValidationError(f"{name} must be non-negative, got {_describe(xp.min(x))}")


def check_positive(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`ValidationError` if any element of ``x`` is zero or negative."""
    xp = xp or array_namespace(x)
    if bool(xp.any(x <= 0)):
        raise ValidationError(f"{name} must be positive, got {_describe(xp.min(x))}")


def check_in_range(
    x: Any, name: str, low: float, high: float, xp: Any | None = None, *, closed: bool = True
) -> None:
    """Raise :class:`ValidationError` unless every element lies in [low, high] (or (low, high))."""
    xp = xp or array_namespace(x)
    inside = (x >= low) & (x <= high) if closed else (x > low) & (x < high)
    if not bool(xp.all(inside)):
        bad = xp.min(x) if bool(xp.any(x < low if closed else x <= low)) else xp.max(x)
        interval = f"[{low}, {high}]" if closed else f"({low}, {high})"
        raise ValidationError(f"{name} must lie in {interval}, got {_describe(bad)}")


def check_matrix(A: Any, name: str, *, square: bool = False, stacked: bool = True) -> None:
    """Raise :class:`ShapeError` unless ``A`` is a matrix (square if ``square``).

    With ``stacked`` (the default) a leading batch ``(..., m, n)`` is allowed;
    without it ``A`` must be exactly 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> check_matrix(np.ones((2, 3)), "A", square=True)
    Traceback (most recent call last):
    ...
    mlequations._array.ShapeError: A must be square, got shape (2, 3)
    """
    if A.ndim < 2 or (not stacked and A.ndim != 2):
        wanted = "a matrix (..., m, n)" if stacked else "a 2-D matrix"
        raise ShapeError(f"{name} must be {wanted}, got shape {tuple(A.shape)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"{name} must be square, got shape {tuple(A.shape)}")


def check_same_shape(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Raise :class:`ShapeError` unless ``a`` and ``b`` have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ShapeError(
            f"{name_a} and {name_b} must have the same shape, got {_shape(a)} and {_shape(b)}"
        )


def broadcast_together(arrays: Sequence[Any], names: Sequence[str], xp: Any) -> list[Any]:
    """Broadcast ``arrays`` to one shape, or raise a :class:`ShapeError` naming them.

    Examples
    --------
    >>> import numpy as np
    >>> [a.shape for a in broadcast_together((np.ones(3), np.ones((2, 1))), "ab", np)]
    [(2, 3), (2, 3)]
    """
    shapes = [tuple(int(d) for d in a.shape) for a in arrays]
    try:
        target = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(f"{n} {s}" for n, s in zip(names, shapes, strict=True))
        raise ShapeError(f"{' and '.join(names)} must broadcast together, got {listed}") from None
    return [a if tuple(a.shape) == target else xp.broadcast_to(a, target) for a in arrays]


def first_where(values: Any, mask: Any, xp: Any) -> float:
    """The first element of ``values`` where ``mask`` is true, as a float (for error messages).

    Examples
    --------
    >>> import numpy as np
    >>> first_where(np.asarray([0.5, -2.0, -3.0]), np.asarray([False, True, True]), np)
    -2.0
    """
    flat_mask = xp.astype(xp.reshape(mask, (-1,)), xp.int8)
    index = int(xp.argmax(flat_mask))
    return float(xp.reshape(values, (-1,))[index])


def check_probability(
    p: Any,
    name: str,
    xp: Any | None = None,
    *,
    axis: int | None = -1,
    atol: float | None = None,
) -> None:
    """Check that ``p`` is a probability vector or table.

    Every element must be finite and non-negative, and the sum along ``axis``
    (over all elements when ``axis`` is None) must equal 1 within ``atol``.
    By default ``atol`` is the larger of :data:`PROBABILITY_ATOL` and the
    rounding a sum of n numbers of ``p``'s dtype can carry, n · eps: a float32
    softmax over 50,000 classes sums to 1 only within a few 1e-6.

    Examples
    --------
    >>> check_probability([0.1, 0.3], "p")
    Traceback (most recent call last):
    ...
    mlequations._array.ProbabilityError: p must sum to 1 along axis -1, got 0.4
    """
    xp = xp or array_namespace(p)
    if not _is_array(p):
        p = as_array(p, name, xp)
    check_nonempty(p, name)
    if not bool(xp.all(xp.isfinite(p))):
        kind = "NaN" if bool(xp.any(xp.isnan(p))) else "infinity"
        raise ProbabilityError(f"{name} must hold finite probabilities, got {kind}")
    if bool(xp.any(p < 0)):
        raise ProbabilityError(
            f"{name} must hold non-negative probabilities, got {_describe(xp.min(p))}"
        )
    if axis is None:
        totals = xp.reshape(xp.sum(p), (1,))
        where, count = "over all elements", math.prod(int(d) for d in p.shape)
    else:
        count = int(p.shape[normalize_axis(axis, p.ndim)])
        totals = xp.reshape(xp.sum(p, axis=axis), (-1,))
        where = f"along axis {axis}"
    if atol is None:
        atol = max(PROBABILITY_ATOL, count * float(xp.finfo(p.dtype).eps))
    deviation = xp.abs(totals - 1.0)
    if bool(xp.any(deviation > atol)):
        worst = int(xp.argmax(deviation))
        digits = 15 if p.dtype == xp.float64 else 7  # enough to show a small gap, no noise
        total = f"{float(totals[worst]):.{digits}g}"
        raise ProbabilityError(f"{name} must sum to 1 {where}, got {total}")


def check_summed_axis(arrays: tuple[Any, ...], names: tuple[str, ...], axis: int) -> int:
    """Check that every array has the summed axis, with one common length.

    ``axis`` counts in the shape the arrays broadcast to; the result is the same
    axis as a negative index, valid in each array. A length-1 or missing axis
    would broadcast one probability (or value) across every outcome, so it is
    refused rather than stretched: the shapes along the summed axis must match.
    """
    ndim = max(array.ndim for array in arrays)
    if ndim == 0:
        raise ShapeError(
            f"{' and '.join(names)} must have an axis {axis} to sum over, got only scalars"
        )
    position = normalize_axis(axis, ndim) - ndim
    shapes = [tuple(int(d) for d in array.shape) for array in arrays]
    for name, shape in zip(names, shapes, strict=True):
        if len(shape) < -position:
            raise ShapeError(
                f"{name} has no axis {axis} to sum over: its shape is {shape}, while the "
                f"arguments broadcast to {ndim} dimensions"
            )
    if len({shape[position] for shape in shapes}) > 1:
        listed = " and ".join(f"{n} {s}" for n, s in zip(names, shapes, strict=True))
        raise ShapeError(
            f"{' and '.join(names)} must have the same length along axis {axis}, the axis "
            f"summed over, got {listed}"
        )
    return position


def check_probability_on_axis(xp: Any, p: Any, name: str, axis: int, position: int) -> None:
    """Run check_probability on ``p`` as given, along the axis from :func:`check_summed_axis`."""
    shown = axis if axis in (position, p.ndim + position) else position
    check_probability(p, name, xp, axis=shown)


def check_class_labels(labels: Any, name: str, num_classes: int, xp: Any) -> None:
    """Check that ``labels`` are integer class labels in [0, num_classes - 1].

    Examples
    --------
    >>> import numpy as np
    >>> check_class_labels(np.asarray([0.0, 3.0]), "y", 3, np)
    Traceback (most recent call last):
    ...
    mlequations._array.ValidationError: y must hold labels in [0, 2], got 3
    """
    check_finite(labels, name, xp)
    fractional = labels != xp.floor(labels)
    if bool(xp.any(fractional)):
        value = first_where(labels, fractional, xp)
        raise ValidationError(f"{name} must hold integer class labels, got {value:.6g}")
    outside = (labels < 0) | (labels >= num_classes)
    if bool(xp.any(outside)):
        value = first_where(labels, outside, xp)
        raise ValidationError(f"{name} must hold labels in [0, {num_classes - 1}], got {value:.6g}")


def check_learning_rate(rate: Any, xp: Any) -> None:
    """Check that a learning rate (an array) is a finite, positive scalar."""
    if rate.ndim != 0:
        raise ShapeError(f"learning_rate must be a scalar, got shape {tuple(rate.shape)}")
    check_finite(rate, "learning_rate", xp)
    check_positive(rate, "learning_rate", xp)
