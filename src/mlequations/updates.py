r"""The bare update rules of gradient descent, SGD and the perceptron, and the decaying rate.

Each function is one formula on arrays: it accepts NumPy, PyTorch or any
array-API array, validates its inputs and returns the caller's kind (so
PyTorch's autograd flows through). The loops that apply these rules over many
steps are in :mod:`mlequations.optimize`, which re-exports every name here.

* :func:`gradient_descent_step`: :math:`\theta - \gamma \nabla g(\theta)`;
* :func:`stochastic_gradient_step`: the same along a minibatch's mean gradient;
* :func:`perceptron_update`: the perceptron's SGD step;
* :func:`polynomial_decay_rate`: :math:`\gamma^{(0)} / (1 + \beta i)^{\alpha}`,
  the formula behind :func:`mlequations.schedules.polynomial_decay`;
* :func:`momentum_step` and :func:`adam_step`: one step of SGD with momentum and
  of Adam, with PyTorch's conventions (the optimizers of :mod:`mlequations.optim`
  apply the same rules to the parameters of a network).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from mlequations._array import ShapeError, ValidationError, as_arrays, native
from mlequations._checks import (
    check_finite,
    check_in_range,
    check_integer,
    check_nonempty,
    check_nonnegative,
    check_positive,
    check_real_number,
)

__all__ = [
    "AdamStep",
    "MomentumStep",
    "adam_step",
    "gradient_descent_step",
    "momentum_step",
    "perceptron_update",
    "polynomial_decay_rate",
    "stochastic_gradient_step",
]


def _scalar_rate(xp: Any, rate: Any) -> None:
    """Check that the learning rate is a finite, positive scalar."""
    if rate.ndim != 0:
        raise ShapeError(f"learning_rate must be a scalar, got shape {tuple(rate.shape)}")
    check_finite(rate, "learning_rate", xp)
    check_positive(rate, "learning_rate", xp)


def gradient_descent_step(theta: Any, gradient: Any, learning_rate: Any) -> Any:
    r"""One gradient-descent update.

    .. math::

        \theta^{(i+1)} = \theta^{(i)} - \gamma \nabla g(\theta^{(i)})

    Parameters
    ----------
    theta, gradient : array_like of the same shape
    learning_rate : float
        :math:`\gamma > 0`.

    Returns
    -------
    array
        The new parameters, in the namespace and dtype of ``theta``.

    Raises
    ------
    ShapeError
        ``gradient`` and ``theta`` differ in shape, or ``learning_rate`` is not a scalar.
    NonFiniteError, ValidationError
        NaN/inf values, or a learning rate that is not positive.

    Examples
    --------
    >>> gradient_descent_step([1.0, 2.0], [2.0, -4.0], 0.25)
    array([0.5, 3. ])
    """
    xp, theta, gradient, rate = as_arrays(
        theta, gradient, learning_rate, names=("theta", "gradient", "learning_rate")
    )
    if tuple(theta.shape) != tuple(gradient.shape):
        raise ShapeError(
            f"gradient must have the shape of theta {tuple(theta.shape)}, "
            f"got {tuple(gradient.shape)}"
        )
    check_finite(gradient, "gradient", xp)
    _scalar_rate(xp, rate)
    return native(xp, theta - rate * gradient)


def stochastic_gradient_step(theta: Any, sample_gradients: Any, learning_rate: Any) -> Any:
    r"""One minibatch SGD update: step along the mean of the samples' gradients.

    .. math::

        \theta^{(i+1)} = \theta^{(i)} - \frac{\gamma^{(i)}}{|S^{(i)}|}
        \sum_{n \in S^{(i)}} \nabla g_n(\theta^{(i)})

    Parameters
    ----------
    theta : array_like
        Current parameters, any shape.
    sample_gradients : array_like, shape (S, *theta.shape)
        One gradient :math:`\nabla g_n(\theta)` per sample of the minibatch.
    learning_rate : float
        :math:`\gamma^{(i)} > 0`.

    Returns
    -------
    array
        The new parameters, in the namespace and dtype of ``theta``.

    Raises
    ------
    ShapeError, EmptyInputError, NonFiniteError, ValidationError

    Examples
    --------
    >>> stochastic_gradient_step([1.0, 2.0], [[1.0, 0.0], [3.0, 2.0]], 0.5)
    array([0. , 1.5])
    """
    xp, theta, gradients, rate = as_arrays(
        theta,
        sample_gradients,
        learning_rate,
        names=("theta", "sample_gradients", "learning_rate"),
    )
    if tuple(gradients.shape[1:]) != tuple(theta.shape) or gradients.ndim != theta.ndim + 1:
        raise ShapeError(
            f"sample_gradients must have shape (S, *{tuple(theta.shape)}), "
            f"got {tuple(gradients.shape)}"
        )
    check_nonempty(gradients, "sample_gradients")
    check_finite(gradients, "sample_gradients", xp)
    _scalar_rate(xp, rate)
    return native(xp, theta - rate * xp.mean(gradients, axis=0))


def perceptron_update(theta: Any, u: Any, t: Any, learning_rate: Any) -> Any:
    r"""One SGD step of the perceptron: the hinge-at-zero loss with labels 0/1.

    With :math:`t^{\pm} = 2t - 1` and the margin :math:`y = t^{\pm}\,\theta^T u`,
    the loss :math:`\ell(y) = \max(0, -y)` has gradient :math:`-t^{\pm} u` on a
    mistake (:math:`y \le 0`) and 0 otherwise, so

    .. math::

        \theta \leftarrow \theta + \gamma\, t^{\pm} u \; \mathbb{1}(t^{\pm}\theta^T u \le 0)
        = \theta + \gamma\,\bigl(t - \mathrm{step}(\theta^T u)\bigr)\, u

    A point exactly on the boundary (:math:`\theta^T u = 0`) counts as a
    mistake, so learning can start from :math:`\theta = 0`. A minibatch
    (``u`` of shape (S, d), ``t`` of shape (S,)) averages the gradients.

    Parameters
    ----------
    theta : array_like, shape (d,) or ()
        The weights; a scalar is a single feature.
    u : array_like, shape (d,) or (S, d)  (() or (S,) for scalar ``theta``)
        Feature vector(s) :math:`u(x)`.
    t : array_like, shape () or (S,)
        Labels in {0, 1}.
    learning_rate : float
        :math:`\gamma > 0`.

    Returns
    -------
    array
        The updated weights, like ``theta``.

    Raises
    ------
    ShapeError
        Shapes that do not fit together.
    ValidationError
        Labels other than 0 and 1, a non-positive learning rate, NaN/inf.

    Examples
    --------
    The guide's example (learning rate 0.1): :math:`\theta = -1`, first the
    point :math:`x = 2.1` with label 1, then :math:`x = -1.5` with label 0:

    >>> theta = perceptron_update(-1.0, 2.1, 1, 0.1)
    >>> round(float(theta), 4)
    -0.79
    >>> round(float(perceptron_update(theta, -1.5, 0, 0.1)), 4)
    -0.64
    """
    xp, theta, u, t, rate = as_arrays(
        theta, u, t, learning_rate, names=("theta", "u", "t", "learning_rate")
    )
    if theta.ndim > 1:
        raise ShapeError(f"theta must be a vector or a scalar, got shape {tuple(theta.shape)}")
    batched = u.ndim == theta.ndim + 1
    if tuple(u.shape[batched:]) != tuple(theta.shape) or tuple(t.shape) != tuple(u.shape[:batched]):
        raise ShapeError(
            f"u must have shape {tuple(theta.shape)} (or (S, *{tuple(theta.shape)})) and t "
            f"one label per row of u, got u {tuple(u.shape)} and t {tuple(t.shape)}"
        )
    for value, name in ((theta, "theta"), (u, "u")):
        check_finite(value, name, xp)
    if not bool(xp.all((t == 0) | (t == 1))):
        raise ValidationError("t must hold labels 0 or 1 (for ±1 labels pass (t + 1) / 2)")
    _scalar_rate(xp, rate)
    signs = 2.0 * t - 1.0
    scores = theta * u if theta.ndim == 0 else xp.sum(theta * u, axis=-1)
    weights = signs * xp.astype(signs * scores <= 0, theta.dtype)
    if theta.ndim == 1:
        weights = xp.expand_dims(weights, axis=-1)
    update = weights * u
    if batched:
        check_nonempty(u, "u")
        update = xp.mean(update, axis=0)
    return native(xp, theta + rate * update)


# --------------------------------------------------------------------------- rates


def polynomial_decay_rate(step: Any, gamma0: Any, beta: Any, alpha: Any) -> Any:
    r"""The polynomially decaying learning rate of step :math:`i`.

    .. math::

        \gamma^{(i)} = \frac{\gamma^{(0)}}{(1 + \beta i)^{\alpha}}

    With :math:`\beta > 0` it satisfies the Robbins–Monro conditions exactly
    when :math:`0.5 < \alpha \le 1`. Works on any array-API array and
    broadcasts its arguments; step 0 gives :math:`\gamma^{(0)}`.

    Parameters
    ----------
    step : array_like
        Step numbers :math:`i \ge 0`.
    gamma0 : array_like
        :math:`\gamma^{(0)} > 0`.
    beta : array_like
        Decay speed :math:`\beta \ge 0` (0 gives a constant rate).
    alpha : array_like
        Decay exponent :math:`\alpha \ge 0`.

    Returns
    -------
    array
        :math:`\gamma^{(i)}`, broadcast over the arguments, in their floating dtype.

    Raises
    ------
    ValidationError
        Negative steps, ``beta`` or ``alpha``, a non-positive ``gamma0``, or NaN/inf.

    Examples
    --------
    >>> round(float(polynomial_decay_rate(4, gamma0=0.1, beta=0.5, alpha=1.0)), 10)
    0.0333333333
    """
    xp, step, gamma0, beta, alpha = as_arrays(
        step, gamma0, beta, alpha, names=("step", "gamma0", "beta", "alpha")
    )
    for value, name in ((step, "step"), (gamma0, "gamma0"), (beta, "beta")):
        check_finite(value, name, xp)
    check_finite(alpha, "alpha", xp)
    check_nonnegative(step, "step", xp)
    check_positive(gamma0, "gamma0", xp)
    check_nonnegative(beta, "beta", xp)
    check_nonnegative(alpha, "alpha", xp)
    return native(xp, gamma0 / (1.0 + beta * step) ** alpha)


# --------------------------------------------------------------------------- momentum and Adam


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
    _scalar_rate(xp, rate)
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
    _scalar_rate(xp, rate)
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
