"""The result of a Bayesian optimization, with scikit-optimize's attribute names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlequations.bayesopt.space import SearchSpace

__all__ = ["OptimizeResult", "best_so_far"]


def best_so_far(func_vals: Any) -> np.ndarray:
    r"""The running minimum :math:`\min_{i \le n} y_i` of the finite values (NaN before the first).

    Examples
    --------
    >>> best_so_far([3.0, float("nan"), 1.0, 2.0]).tolist()
    [3.0, 3.0, 1.0, 1.0]
    """
    values = np.asarray(func_vals, dtype=np.float64)
    finite = np.where(np.isfinite(values), values, np.inf)
    running = np.minimum.accumulate(finite) if finite.size else finite
    return np.where(np.isfinite(running), running, np.nan)


@dataclass
class OptimizeResult:
    """What a run of :func:`~mlequations.bayesopt.minimize` found.

    The names are scikit-optimize's (``x``, ``fun``, ``x_iters``, ``func_vals``,
    ``models``, ``space``), so code written for ``skopt.gp_minimize`` reads the
    result unchanged.

    Attributes
    ----------
    x : ndarray of shape (n_dims,) or None
        The evaluated point with the smallest finite objective value (None before any).
    fun : float
        That value, :math:`\\min_i y_i` over the finite values (NaN before any).
    x_iters : ndarray, shape (n_calls, n_dims)
        Every evaluated point, in order.
    func_vals : ndarray, shape (n_calls,)
        The objective at each point (a non-finite value where an evaluation failed
        and ``on_nonfinite="penalize"``).
    models : list
        The surrogate fitted before each model-based suggestion of this session
        (``models[-1]`` is the latest), each a fitted Gaussian process on the unit
        cube. It models warped values :math:`g(y)`, which equal :math:`y` below the
        median of the values it saw (see :mod:`~mlequations.bayesopt.warping`).
    space : SearchSpace
        The bounds and the unit-cube maps.
    n_initial_points : int
        The optimizer's ``n_initial_points``.
    specs : dict
        The optimizer's settings (``acquisition``, ``xi``, ``kappa``, ...).
    output_transforms : list of TailCompression
        The warping :math:`g` of each of ``models``: ``output_transforms[i].inverse``
        maps a prediction (or a quantile) of ``models[i]`` to the objective's units.
    """

    x: np.ndarray | None
    fun: float
    x_iters: np.ndarray
    func_vals: np.ndarray
    models: list[Any] = field(repr=False)
    space: SearchSpace = field(repr=False)
    n_initial_points: int = 0
    specs: dict[str, Any] = field(default_factory=dict)
    output_transforms: list[Any] = field(default_factory=list, repr=False)

    @property
    def best_so_far(self) -> np.ndarray:
        """The running minimum of ``func_vals`` after each call (the convergence curve)."""
        return best_so_far(self.func_vals)

    @classmethod
    def from_evaluations(
        cls,
        x_iters: np.ndarray,
        func_vals: np.ndarray,
        models: list[Any],
        space: SearchSpace,
        n_initial_points: int,
        specs: dict[str, Any],
        output_transforms: list[Any] | None = None,
    ) -> OptimizeResult:
        """Build the result of the evaluations so far (copies the arrays)."""
        finite = np.isfinite(func_vals)
        if np.any(finite):
            index = int(np.argmin(np.where(finite, func_vals, np.inf)))
            x, fun = x_iters[index].copy(), float(func_vals[index])
        else:
            x, fun = None, float("nan")
        return cls(
            x,
            fun,
            x_iters.copy(),
            func_vals.copy(),
            list(models),
            space,
            n_initial_points,
            dict(specs),
            list(output_transforms or []),
        )
