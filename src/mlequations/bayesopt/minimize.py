"""``minimize``: Bayesian optimization of a black box in one call, like ``skopt.gp_minimize``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import ValidationError
from mlequations._checks import check_integer
from mlequations.bayesopt.optimizer import BayesianOptimizer
from mlequations.bayesopt.result import OptimizeResult

__all__ = ["minimize"]


def _tell_initial(optimizer: BayesianOptimizer, x0: Any, y0: Any) -> int:
    """Queue ``x0`` for evaluation, or tell it with ``y0``; return how many points it queued."""
    if x0 is None:
        if y0 is not None:
            raise ValidationError(
                "y0 must come with x0 (the points it was measured at), got x0=None"
            )
        return 0
    if y0 is None:
        optimizer.enqueue(x0, "x0")
        return len(optimizer.space.check_points(x0, "x0"))
    optimizer.tell(optimizer.space.check_points(x0, "x0"), y0)
    return 0


def minimize(
    func: Callable[[np.ndarray], float],
    bounds: Any,
    n_calls: int,
    n_initial_points: int = 5,
    acquisition: str = "log_ei",
    initial_design: str = "sobol",
    random_state: int | np.random.Generator | None = None,
    callback: Any = None,
    verbose: int = 0,
    x0: Any = None,
    y0: Any = None,
    xi: float = 0.0,
    kappa: float = 1.96,
    on_nonfinite: str = "raise",
    state_path: str | os.PathLike[str] | None = None,
    **options: Any,
) -> OptimizeResult:
    r"""Minimise ``func`` over the box ``bounds`` by Bayesian optimization.

    Evaluates ``func`` ``n_calls`` times: at the points ``x0`` (if given without
    ``y0``), then at the rest of an initial design of ``n_initial_points``, then at
    the maximiser of the acquisition of a Gaussian-process surrogate refitted
    after every evaluation (see :class:`BayesianOptimizer`).

    Parameters
    ----------
    func : callable
        The objective: a point as a float64 array of shape (n_dims,) -> a real number.
    bounds : sequence of (low, high) pairs
        The box, one finite pair with ``low < high`` per dimension.
    n_calls : int
        Evaluations of ``func``, at least ``n_initial_points`` (and ``len(x0)``).
    n_initial_points : int, default 5
        Initial-design points before the surrogate is used (points of ``x0`` count).
    acquisition : {"log_ei", "ei", "pi", "lcb"}, default "log_ei"
        The acquisition function.
    initial_design : {"sobol", "random"}, default "sobol"
        The initial design.
    random_state : int, numpy.random.Generator or None
        The seed: the same seed gives the same run.
    callback : callable or list of callables, optional
        Called with the :class:`OptimizeResult` after every evaluation; returning
        ``True`` stops the run (see :mod:`mlequations.bayesopt.callbacks`).
    verbose : int, default 0
        ``> 0`` shows a progress bar when standard error is a terminal.
    x0 : array, shape (n_dims,) or (n, n_dims), optional
        Points to evaluate first, or (with ``y0``) already evaluated.
    y0 : float or array of shape (n,), optional
        The values at ``x0``: they are used without calling ``func`` and do not
        count in ``n_calls``.
    xi : float, default 0.0
        The margin of the improvement criteria, in the objective's units.
    kappa : float, default 1.96
        The exploration weight of "lcb".
    on_nonfinite : {"raise", "penalize"}, default "raise"
        A NaN or infinite value raises an error naming the point, or is kept as a
        failed evaluation (see :class:`BayesianOptimizer`).
    state_path : path, optional
        Save the optimizer's JSON state there after every evaluation; resume with
        ``BayesianOptimizer.load(state_path).run(func, remaining_calls)``.
    **options
        ``n_candidates``, ``n_restarts``, ``duplicate_tolerance`` and
        ``output_transform`` of :class:`BayesianOptimizer`.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``x_iters``, ``func_vals``, ``models``, ``space``.

    Examples
    --------
    >>> result = minimize(lambda x: float(x[0] ** 2), [(-2.0, 2.0)], n_calls=10, random_state=0)
    >>> bool(abs(result.x[0]) < 0.01), bool(result.fun < 1e-4), result.x_iters.shape
    (True, True, (10, 1))
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    optimizer = BayesianOptimizer(
        bounds,
        acquisition=acquisition,
        n_initial_points=n_initial_points,
        initial_design=initial_design,
        random_state=random_state,
        xi=xi,
        kappa=kappa,
        on_nonfinite=on_nonfinite,
        **options,
    )
    n_calls = check_integer(n_calls, "n_calls", 1)
    n_queued = _tell_initial(optimizer, x0, y0)
    needed = max(n_initial_points - len(optimizer.func_vals), n_queued)
    if n_calls < needed:
        what = "len(x0)" if n_queued > n_initial_points else "n_initial_points"
        after = " minus the points told with y0" if y0 is not None else ""
        raise ValidationError(f"n_calls must be >= {what}{after} = {needed}, got {n_calls}")
    return optimizer.run(
        func,
        n_calls,
        callback=callback,
        verbose=verbose,
        state_path=state_path,
    )
