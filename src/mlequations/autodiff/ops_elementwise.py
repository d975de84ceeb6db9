r"""Element-wise functions of tensors, each with its derivative: exp, log, sqrt, abs, clip, where.

For an element-wise :math:`y = f(x)` the vector-Jacobian product is the
element-wise product :math:`\bar{x} = \bar{y} \odot f'(x)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff.tensor import Tensor, lift, record

__all__ = ["abs", "clip", "exp", "log", "sqrt", "where"]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Any) -> Tensor:
    r""":math:`e^x`, whose derivative is itself."""
    x = _tensor(x)
    out = np.exp(x.data)
    return record("exp", out, (x,), lambda g: (g * out,))


def log(x: Any) -> Tensor:
    r"""The natural logarithm; :math:`d/dx \ln x = 1/x` (``log(0) = -inf``, as NumPy)."""
    x = _tensor(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(x.data)
    return record("log", out, (x,), lambda g: (g / x.data,))


def sqrt(x: Any) -> Tensor:
    r""":math:`\sqrt{x}`; :math:`d/dx = 1 / (2\sqrt{x})` (infinite at 0, as in PyTorch)."""
    x = _tensor(x)
    with np.errstate(invalid="ignore"):
        out = np.sqrt(x.data)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        with np.errstate(divide="ignore"):
            return (g / (2 * out),)

    return record("sqrt", out, (x,), backward)


def abs(x: Any) -> Tensor:
    r""":math:`|x|`; its derivative :math:`\operatorname{sign}(x)` is taken as 0 at 0."""
    x = _tensor(x)
    return record("abs", np.abs(x.data), (x,), lambda g: (g * np.sign(x.data),))


def _bound(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ArrayTypeError(f"{name} must be a real number or None, got {type(value).__name__}")
    return float(value)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:
    r"""Limit ``x`` to ``[min, max]``; the gradient passes where ``min <= x <= max``.

    As in PyTorch's ``clamp``, the boundary itself counts as inside.
    """
    x = _tensor(x)
    low, high = _bound(min, "min"), _bound(max, "max")
    if low is None and high is None:
        raise ValidationError("clip needs min, max or both, got neither")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"clip needs min <= max, got min={low} and max={high}")
    out = np.clip(x.data, low, high)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x.data >= low
        if high is not None:
            inside &= x.data <= high
        return (g * inside,)

    return record("clip", out, (x,), backward)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; each receives the gradient of its entries."""
    mask = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise ArrayTypeError(f"condition must be a boolean array, got dtype {mask.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    if isinstance(a, Tensor):
        b = lift(b, a.dtype)
    else:
        a = lift(a, b.dtype)
    try:
        out = np.where(mask, a.data, b.data)
    except ValueError:
        raise ShapeError(
            f"condition, a and b must broadcast together, got shapes {mask.shape}, {a.shape} "
            f"and {b.shape}"
        ) from None

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(mask, g, zero) if a.requires_grad else None
        gb = np.where(mask, zero, g) if b.requires_grad else None
        return ga, gb

    return record("where", out, (a, b), backward)
