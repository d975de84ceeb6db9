r"""Layer 1: the acquisition functions of Bayesian optimization, for minimisation.

A Gaussian-process surrogate predicts the objective at a candidate as
:math:`f \sim N(\mu, \sigma^2)`; an acquisition function scores the candidate from
:math:`\mu` (low: exploitation) and :math:`\sigma` (large: exploration).

**Convention.** As in scikit-optimize, the objective is *minimised*: ``best`` is
:math:`y^* = \min_i y_i`, the best value observed so far, and an improvement must go
below :math:`y^* - \xi`. The margin ``xi`` :math:`= \xi \ge 0` (in the units of
:math:`y`; default 0.01) asks for a real improvement and so favours exploration.
With :math:`d = y^* - \mu - \xi` and :math:`z = d / \sigma`, expected improvement,
probability of improvement and their logarithms are *maximised*;
:func:`lower_confidence_bound` is *minimised* (:func:`upper_confidence_bound` is its
mirror image for maximisation).

**Gradients.** Every function takes ``return_gradient``; when true it returns a
:class:`ValueAndGradient` ``(value, d_mu, d_sigma)`` whose last two fields are the
elementwise partial derivatives in closed form. The optimizer chains them with the
surrogate's: :math:`\nabla_x a = a_\mu \nabla_x \mu + a_\sigma \nabla_x \sigma`.

**sigma = 0** (a point a noise-free model has observed) is the limit
:math:`\sigma \to 0^+`: :math:`z = \pm\infty` by the sign of :math:`d` (0 when
:math:`d = 0`), so EI is :math:`\max(d, 0)` and PI the step :math:`\mathbb{1}(d > 0)`
(1/2 at :math:`d = 0`), with no NaN and no warning. The same limit applies where
:math:`|z|` would pass :math:`\sqrt{\text{largest float}}/2`.

Every function accepts NumPy or any array-API array and returns the caller's kind.
The normal CDF, ``log_ndtr`` and ``erfcx`` come from SciPy for NumPy and from
``torch.special`` for PyTorch (autograd flows); JAX and CuPy use their own where they
have them; any other library is computed by SciPy through DLPack (values, no autograd).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import array_api_compat
import numpy as np

from mlequations._array import (
    NonFiniteError,
    ValidationError,
    as_arrays,
    is_numpy_namespace,
    native,
    to_numpy,
)
from mlequations._checks import broadcast_together, check_finite, check_real_number

__all__ = [
    "ValueAndGradient",
    "expected_improvement",
    "log_expected_improvement",
    "log_probability_of_improvement",
    "lower_confidence_bound",
    "probability_of_improvement",
    "upper_confidence_bound",
]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
_LOG_SQRT_HALF_PI = 0.5 * math.log(0.5 * math.pi)
#: Below z = -_TAIL, log(1 - x R(x)) comes from its asymptotic series (R: Mills' ratio).
_TAIL = 20.0
#: (-1)^k (2k + 1)!! for k = 1..12: 1 - x R(x) = x^-2 (1 - 3 x^-2 + 15 x^-4 - ...).
_SERIES = tuple((-1) ** k * math.prod(range(1, 2 * k + 2, 2)) for k in range(1, 13))


class ValueAndGradient(NamedTuple):
    """An acquisition value and its partial derivatives with respect to mu and sigma."""

    value: Any
    d_mu: Any
    d_sigma: Any


# --------------------------------------------------------------------------- helpers


def _special(name: str, x: Any, xp: Any) -> Any:
    """SciPy's special function ``name`` (ndtr, log_ndtr, erfcx) in the namespace of ``x``."""
    if is_numpy_namespace(xp):
        from scipy import special

        return xp.asarray(getattr(special, name)(x), dtype=x.dtype)
    if array_api_compat.is_torch_array(x):
        import torch

        if name == "ndtr":  # torch's ndtr is 0.5 (1 + erf), which is 0 below about -8.3
            return 0.5 * torch.special.erfc(-_SQRT_HALF * x)
        return getattr(torch.special, name)(x)
    module = None
    if array_api_compat.is_jax_array(x):
        from jax.scipy import special as module
    elif array_api_compat.is_cupy_array(x):
        from cupyx.scipy import special as module
    if module is not None and hasattr(module, name):
        return getattr(module, name)(x)
    from scipy import special

    values = getattr(special, name)(to_numpy(x))
    return xp.asarray(values, dtype=x.dtype, device=array_api_compat.device(x))


def _plain_numpy(xp: Any) -> Any:
    """NumPy itself for NumPy input: it has every function used here, without the wrapper's cost.

    An optimizer calls these functions thousands of times on small arrays.
    """
    return np if is_numpy_namespace(xp) else xp


def _pdf(z: Any, xp: Any) -> Any:
    return _INV_SQRT_2PI * xp.exp(-0.5 * z * z)


def _where(condition: Any, value: float, otherwise: Any, xp: Any) -> Any:
    return xp.where(condition, xp.full_like(otherwise, value), otherwise)


def _prepare(mu: Any, sigma: Any, best: Any, xi: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Check the inputs; return ``(xp, sigma, d, z, beyond)``, broadcast together.

    ``beyond`` marks where :math:`|z|` exceeds the limit (including sigma = 0 with
    d != 0); there ``z`` is the limit with the sign of ``d``.
    """
    xi = check_real_number(xi, "xi")
    if not (math.isfinite(xi) and xi >= 0):
        raise ValidationError(f"xi must be a non-negative finite number, got {xi}")
    if type(best) in (float, int) and type(mu) is np.ndarray and mu.dtype.kind == "f":
        best = np.asarray(best, dtype=mu.dtype)  # as as_arrays would, minus its cost
    xp, mu, sigma, best = as_arrays(mu, sigma, best, names=("mu", "sigma", "best"))
    xp = _plain_numpy(xp)
    _check_mu_sigma(xp, mu, sigma)
    check_finite(best, "best", xp)
    mu, sigma, best = broadcast_together((mu, sigma, best), ("mu", "sigma", "best"), xp)
    d = best - mu - xi
    limit = 0.5 * math.sqrt(float(xp.finfo(d.dtype).max))
    beyond = xp.abs(d) / limit > sigma  # exact enough: limit is only a guard
    z = d / xp.where(beyond | (sigma == 0), xp.ones_like(sigma), sigma)
    z = xp.where(beyond, xp.where(d > 0, xp.full_like(d, limit), xp.full_like(d, -limit)), z)
    return xp, sigma, d, z, beyond


def _check_mu_sigma(xp: Any, mu: Any, sigma: Any) -> None:
    check_finite(mu, "mu", xp)
    if not bool(xp.all(xp.isfinite(sigma))):
        raise NonFiniteError("sigma must be finite, got NaN or infinity")
    if bool(xp.any(sigma < 0)):
        raise ValidationError(f"sigma must be non-negative, got {float(xp.min(sigma)):.6g}")


def _one_minus_x_mills(x: Any, xp: Any, *, log: bool) -> Any:
    r""":math:`1 - x R(x)` (or its logarithm) for :math:`x \ge 1`, with Mills' ratio :math:`R`.

    :math:`R(x) = \sqrt{\pi/2}\,\mathrm{erfcx}(x/\sqrt2)` up to ``_TAIL`` (relative
    error about :math:`x^2\epsilon`, from the cancellation in :math:`1 - xR`); beyond
    it the asymptotic series (relative error below :math:`\epsilon`).
    """
    middle = xp.clip(x, max=_TAIL)
    w = middle * math.sqrt(0.5 * math.pi) * _special("erfcx", _SQRT_HALF * middle, xp)
    far = xp.clip(x, min=_TAIL)
    u = 1.0 / (far * far)
    series = xp.full_like(u, float(_SERIES[-1]))
    for coefficient in reversed(_SERIES[:-1]):
        series = float(coefficient) + u * series
    if log:
        return xp.where(x > _TAIL, -2.0 * xp.log(far) + xp.log1p(u * series), xp.log1p(-w))
    return xp.where(x > _TAIL, u + (u * u) * series, 1.0 - w)


def _improvement(d: Any, sigma: Any, z: Any, xp: Any) -> Any:
    """EI = max(d, 0) + sigma h(-|z|), h(u) = phi(u) + u Phi(u): a sum of non-negatives.

    For u <= -1, h(u) = phi(u) (1 - |u| R(|u|)) avoids the cancellation of the sum.
    """
    u = xp.clip(-xp.abs(z), min=-1.0)
    direct = _pdf(u, xp) + u * _special("ndtr", u, xp)
    x = xp.clip(xp.abs(z), min=1.0)
    h = xp.where(xp.abs(z) > 1.0, _pdf(x, xp) * _one_minus_x_mills(x, xp, log=False), direct)
    return xp.where(d > 0, d, xp.zeros_like(d)) + sigma * h


# --------------------------------------------------------------------------- expected improvement


def expected_improvement(
    mu: Any, sigma: Any, best: Any, xi: float = 0.01, *, return_gradient: bool = False
) -> Any:
    r"""Expected improvement below ``best - xi`` of :math:`f \sim N(\mu, \sigma^2)` (minimisation).

    .. math::

        \mathrm{EI} = \mathbb{E}\big[\max(y^* - \xi - f, 0)\big]
        = d\,\Phi(z) + \sigma\,\varphi(z), \qquad d = y^* - \mu - \xi,\ z = d/\sigma,

    with :math:`\partial_\mu \mathrm{EI} = -\Phi(z)` and
    :math:`\partial_\sigma \mathrm{EI} = \varphi(z)`. Computed as
    :math:`\max(d, 0) + \sigma\,h(-|z|)`, :math:`h(u) = \varphi(u) + u\Phi(u)`, a sum of
    non-negative terms, so :math:`\mathrm{EI} \ge \max(d, 0)` holds exactly (for
    :math:`u \le -1`, :math:`h` is formed as in :func:`log_expected_improvement`). Far below
    the target (:math:`z \lesssim -38` in float64) EI underflows to 0 and its gradient
    with it; use :func:`log_expected_improvement` there. At :math:`\sigma = 0`:
    :math:`\max(d, 0)`, :math:`\partial_\mu = -\mathbb{1}(d > 0)` (−1/2 at :math:`d = 0`).

    Parameters
    ----------
    mu, sigma : array_like
        Posterior mean and standard deviation (not variance), finite, sigma >= 0.
    best : array_like
        The best (lowest) observed value :math:`y^*`, finite; broadcasts with mu, sigma.
    xi : float
        Non-negative margin an improvement must exceed.
    return_gradient : bool
        Also return the partial derivatives, as a :class:`ValueAndGradient`.

    Returns
    -------
    array or ValueAndGradient
        EI in the broadcast shape (with ``d_mu``, ``d_sigma`` if asked).

    Raises
    ------
    ValidationError, ShapeError
        If a value is not finite, sigma or xi is negative, or shapes do not broadcast.

    Examples
    --------
    >>> expected_improvement([0.5, 1.0, 1.5], 0.5, 1.0, xi=0.0).round(6)
    array([0.541658, 0.199471, 0.041658])
    >>> expected_improvement([0.5, 1.5], 0.0, 1.0, xi=0.0)
    array([0.5, 0. ])
    """
    xp, sigma, d, z, _ = _prepare(mu, sigma, best, xi)
    value = _improvement(d, sigma, z, xp)
    if not return_gradient:
        return native(xp, value)
    return ValueAndGradient(
        native(xp, value), native(xp, -_special("ndtr", z, xp)), native(xp, _pdf(z, xp))
    )


def log_expected_improvement(
    mu: Any, sigma: Any, best: Any, xi: float = 0.01, *, return_gradient: bool = False
) -> Any:
    r"""The logarithm of expected improvement, accurate and smooth far below the target.

    .. math::

        \log \mathrm{EI} = \log\sigma + \log h(z), \qquad
        h(z) = \varphi(z) + z\Phi(z), \qquad
        \log h(z) = \log\varphi(z) + \log\big(1 - x R(x)\big),\ x = -z \ge 1,

    where :math:`R(x) = \sqrt{\pi/2}\,\mathrm{erfcx}(x/\sqrt2)` is Mills' ratio, as in
    LogEI (Ament et al., 2023). EI itself underflows to 0 beyond :math:`z \approx -38`,
    where its gradient vanishes and the optimizer is blind; :math:`\log\mathrm{EI}` stays
    finite (about :math:`-z^2/2`) with derivative :math:`\approx -z` per unit of z:
    smooth and monotone at z = −40, −1000 and beyond. For :math:`z > -1`,
    :math:`\log` of :func:`expected_improvement`; for :math:`z \le -1` erfcx, and below
    z = −20 the asymptotic series :math:`1 - xR(x) = x^{-2}(1 - 3x^{-2} + 15x^{-4} - \dots)`.
    The derivatives are :math:`\partial_\mu = -\Phi(z)/\mathrm{EI}`,
    :math:`\partial_\sigma = \varphi(z)/\mathrm{EI}`, the ratios formed in log space.

    Where EI is 0 (σ = 0 and :math:`d \le 0`, or :math:`|z|` beyond the limit with
    :math:`d < 0`) the value is :math:`-\infty` and both derivatives are reported as 0.

    Parameters
    ----------
    mu, sigma, best, xi, return_gradient
        As in :func:`expected_improvement`, which also lists the errors raised.

    Returns
    -------
    array or ValueAndGradient
        log EI in the broadcast shape (with ``d_mu``, ``d_sigma`` if asked).

    Examples
    --------
    >>> log_expected_improvement([0.5, 10.0], 0.25, 0.0, xi=0.0).round(4)
    array([  -6.1551, -809.6849])
    >>> float(expected_improvement(10.0, 0.25, 0.0, xi=0.0))
    0.0
    """
    xp, sigma, d, z, beyond = _prepare(mu, sigma, best, xi)
    near, z_near = z > -1.0, xp.clip(z, min=-1.0)
    improvement = _improvement(d, sigma, z_near, xp)
    positive = improvement > 0
    safe_improvement = xp.where(positive, improvement, xp.ones_like(improvement))
    log_near = _where(~positive, -math.inf, xp.log(safe_improvement), xp)
    regular = ~near & ~beyond  # here sigma > 0 and z <= -1
    safe_sigma = xp.where(regular, sigma, xp.ones_like(sigma))
    x = xp.clip(-z, min=1.0)
    log_tail = _one_minus_x_mills(x, xp, log=True)
    log_far = xp.log(safe_sigma) - 0.5 * x * x - _HALF_LOG_2PI + log_tail
    value = xp.where(near, log_near, _where(~regular, -math.inf, log_far, xp))
    if not return_gradient:
        return native(xp, value)
    d_mu_near = -_special("ndtr", z_near, xp) / safe_improvement
    d_sigma_near = _pdf(z_near, xp) / safe_improvement
    log_mills = _LOG_SQRT_HALF_PI + xp.log(_special("erfcx", _SQRT_HALF * x, xp))
    d_mu_far = -xp.exp(log_mills - log_tail) / safe_sigma
    d_sigma_far = xp.exp(-log_tail) / safe_sigma
    zero = xp.zeros_like(value)
    d_mu = xp.where(near & positive, d_mu_near, xp.where(regular, d_mu_far, zero))
    d_sigma = xp.where(near & positive, d_sigma_near, xp.where(regular, d_sigma_far, zero))
    return ValueAndGradient(native(xp, value), native(xp, d_mu), native(xp, d_sigma))


# --------------------------------------------------------------------------- probability


def probability_of_improvement(
    mu: Any, sigma: Any, best: Any, xi: float = 0.01, *, return_gradient: bool = False
) -> Any:
    r"""Probability that :math:`f \sim N(\mu, \sigma^2)` falls below ``best - xi``.

    .. math::

        \mathrm{PI} = P(f < y^* - \xi) = \Phi(z), \qquad z = \frac{y^* - \mu - \xi}{\sigma},
        \qquad \partial_\mu \mathrm{PI} = -\frac{\varphi(z)}{\sigma},\quad
        \partial_\sigma \mathrm{PI} = -\frac{z\,\varphi(z)}{\sigma}.

    PI counts only whether there is an improvement, not how large, so with
    ``xi = 0`` it favours tiny sure steps next to ``best``; a margin ``xi`` of a few
    percent of the range of y makes it explore. At σ = 0 it is the step
    :math:`\mathbb{1}(d > 0)` (1/2 at :math:`d = 0`) with derivatives 0.

    Parameters
    ----------
    mu, sigma, best, xi, return_gradient
        As in :func:`expected_improvement`, which also lists the errors raised.

    Returns
    -------
    array or ValueAndGradient
        PI in [0, 1], in the broadcast shape (with ``d_mu``, ``d_sigma`` if asked).

    Examples
    --------
    >>> probability_of_improvement([0.5, 1.0, 1.5], 0.5, 1.0, xi=0.0).round(6)
    array([0.841345, 0.5     , 0.158655])
    """
    xp, sigma, _, z, beyond = _prepare(mu, sigma, best, xi)
    value = _special("ndtr", z, xp)
    if not return_gradient:
        return native(xp, value)
    regular = (sigma > 0) & ~beyond
    safe_sigma = xp.where(regular, sigma, xp.ones_like(sigma))
    slope = xp.where(regular, _pdf(z, xp) / safe_sigma, xp.zeros_like(z))
    return ValueAndGradient(native(xp, value), native(xp, -slope), native(xp, -z * slope))


def log_probability_of_improvement(
    mu: Any, sigma: Any, best: Any, xi: float = 0.01, *, return_gradient: bool = False
) -> Any:
    r"""The logarithm of the probability of improvement, finite far below the target.

    .. math::

        \log \mathrm{PI} = \log\Phi(z), \qquad
        \partial_\mu = -\frac{\lambda(z)}{\sigma},\quad
        \partial_\sigma = -\frac{z\,\lambda(z)}{\sigma},\qquad
        \lambda(z) = \frac{\varphi(z)}{\Phi(z)},

    by ``log_ndtr`` (:math:`\approx -z^2/2` for very negative z, where PI underflows)
    and the inverse Mills ratio :math:`\lambda(z) = 1/R(-z)` by erfcx for z < 0.
    :math:`-\infty` where PI is 0 (σ = 0 with :math:`d < 0`, or :math:`|z|` beyond the
    limit); at σ = 0 the derivatives are 0.

    Parameters
    ----------
    mu, sigma, best, xi, return_gradient
        As in :func:`expected_improvement`, which also lists the errors raised.

    Returns
    -------
    array or ValueAndGradient
        log PI <= 0, in the broadcast shape (with ``d_mu``, ``d_sigma`` if asked).

    Examples
    --------
    >>> log_probability_of_improvement([0.5, 10.0], 0.25, 0.0, xi=0.0).round(4)
    array([  -3.7832, -804.6084])
    """
    xp, sigma, d, z, beyond = _prepare(mu, sigma, best, xi)
    value = _where(beyond & (d < 0), -math.inf, _special("log_ndtr", z, xp), xp)
    if not return_gradient:
        return native(xp, value)
    regular = (sigma > 0) & ~beyond
    safe_sigma = xp.where(regular, sigma, xp.ones_like(sigma))
    x = xp.clip(-z, min=0.0)
    mills = math.sqrt(0.5 * math.pi) * _special("erfcx", _SQRT_HALF * x, xp)
    z_upper = xp.clip(z, min=0.0)
    inverse_mills = xp.where(z < 0, 1.0 / mills, _pdf(z_upper, xp) / _special("ndtr", z_upper, xp))
    slope = xp.where(regular, inverse_mills / safe_sigma, xp.zeros_like(z))
    return ValueAndGradient(native(xp, value), native(xp, -slope), native(xp, -z * slope))


# --------------------------------------------------------------------------- confidence bounds


def _confidence_bound(mu: Any, sigma: Any, kappa: Any, sign: float, return_gradient: bool) -> Any:
    kappa = check_real_number(kappa, "kappa")
    if not (math.isfinite(kappa) and kappa >= 0):
        raise ValidationError(f"kappa must be a non-negative finite number, got {kappa}")
    xp, mu, sigma = as_arrays(mu, sigma, names=("mu", "sigma"))
    xp = _plain_numpy(xp)
    _check_mu_sigma(xp, mu, sigma)
    mu, sigma = broadcast_together((mu, sigma), ("mu", "sigma"), xp)
    value = mu + (sign * kappa) * sigma
    if not return_gradient:
        return native(xp, value)
    d_mu = xp.ones_like(value)
    return ValueAndGradient(native(xp, value), native(xp, d_mu), native(xp, (sign * kappa) * d_mu))


def upper_confidence_bound(
    mu: Any, sigma: Any, kappa: float = 1.96, *, return_gradient: bool = False
) -> Any:
    r"""Upper confidence bound :math:`\mu + \kappa\sigma`, to maximise (maximisation problems).

    .. math::

        \mathrm{UCB} = \mu + \kappa\,\sigma, \qquad
        \partial_\mu = 1, \quad \partial_\sigma = \kappa

    Optimism in the face of uncertainty: score each point by a plausible best case.
    :math:`\kappa = 1.96` is the top of the 95% band; a larger κ explores more, κ = 0
    is pure exploitation. For minimisation use :func:`lower_confidence_bound`.

    Parameters
    ----------
    mu, sigma : array_like
        Posterior mean and standard deviation, finite, sigma >= 0, broadcasting together.
    kappa : float
        Non-negative weight of the uncertainty.
    return_gradient : bool
        Return a :class:`ValueAndGradient` (the bound, ``d_mu``, ``d_sigma``).

    Raises
    ------
    ValidationError, ShapeError
        If a value is not finite, sigma or kappa is negative, or shapes do not broadcast.

    Examples
    --------
    >>> upper_confidence_bound([0.5, 1.0], [0.5, 0.0], kappa=2.0)
    array([1.5, 1. ])
    """
    return _confidence_bound(mu, sigma, kappa, 1.0, return_gradient)


def lower_confidence_bound(
    mu: Any, sigma: Any, kappa: float = 1.96, *, return_gradient: bool = False
) -> Any:
    r"""Lower confidence bound :math:`\mu - \kappa\sigma`, to *minimise* (minimisation).

    .. math::

        \mathrm{LCB} = \mu - \kappa\,\sigma, \qquad
        \partial_\mu = 1, \quad \partial_\sigma = -\kappa

    The optimistic value of a minimisation problem; scikit-optimize's ``gaussian_lcb``.
    The point of lowest LCB is evaluated next (a maximiser of acquisitions maximises
    :math:`-\mathrm{LCB}`). Parameters, returns and errors as in
    :func:`upper_confidence_bound`.

    Examples
    --------
    >>> lower_confidence_bound([0.5, 1.0], [0.5, 0.0], kappa=2.0)
    array([-0.5,  1. ])
    """
    return _confidence_bound(mu, sigma, kappa, -1.0, return_gradient)
