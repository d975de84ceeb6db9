r"""Gradient descent and stochastic gradient descent, run to the end.

The optimisers (:func:`gradient_descent`, :func:`stochastic_gradient_descent`)
iterate Python callables and are **NumPy only**; they record the whole
trajectory in an :class:`OptimizationResult`.

When an iterate, a gradient or the loss stops being finite (typically because
the learning rate is too large and the iterates blow up), the optimisers raise
:class:`DivergenceError` naming the step instead of returning NaN.

For convenience this module re-exports the single-step update rules of
:mod:`mlequations.updates` (:func:`gradient_descent_step`,
:func:`stochastic_gradient_step`, :func:`perceptron_update`,
:func:`polynomial_decay_rate`), which work on any array-API array, and the
learning-rate schedules of :mod:`mlequations.schedules`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError, to_numpy
from mlequations._checks import as_vector, check_integer
from mlequations.schedules import (
    ConstantSchedule,
    InversePowerSchedule,
    PolynomialDecaySchedule,
    _positive,
    constant,
    inverse_power,
    polynomial_decay,
)
from mlequations.updates import (
    AdamStep,
    MomentumStep,
    adam_step,
    gradient_descent_step,
    momentum_step,
    perceptron_update,
    polynomial_decay_rate,
    stochastic_gradient_step,
)

# The update rules and schedules are re-exported from mlequations.updates and
# mlequations.schedules, so ``from mlequations.optimize import ...`` finds them.
__all__ = [
    "AdamStep",
    "ConstantSchedule",
    "DivergenceError",
    "InversePowerSchedule",
    "MomentumStep",
    "OptimizationResult",
    "PolynomialDecaySchedule",
    "adam_step",
    "constant",
    "gradient_descent",
    "gradient_descent_step",
    "inverse_power",
    "momentum_step",
    "perceptron_update",
    "polynomial_decay",
    "polynomial_decay_rate",
    "stochastic_gradient_descent",
    "stochastic_gradient_step",
]

Schedule = Callable[[int], float]


class DivergenceError(NonFiniteError, FloatingPointError):
    """The iterates, a gradient or the loss became NaN or infinite: the method diverged.

    A :class:`~mlequations.NonFiniteError` (so a ``ValueError``) and a
    ``FloatingPointError``; the message names the step. The usual cure is a
    smaller learning rate.
    """


# --------------------------------------------------------------------------- optimisers


@dataclass(frozen=True)
class OptimizationResult:
    """What an optimiser did, step by step (NumPy arrays).

    Attributes
    ----------
    theta : numpy.ndarray, shape (d,)
        The last iterate.
    trajectory : numpy.ndarray, shape (n_steps + 1, d)
        Every iterate, the start included.
    losses : numpy.ndarray of shape (n_steps + 1,), or None
        ``loss(theta)`` along the trajectory, when a loss was given.
    learning_rates : numpy.ndarray, shape (n_steps,)
        The rate used at each step.
    n_steps : int
        Steps taken (fewer than asked when the method converged or the callback stopped it).
    converged : bool
        Whether the stopping rule (step norm below ``tol``) ended the run.
    batch_sizes : numpy.ndarray of shape (n_steps,), or None
        Minibatch size of each step (stochastic gradient descent only).
    """

    theta: np.ndarray
    trajectory: np.ndarray
    losses: np.ndarray | None
    learning_rates: np.ndarray
    n_steps: int
    converged: bool
    batch_sizes: np.ndarray | None = None


def _as_schedule(learning_rate: Any, name: str) -> Schedule:
    if isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool):
        return ConstantSchedule(_positive(learning_rate, name))
    if callable(learning_rate):
        return learning_rate
    raise ArrayTypeError(
        f"{name} must be a positive number or a schedule step -> rate, "
        f"got {type(learning_rate).__name__}"
    )


class _Run:
    """The iterate, its history and the checks shared by both optimisers."""

    def __init__(self, theta0: Any, loss: Callable[[np.ndarray], Any] | None, method: str):
        theta = as_vector(theta0, "theta0")
        self.theta, self.loss, self.method = theta, loss, method
        self.trajectory, self.rates, self.batch_sizes = [theta.copy()], [], []
        self.losses = None if loss is None else [self._loss(0)]

    def _diverged(self, step: int, what: str) -> DivergenceError:
        size = float(np.max(np.abs(self.theta)))
        return DivergenceError(
            f"{self.method} diverged at step {step}: {what} is not finite "
            f"(largest |theta| = {size:.3g}); try a smaller learning rate"
        )

    def _loss(self, step: int) -> float:
        value = np.asarray(to_numpy(self.loss(self.theta.copy())))
        if value.shape != () or value.dtype.kind not in "biuf":
            raise ShapeError(f"loss must return a real scalar, got {value.dtype} {value.shape}")
        if not np.isfinite(value):
            raise self._diverged(step, "the loss")
        return float(value)

    def rate(self, schedule: Schedule, step: int) -> float:
        value = schedule(step)
        try:
            rate = float(value)
        except (TypeError, ValueError) as error:
            raise ArrayTypeError(
                f"the learning rate at step {step} must be a number, got {type(value).__name__}"
            ) from error
        if not (math.isfinite(rate) and rate > 0):
            raise ValidationError(f"the learning rate at step {step} must be positive, got {rate}")
        return rate

    def advance(self, step: int, rate: float, gradient: Any, label: str) -> float:
        """Take one step ``theta -= rate * gradient``; return the step's norm."""
        gradient = np.asarray(to_numpy(gradient))
        if gradient.shape != self.theta.shape or gradient.dtype.kind not in "biuf":
            raise ShapeError(
                f"{label} must return a real array of shape {self.theta.shape}, "
                f"got {gradient.dtype} {gradient.shape} at step {step}"
            )
        if not bool(np.all(np.isfinite(gradient))):
            raise self._diverged(step, f"the gradient from {label}")
        with np.errstate(over="ignore", invalid="ignore"):
            move = (rate * gradient).astype(self.theta.dtype)
            self.theta = self.theta - move
            size = float(np.linalg.norm(move))
        if not bool(np.all(np.isfinite(self.theta))) or not math.isfinite(size):
            raise self._diverged(step, "theta")
        self.trajectory.append(self.theta.copy())
        self.rates.append(rate)
        if self.losses is not None:
            self.losses.append(self._loss(step))
        return size

    def result(self, converged: bool, batched: bool = False) -> OptimizationResult:
        return OptimizationResult(
            theta=self.theta.copy(),
            trajectory=np.stack(self.trajectory),
            losses=None if self.losses is None else np.asarray(self.losses),
            learning_rates=np.asarray(self.rates, dtype=np.float64),
            n_steps=len(self.rates),
            converged=converged,
            batch_sizes=np.asarray(self.batch_sizes, dtype=np.int64) if batched else None,
        )


def gradient_descent(
    grad: Callable[[np.ndarray], Any],
    theta0: Any,
    learning_rate: float | Schedule,
    n_steps: int,
    tol: float = 1e-8,
    loss: Callable[[np.ndarray], Any] | None = None,
    callback: Callable[[int, np.ndarray], Any] | None = None,
) -> OptimizationResult:
    r"""Minimise a function by gradient descent (NumPy only).

    .. math::

        \theta^{(i)} = \theta^{(i-1)} - \gamma^{(i)} \nabla g(\theta^{(i-1)}),
        \qquad i = 1, 2, \dots

    If :math:`g` is :math:`L`-smooth and :math:`\gamma \le 1/L`, every step
    lowers the loss by at least :math:`\frac{\gamma}{2}\|\nabla g\|^2` and the
    gradients tend to 0.

    Parameters
    ----------
    grad : callable
        ``grad(theta) -> array`` of ``theta``'s shape.
    theta0 : array_like, shape (d,)
        Starting point (its floating dtype is kept).
    learning_rate : float or callable
        :math:`\gamma > 0`, or a schedule ``step -> rate`` with steps 1, 2, ...
    n_steps : int
        Maximum number of steps (0 returns the start).
    tol : float
        Stop, with ``converged=True``, after a step of norm below ``tol``.
    loss : callable, optional
        ``loss(theta) -> float``, recorded along the trajectory.
    callback : callable, optional
        ``callback(step, theta)`` after every step; returning True stops the run.

    Returns
    -------
    OptimizationResult

    Raises
    ------
    DivergenceError
        The gradient, the iterate or the loss became NaN/inf; the message names the step.
    ShapeError
        ``grad`` returned the wrong shape, or ``theta0`` is not 1-D.
    ValidationError
        Non-positive learning rate, negative ``n_steps`` or ``tol``.

    Examples
    --------
    The guide's least squares problem, :math:`g(\theta) = \frac{1}{2m}\|X\theta - y\|^2`:

    >>> import numpy as np
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> result = gradient_descent(lambda th: X.T @ (X @ th - y) / 3, [0.0, 0.0], 0.15, 5000)
    >>> result.theta.round(6), result.converged
    (array([0., 1.]), True)
    """
    run = _Run(theta0, loss, "gradient descent")
    schedule = _as_schedule(learning_rate, "learning_rate")
    n_steps = check_integer(n_steps, "n_steps", 0)
    if not (isinstance(tol, numbers.Real) and tol >= 0):
        raise ValidationError(f"tol must be a non-negative number, got {tol}")
    for step in range(1, n_steps + 1):
        rate = run.rate(schedule, step)
        if run.advance(step, rate, grad(run.theta.copy()), "grad(theta)") < tol:
            return run.result(converged=True)
        if callback is not None and callback(step, run.theta.copy()):
            break
    return run.result(converged=False)


def _batch_size(batch_size: int | Callable[[int], int], epoch: int, n_samples: int) -> int:
    size = batch_size(epoch) if callable(batch_size) else batch_size
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise ArrayTypeError(f"batch_size must be an integer, got {type(size).__name__}")
    if not 1 <= size <= n_samples:
        raise ValidationError(
            f"batch_size must lie in [1, {n_samples}], got {size} (epoch {epoch})"
        )
    return int(size)


def stochastic_gradient_descent(
    sample_grad: Callable[[np.ndarray, np.ndarray], Any],
    theta0: Any,
    n_samples: int,
    batch_size: int | Callable[[int], int],
    schedule: float | Schedule,
    n_epochs: int,
    random_state: int | np.random.Generator | None = None,
    loss: Callable[[np.ndarray], Any] | None = None,
    *,
    shuffle: bool = True,
    tol: float = 0.0,
    callback: Callable[[int, np.ndarray], Any] | None = None,
) -> OptimizationResult:
    r"""Minimise an average of per-sample losses with minibatch SGD (NumPy only).

    .. math::

        \theta^{(i+1)} = \theta^{(i)} - \frac{\gamma^{(i)}}{|S^{(i)}|}
        \sum_{n \in S^{(i)}} \nabla g_n(\theta^{(i)})

    Each epoch shuffles the sample indices (a NumPy ``Generator`` seeded by
    ``random_state``) and walks through them in minibatches; the last batch of
    an epoch may be smaller. Steps are counted 1, 2, ... across epochs, so a
    decaying schedule keeps decaying. For convergence to a stationary point the
    schedule should satisfy Robbins–Monro, or the batch size should grow.

    Parameters
    ----------
    sample_grad : callable
        ``sample_grad(theta, indices) -> array``: the mean gradient over the
        samples ``indices`` (an int array), of ``theta``'s shape.
    theta0 : array_like, shape (d,)
    n_samples : int
        Number of samples :math:`N`.
    batch_size : int or callable
        :math:`|S|` in [1, N], or ``epoch -> size`` (epochs 1, 2, ...) for a growing batch.
    schedule : float or callable
        Learning rate, or a schedule ``step -> rate``.
    n_epochs : int
        Passes over the data.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffling; the same seed gives the same run.
    loss : callable, optional
        ``loss(theta) -> float`` recorded after every step.
    shuffle : bool
        False walks the samples in order (e.g. to reproduce a hand calculation).
    tol : float
        ``converged=True`` and stop when no step of a whole epoch moves more
        than ``tol`` (with 0, an epoch without any movement, as for a
        perceptron that classifies every sample correctly).
    callback : callable, optional
        ``callback(step, theta)`` after every step; returning True stops the run.

    Returns
    -------
    OptimizationResult
        With one trajectory row, learning rate and batch size per step.

    Raises
    ------
    DivergenceError, ShapeError, ValidationError
        As for :func:`gradient_descent`; also a batch size outside [1, N].

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> def sample_grad(theta, rows):
    ...     return X[rows].T @ (X[rows] @ theta - y[rows]) / len(rows)
    >>> result = stochastic_gradient_descent(sample_grad, [0.0, 0.0], 3, 1, 0.1, 500, 0)
    >>> result.theta.round(4), result.n_steps
    (array([0., 1.]), 1500)
    """
    run = _Run(theta0, loss, "stochastic gradient descent")
    rates = _as_schedule(schedule, "schedule")
    n_samples = check_integer(n_samples, "n_samples", 1)
    n_epochs = check_integer(n_epochs, "n_epochs", 0)
    generator = np.random.default_rng(random_state)
    step = 0
    for epoch in range(1, n_epochs + 1):
        size = _batch_size(batch_size, epoch, n_samples)
        order = generator.permutation(n_samples) if shuffle else np.arange(n_samples)
        largest = 0.0
        for start in range(0, n_samples, size):
            step += 1
            rows = order[start : start + size]
            gradient = sample_grad(run.theta.copy(), rows.copy())
            run.batch_sizes.append(len(rows))
            largest = max(
                largest, run.advance(step, run.rate(rates, step), gradient, "sample_grad")
            )
            if callback is not None and callback(step, run.theta.copy()):
                return run.result(converged=False, batched=True)
        if largest <= tol:
            return run.result(converged=True, batched=True)
    return run.result(converged=False, batched=True)
