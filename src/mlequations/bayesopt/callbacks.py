"""Callbacks that stop a Bayesian optimization early.

:func:`~mlequations.bayesopt.minimize` and
:meth:`~mlequations.bayesopt.BayesianOptimizer.run` call each callback with the
:class:`~mlequations.bayesopt.OptimizeResult` so far after every evaluation; a
callback that returns ``True`` stops the run (any other return value lets it go
on). The helpers here follow scikit-optimize's stoppers of the same names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import ValidationError
from mlequations._checks import check_integer, check_real_number

__all__ = [
    "DeadlineStopper",
    "DeltaXStopper",
    "DeltaYStopper",
    "check_callbacks",
    "run_callbacks",
]


def _positive(value: Any, name: str) -> float:
    number = check_real_number(value, name)
    if not number > 0 or not np.isfinite(number):
        raise ValidationError(f"{name} must be a positive finite number, got {value}")
    return number


class DeadlineStopper:
    r"""Stop before a time budget runs out.

    After each evaluation it records how long that iteration took; it stops when
    the time left is no more than the longest iteration so far, so the run ends
    within ``total_time`` seconds (counted from construction) as long as no
    iteration takes longer than the longest one seen:

    .. math::

        T - \sum_{i \le n} t_i \le \max_{i \le n} t_i

    Parameters
    ----------
    total_time : float
        The budget in seconds, > 0.
    clock : callable, default time.monotonic
        A function returning the current time in seconds.

    Examples
    --------
    >>> ticks = iter([0.0, 4.0, 8.0, 12.0])
    >>> stopper = DeadlineStopper(15.0, clock=lambda: next(ticks))
    >>> stopper(None), stopper(None)  # 4 s used, 11 s left; 8 s used, 7 s left
    (False, False)
    >>> stopper(None)  # 12 s used, 3 s left < 4 s per iteration
    True
    """

    def __init__(self, total_time: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total_time = _positive(total_time, "total_time")
        self.clock = clock
        self.iteration_times: list[float] = []
        self._last = clock()

    def __call__(self, result: Any) -> bool:
        now = self.clock()
        self.iteration_times.append(now - self._last)
        self._last = now
        remaining = self.total_time - sum(self.iteration_times)
        return remaining <= max(self.iteration_times)


class DeltaYStopper:
    r"""Stop when the ``n_best`` smallest objective values lie within ``delta`` of each other.

    With :math:`y_{(1)} \le y_{(2)} \le \dots` the sorted finite values seen so far,
    it stops once :math:`y_{(n_{best})} - y_{(1)} < \delta`: the best few points
    agree, so further evaluations are unlikely to improve much.

    Parameters
    ----------
    delta : float
        The tolerance on the objective, > 0.
    n_best : int, default 5
        How many of the best values must agree, >= 2.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> stopper = DeltaYStopper(0.01, n_best=3)
    >>> stopper(SimpleNamespace(func_vals=np.array([5.0, 1.0, 1.004])))
    False
    >>> stopper(SimpleNamespace(func_vals=np.array([5.0, 1.0, 1.004, 1.002])))
    True
    """

    def __init__(self, delta: float, n_best: int = 5) -> None:
        self.delta = _positive(delta, "delta")
        self.n_best = check_integer(n_best, "n_best", 2)

    def __call__(self, result: Any) -> bool:
        values = np.sort(np.asarray(result.func_vals, dtype=np.float64))
        values = values[np.isfinite(values)]
        if values.size < self.n_best:
            return False
        return bool(values[self.n_best - 1] - values[0] < self.delta)


class DeltaXStopper:
    r"""Stop when the last two evaluated points are closer than ``delta`` (Euclidean norm).

    .. math::

        \lVert x_n - x_{n-1} \rVert_2 < \delta

    Parameters
    ----------
    delta : float
        The tolerance on the distance, > 0, in the units of the bounds.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> stopper = DeltaXStopper(0.1)
    >>> stopper(SimpleNamespace(x_iters=np.array([[0.0, 0.0], [1.0, 0.0]])))
    False
    >>> stopper(SimpleNamespace(x_iters=np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.05]])))
    True
    """

    def __init__(self, delta: float) -> None:
        self.delta = _positive(delta, "delta")

    def __call__(self, result: Any) -> bool:
        points = np.asarray(result.x_iters, dtype=np.float64)
        if len(points) < 2:
            return False
        return bool(np.linalg.norm(points[-1] - points[-2]) < self.delta)


def check_callbacks(callback: Any) -> list[Callable[[Any], Any]]:
    """``callback`` (None, a callable or a sequence of callables) as a list, checked."""
    if callback is None:
        return []
    callbacks = [callback] if callable(callback) else callback
    try:
        callbacks = list(callbacks)
    except TypeError:
        raise TypeError(
            f"callback must be a callable or a sequence of callables, got {type(callback).__name__}"
        ) from None
    for index, function in enumerate(callbacks):
        if not callable(function):
            raise TypeError(f"callback[{index}] must be callable, got {type(function).__name__}")
    return callbacks


def run_callbacks(callbacks: list[Callable[[Any], Any]], result: Any) -> bool:
    """Call every callback with ``result``; True when at least one returned ``True``.

    Every callback runs (a stopper's clock or a logger must see each evaluation),
    even after an earlier one asked to stop.
    """
    stops = [_is_true(function(result)) for function in callbacks]
    return any(stops)


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, np.bool_) and bool(value))
