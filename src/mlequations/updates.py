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
  of Adam, re-exported from :mod:`mlequations.stateful_updates`, where the rules
  that carry state between steps live.
"""

from __future__ import annotations

from typing import Any

from mlequations._array import ShapeError, ValidationError, as_arrays, native
from mlequations._checks import (
    check_finite,
    check_learning_rate,
    check_nonempty,
    check_nonnegative,
    check_positive,
)
from mlequations.stateful_updates import AdamStep, MomentumStep, adam_step, momentum_step

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
    check_learning_rate(rate, xp)
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
    check_learning_rate(rate, xp)
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
    check_learning_rate(rate, xp)
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
