r"""The search space of Bayesian optimization: a box of bounds and its unit cube.

Each dimension :math:`j` runs over :math:`[l_j, h_j]` with :math:`l_j < h_j`. The
optimizer works in the unit cube: a point maps as

.. math::

    u_j = \frac{x_j - l_j}{h_j - l_j}, \qquad x_j = l_j + u_j (h_j - l_j),

so length scales, distances and candidate sets mean the same in every dimension,
whatever the units of the bounds. The initial design fills the cube with scrambled
Sobol points (low discrepancy) or independent uniform points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import qmc

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ShapeError,
    ValidationError,
)
from mlequations._checks import check_integer

__all__ = ["INITIAL_DESIGNS", "SearchSpace", "initial_design"]

#: The ways of drawing the initial points.
INITIAL_DESIGNS = ("sobol", "random")


def _format_point(x: np.ndarray) -> str:
    return "[" + ", ".join(f"{value:.6g}" for value in x) + "]"


class SearchSpace:
    """A box :math:`\\prod_j [l_j, h_j]` and the maps to and from the unit cube.

    Parameters
    ----------
    bounds : sequence of (low, high) pairs or array of shape (n_dims, 2)
        Finite real bounds with ``low < high`` in every dimension.

    Attributes
    ----------
    low, high : ndarray, shape (n_dims,)
        The lower and upper bounds, as float64.
    n_dims : int
        The number of dimensions.

    Examples
    --------
    >>> space = SearchSpace([(-2.0, 2.0), (0.0, 10.0)])
    >>> space.to_unit([[0.0, 2.5]]).tolist()
    [[0.5, 0.25]]
    >>> space.from_unit([[1.0, 0.0]]).tolist()
    [[2.0, 0.0]]
    >>> SearchSpace([(1.0, 1.0)])
    Traceback (most recent call last):
    ...
    mlequations._array.ValidationError: bounds[0] must have low < high, got (1, 1)
    """

    def __init__(self, bounds: Any) -> None:
        box = _as_bounds(bounds)
        self.low = box[:, 0].copy()
        self.high = box[:, 1].copy()
        self.n_dims = int(box.shape[0])

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """The bounds as a list of ``(low, high)`` Python floats (as saved in JSON)."""
        return [(float(lo), float(hi)) for lo, hi in zip(self.low, self.high, strict=True)]

    @property
    def width(self) -> np.ndarray:
        """:math:`h_j - l_j` per dimension."""
        return self.high - self.low

    def to_unit(self, X: Any) -> np.ndarray:
        """Map points of the box, shape (n, n_dims), to the unit cube."""
        return (np.asarray(X, dtype=np.float64) - self.low) / self.width

    def from_unit(self, U: Any) -> np.ndarray:
        """Map points of the unit cube, shape (n, n_dims), to the box (clipped to the bounds)."""
        X = self.low + np.asarray(U, dtype=np.float64) * self.width
        return np.clip(X, self.low, self.high)

    def check_points(self, X: Any, name: str = "x") -> np.ndarray:
        """Return ``X`` as a float64 array of shape (n, n_dims) of finite points within bounds.

        A single point (shape ``(n_dims,)``) becomes one row. Values outside the
        bounds by no more than 1e-9 of the width (rounding) are clipped; farther
        ones are an error naming the point.
        """
        try:
            points = np.array(X, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ArrayTypeError(f"{name} must be an array of real numbers ({error})") from None
        if points.ndim == 1:
            points = points[None, :]
        if points.ndim != 2 or points.shape[1] != self.n_dims:
            raise ShapeError(
                f"{name} must have shape ({self.n_dims},) or (n_points, {self.n_dims}), "
                f"got shape {np.shape(X)}"
            )
        for row in points:
            if not np.all(np.isfinite(row)):
                raise NonFiniteError(f"{name} must be finite, got {_format_point(row)}")
            slack = 1e-9 * self.width
            if np.any(row < self.low - slack) or np.any(row > self.high + slack):
                raise ValidationError(
                    f"{name} must lie within the bounds {self.bounds}, got {_format_point(row)}"
                )
        return np.clip(points, self.low, self.high)


def _as_bounds(bounds: Any) -> np.ndarray:
    """``bounds`` as a float64 array of shape (n_dims, 2), checked."""
    if isinstance(bounds, str | bytes):
        raise ArrayTypeError(f"bounds must be a sequence of (low, high) pairs, got {bounds!r}")
    try:
        box = np.array(bounds, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ShapeError(
            f"bounds must be a sequence of (low, high) pairs of real numbers, got {bounds!r} "
            f"({error})"
        ) from None
    if box.ndim != 2 or box.shape[1] != 2:
        raise ShapeError(
            f"bounds must be a sequence of (low, high) pairs, shape (n_dims, 2), "
            f"got shape {box.shape}"
        )
    if box.shape[0] == 0:
        raise EmptyInputError("bounds must hold at least one (low, high) pair, got none")
    for j, (low, high) in enumerate(box):
        if not (math.isfinite(low) and math.isfinite(high)):
            raise NonFiniteError(f"bounds[{j}] must be finite, got ({low:g}, {high:g})")
        if not low < high:
            raise ValidationError(f"bounds[{j}] must have low < high, got ({low:g}, {high:g})")
    return box


def initial_design(n_points: int, n_dims: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """``n_points`` points of the unit cube :math:`[0, 1]^d`, shape (n_points, n_dims).

    ``"sobol"`` takes the first ``n_points`` of a scrambled Sobol sequence of
    :math:`2^{\\lceil \\log_2 n \\rceil}` points (drawing a power of two keeps its
    balance properties and SciPy's warning away); ``"random"`` draws independent
    uniform points.

    Examples
    --------
    >>> U = initial_design(5, 2, "sobol", np.random.default_rng(0))
    >>> U.shape, bool(np.all((U >= 0) & (U < 1)))
    ((5, 2), True)
    >>> # A Sobol sample puts exactly one of its first 4 points in each quarter of [0, 1).
    >>> sorted(np.floor(initial_design(4, 1, "sobol", np.random.default_rng(1))[:, 0] * 4))
    [np.float64(0.0), np.float64(1.0), np.float64(2.0), np.float64(3.0)]
    """
    n_points = check_integer(n_points, "n_points", 0)
    n_dims = check_integer(n_dims, "n_dims", 1)
    if kind not in INITIAL_DESIGNS:
        raise ValidationError(f"initial_design must be one of {INITIAL_DESIGNS}, got {kind!r}")
    if n_points == 0:
        return np.empty((0, n_dims))
    if kind == "random":
        return rng.random((n_points, n_dims))
    sobol = qmc.Sobol(n_dims, scramble=True, rng=rng)
    return sobol.random_base2(max(0, math.ceil(math.log2(n_points))))[:n_points]
