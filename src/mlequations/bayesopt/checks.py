"""The checks of the optimizer's arguments and of the values a black box returns."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number

__all__ = [
    "as_values",
    "check_choice",
    "check_nonnegative",
    "entropy_of",
    "evaluate",
    "format_point",
]


def format_point(x: np.ndarray) -> str:
    return "[" + ", ".join(f"{value:.6g}" for value in x) + "]"


def entropy_of(random_state: Any) -> int:
    """The integer every random draw of a run derives from."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise ArrayTypeError(
            f"random_state must be None, a non-negative integer or a numpy.random.Generator, "
            f"got {type(random_state).__name__}"
        )
    return check_integer(random_state, "random_state", 0)


def check_choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValidationError(f"{name} must be one of {options}, got {value!r}")
    return str(value)


def check_nonnegative(value: Any, name: str) -> float:
    number = check_real_number(value, name)
    if not (np.isfinite(number) and number >= 0):
        raise ValidationError(f"{name} must be a non-negative finite number, got {value}")
    return number


def as_values(y: Any, n_points: int) -> np.ndarray:
    """``y`` as ``n_points`` float64 values (a single real number for a single point)."""
    try:
        values = np.array(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArrayTypeError(f"y must be a real number or an array of them, got {y!r}") from None
    if isinstance(y, bool) or values.dtype == object:
        raise ArrayTypeError(f"y must be a real number or an array of them, got {y!r}")
    values = values.reshape(-1) if values.ndim == 0 else values
    if values.shape != (n_points,):
        raise ShapeError(
            f"y must hold one value per point of x ({n_points}), got shape {np.shape(y)}"
        )
    return values


def evaluate(func: Callable[[np.ndarray], Any], x: np.ndarray) -> float:
    """``func(x)`` as a float, or an error naming the point if it is not a real number."""
    value = func(x.copy())
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ArrayTypeError(
            f"func must return a real number, got {type(value).__name__} at x = {format_point(x)}"
        )
    return float(value)
