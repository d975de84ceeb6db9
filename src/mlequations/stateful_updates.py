r"""Update rules that carry state: SGD with momentum and Adam, one step each.

Plain gradient descent (:mod:`mlequations.updates`) moves along the current
gradient only; these rules also keep running averages of past gradients (a
velocity, or the first and second moments) and return them beside the new
parameters. Both follow PyTorch's conventions exactly, so one step here equals
one step of ``torch.optim.SGD(momentum=...)`` or ``torch.optim.Adam``; the
optimizers of :mod:`mlequations.optim` apply the same rules in place to the
parameters of a network. Array-API generic, like every layer-1 function.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from mlequations._array import ShapeError, ValidationError, as_arrays, native
from mlequations._checks import (
    check_finite,
    check_in_range,
    check_integer,
    check_learning_rate,
    check_nonnegative,
    check_real_number,
)

__all__ = ["AdamStep", "MomentumStep", "adam_step", "momentum_step"]


class MomentumStep(NamedTuple):
    """The result of :func:`momentum_step`: the new parameters and the new velocity."""

    theta: Any
    velocity: Any


class AdamStep(NamedTuple):
    """The result of :func:`adam_step`: the new parameters and both running moments."""

    theta: Any
    m: Any
    v: Any


def _check_state(theta: Any, gradient: Any, states: dict[str, Any], xp: Any) -> None:
    """Every state array has the shape of ``theta``; the gradient is finite."""
    for name, value in {"gradient": gradient, **states}.items():
        if tuple(value.shape) != tuple(theta.shape):
            raise ShapeError(
                f"{name} must have the shape of theta {tuple(theta.shape)}, "
                f"got {tuple(value.shape)}"
            )
        check_finite(value, name, xp)


def momentum_step(
    theta: Any, gradient: Any, velocity: Any, learning_rate: Any, momentum: Any
) -> MomentumStep:
    r"""One step of SGD with (heavy-ball) momentum, in PyTorch's form.

    .. math::

        v_t = \mu\, v_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \gamma\, v_t

    The velocity is a running sum of past gradients, each older one damped by
    another factor :math:`\mu`: along a direction where the gradients agree the
    step grows towards :math:`\gamma g / (1 - \mu)`, where they alternate they
    cancel. Start with ``velocity = 0`` (then :math:`v_1 = g_1`, as in
    ``torch.optim.SGD``). The textbook form :math:`v \leftarrow \mu v - \gamma g,\;
    \theta \leftarrow \theta + v` gives the same iterates while :math:`\gamma`
    stays constant, but not when the learning rate changes.

    Parameters
    ----------
    theta, gradient, velocity : array_like of the same shape
    learning_rate : float
        :math:`\gamma > 0`.
    momentum : float
        :math:`\mu \in [0, 1)`; 0 is plain gradient descent.

    Returns
    -------
    MomentumStep
        ``(theta, velocity)``: new arrays of the caller's kind; nothing is modified.

    Raises
    ------
    ShapeError, NonFiniteError, ValidationError

    Examples
    --------
    >>> step = momentum_step([1.0, 2.0], [0.5, -1.0], [0.2, 0.0], 0.1, 0.9)
    >>> step.velocity
    array([ 0.68, -1.  ])
    >>> step.theta
    array([0.932, 2.1  ])
    """
    xp, theta, gradient, velocity, rate, mu = as_arrays(
        theta,
        gradient,
        velocity,
        learning_rate,
        momentum,
        names=("theta", "gradient", "velocity", "learning_rate", "momentum"),
    )
    _check_state(theta, gradient, {"velocity": velocity}, xp)
    check_learning_rate(rate, xp)
    if mu.ndim != 0:
        raise ShapeError(f"momentum must be a scalar, got shape {tuple(mu.shape)}")
    check_in_range(mu, "momentum", 0.0, 1.0, xp)
    if bool(mu == 1.0):
        raise ValidationError("momentum must be less than 1, got 1 (the velocity never decays)")
    velocity = mu * velocity + gradient
    return MomentumStep(native(xp, theta - rate * velocity), native(xp, velocity))


def adam_step(
    theta: Any,
    gradient: Any,
    m: Any,
    v: Any,
    step: int,
    learning_rate: Any,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> AdamStep:
    r"""One step of Adam (Kingma & Ba, 2015), exactly as ``torch.optim.Adam`` computes it.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    :math:`m` and :math:`v` are running means of the gradient and of its square,
    started at zero; dividing by :math:`1 - \beta^t` removes the pull towards
    zero of the first steps. Each coordinate then moves by about
    :math:`\gamma\, \hat m / \sqrt{\hat v}`, at most about :math:`\gamma` and
    independent of the gradient's scale: the first step is
    :math:`\gamma\,\mathrm{sign}(g_1)` (up to :math:`\epsilon`).

    Parameters
    ----------
    theta, gradient, m, v : array_like of the same shape
        Parameters, gradient :math:`g_t`, and the moments of the previous step
        (zeros before the first step).
    step : int
        :math:`t \ge 1`, the number of this step (1 for the first).
    learning_rate : float
        :math:`\gamma > 0`.
    beta1, beta2 : float, default 0.9 and 0.999
        Decay rates of the moments, in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`, added to the corrected root mean square.

    Returns
    -------
    AdamStep
        ``(theta, m, v)``: new arrays of the caller's kind; nothing is modified.

    Raises
    ------
    ShapeError, NonFiniteError, ValidationError

    Examples
    --------
    >>> new = adam_step([1.0, -2.0], [0.5, -4.0], [0.0, 0.0], [0.0, 0.0], 1, 0.1)
    >>> new.theta.round(6)
    array([ 0.9, -1.9])
    >>> new.m, new.v
    (array([ 0.05, -0.4 ]), array([0.00025, 0.016  ]))
    """
    xp, theta, gradient, m, v, rate = as_arrays(
        theta, gradient, m, v, learning_rate, names=("theta", "gradient", "m", "v", "learning_rate")
    )
    _check_state(theta, gradient, {"m": m, "v": v}, xp)
    check_nonnegative(v, "v", xp)
    check_learning_rate(rate, xp)
    step = check_integer(step, "step", 1, hint=" (steps are counted from 1)")
    # Python floats, so that the coefficients never change the dtype of the arrays.
    beta1, beta2 = check_real_number(beta1, "beta1"), check_real_number(beta2, "beta2")
    eps = check_real_number(eps, "eps")
    for value, name in ((beta1, "beta1"), (beta2, "beta2")):
        if not 0.0 <= value < 1.0:
            raise ValidationError(f"{name} must lie in [0, 1), got {value}")
    if not eps >= 0.0:
        raise ValidationError(f"eps must be non-negative, got {eps}")
    m = beta1 * m + (1.0 - beta1) * gradient
    v = beta2 * v + (1.0 - beta2) * gradient * gradient
    first_correction = 1.0 - beta1**step
    root_second_correction = math.sqrt(1.0 - beta2**step)
    denominator = xp.sqrt(v) / root_second_correction + eps
    theta = theta - (rate / first_correction) * m / denominator
    return AdamStep(native(xp, theta), native(xp, m), native(xp, v))
