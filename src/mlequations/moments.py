r"""Layer 1: moments — expectation, covariance and correlation.

The mean of a function of a discrete variable (:func:`expectation`) or a
continuous one (:func:`expectation_continuous`), and the population covariance
and Pearson correlation of paired values, from samples or a pmf.

Every function except :func:`expectation_continuous` accepts NumPy arrays or any
array-API array (PyTorch, array-api-strict, ...) and returns the caller's kind;
Python lists and scalars become float64 NumPy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import (
    PROBABILITY_ATOL,
    ArrayTypeError,
    ProbabilityError,
    ValidationError,
    as_array,
    as_arrays,
    broadcast_together,
    check_finite,
    check_nonempty,
    check_probability,
    check_same_shape,
    native,
    normalize_axis,
)

__all__ = [
    "correlation",
    "covariance",
    "expectation",
    "expectation_continuous",
]


# --------------------------------------------------------------------------- expectation


def expectation(
    values: Any, probs: Any, f: Callable[[Any], Any] | None = None, axis: int = -1
) -> Any:
    r"""Expected value of :math:`f(x)` for a discrete random variable.

    .. math::

        \mathbb{E}_{x \sim p}[f(x)] = \sum_{x} p(x)\, f(x)

    Parameters
    ----------
    values : array_like
        The values the variable takes, finite; broadcasts against ``probs``.
    probs : array_like
        Their probabilities, summing to 1 along ``axis``.
    f : callable, optional
        Applied to the ``values`` array (elementwise, in its namespace); the
        identity when omitted. Values with probability 0 contribute 0 even if
        ``f`` is not finite there.
    axis : int
        The axis that runs over the values.

    Returns
    -------
    array
        The expectation, with ``axis`` removed.

    Examples
    --------
    :math:`\mathbb{E}[x^2]` for :math:`x \sim \mathrm{Cat}([0.1, 0.2, 0.7])` on {0, 1, 2}:

    >>> float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=lambda x: x**2))
    3.0
    """
    xp, values, probs = as_arrays(values, probs, names=("values", "probs"))
    values, probs = broadcast_together((values, probs), ("values", "probs"), xp)
    check_probability(probs, "probs", xp, axis=axis)
    check_finite(values, "values", xp)
    mapped = values if f is None else as_array(f(values), "f(values)", xp)
    if mapped.dtype != values.dtype:
        mapped = xp.astype(mapped, values.dtype)
    mapped = xp.broadcast_to(mapped, probs.shape)
    mapped = xp.where(probs > 0, mapped, xp.zeros_like(mapped))
    check_finite(mapped, "f(values)", xp)
    return native(xp, xp.sum(probs * mapped, axis=axis))


def expectation_continuous(
    density: Callable[[float], float],
    f: Callable[[float], float] | None = None,
    lower: float = -math.inf,
    upper: float = math.inf,
    **quad_options: Any,
) -> np.float64:
    r"""Expected value of :math:`f(x)` for a continuous variable, by numerical integration.

    .. math::

        \mathbb{E}_{x \sim p}[f(x)] = \int_{a}^{b} p(x)\, f(x)\, dx

    NumPy only: ``density`` and ``f`` are Python callables of one float, and
    the integral is computed by :func:`scipy.integrate.quad` (``quad_options``
    are passed on, e.g. ``points`` or ``limit``).

    Parameters
    ----------
    density : callable
        The probability density :math:`p(x)`; it must integrate to 1 over
        [``lower``, ``upper``] (checked to 1e-6).
    f : callable, optional
        The function whose mean is taken; the identity when omitted.
    lower, upper : float
        The support, possibly infinite.

    Returns
    -------
    numpy.float64

    Raises
    ------
    ProbabilityError
        If ``density`` does not integrate to 1.
    NonFiniteError
        If the integral is not finite.

    Examples
    --------
    For :math:`N(1, 4)`, :math:`\mathbb{E}[x^2] = \mu^2 + \sigma^2 = 5`:

    >>> from scipy.stats import norm
    >>> round(float(expectation_continuous(norm(1, 2).pdf, lambda x: x**2)), 8)
    5.0
    """
    from scipy import integrate

    if not callable(density):
        raise ArrayTypeError(f"density must be a callable, got {type(density).__name__}")
    if f is not None and not callable(f):
        raise ArrayTypeError(f"f must be a callable or None, got {type(f).__name__}")
    lower, upper = float(lower), float(upper)
    if not lower < upper:
        raise ValidationError(f"lower must be below upper, got lower={lower} and upper={upper}")
    mass = integrate.quad(lambda x: float(density(x)), lower, upper, **quad_options)[0]
    if not abs(mass - 1.0) <= PROBABILITY_ATOL:
        raise ProbabilityError(
            f"density must integrate to 1 over [{lower}, {upper}], got {mass:.6g}"
        )

    def integrand(x: float) -> float:
        return float(density(x)) * (x if f is None else float(f(x)))

    value = integrate.quad(integrand, lower, upper, **quad_options)[0]
    check_finite(np.asarray(value), "the expectation")
    return np.float64(value)


# --------------------------------------------------------------------------- covariance


def _centred(x: Any, y: Any, probs: Any | None, axis: int) -> tuple[Any, ...]:
    """Return ``(xp, x, y, weights, x - mean(x), y - mean(y))`` for the moments below."""
    if probs is None:
        xp, x, y = as_arrays(x, y, names=("x", "y"))
    else:
        xp, x, y, probs = as_arrays(x, y, probs, names=("x", "y", "probs"))
    check_same_shape(x, y, "x", "y")
    for array, name in ((x, "x"), (y, "y")):
        check_nonempty(array, name)
        check_finite(array, name, xp)
    normalize_axis(axis, x.ndim)
    if probs is None:
        weights = xp.ones_like(x) / float(x.shape[axis])
    else:
        x, y, weights = broadcast_together((x, y, probs), ("x", "y", "probs"), xp)
        check_probability(weights, "probs", xp, axis=axis)
    dx = x - xp.sum(weights * x, axis=axis, keepdims=True)
    dy = y - xp.sum(weights * y, axis=axis, keepdims=True)
    return xp, x, y, weights, dx, dy


def covariance(x: Any, y: Any, probs: Any | None = None, axis: int = -1) -> Any:
    r"""Population covariance (ddof = 0) of two variables, from samples or a pmf.

    .. math::

        \operatorname{Cov}(x, y) = \sum_i p_i\, (x_i - \bar x)(y_i - \bar y),
        \qquad \bar x = \sum_i p_i x_i

    With ``probs`` omitted every sample weighs :math:`1/n`, i.e. ``numpy.cov``
    with ``bias=True``; there is no :math:`n - 1` (Bessel) correction.

    Parameters
    ----------
    x, y : array_like
        Paired values of the same shape.
    probs : array_like, optional
        Probability of each pair, summing to 1 along ``axis``.
    axis : int
        The axis that runs over the samples.

    Returns
    -------
    array
        The covariance, with ``axis`` removed.

    Examples
    --------
    >>> float(covariance([1, 2, 3], [2, 4, 6]))
    1.3333333333333333
    """
    xp, _, _, weights, dx, dy = _centred(x, y, probs, axis)
    return native(xp, xp.sum(weights * dx * dy, axis=axis))


def correlation(x: Any, y: Any, probs: Any | None = None, axis: int = -1) -> Any:
    r"""Pearson correlation coefficient of two variables, from samples or a pmf.

    .. math::

        \rho(x, y) = \frac{\operatorname{Cov}(x, y)}{\sigma_x\, \sigma_y} \in [-1, 1]

    The ddof cancels in the ratio; the moments are those of :func:`covariance`.

    Parameters
    ----------
    x, y : array_like
        Paired values of the same shape.
    probs : array_like, optional
        Probability of each pair, summing to 1 along ``axis``; equal weights if omitted.
    axis : int
        The axis that runs over the samples.

    Returns
    -------
    array
        The coefficient in [-1, 1], with ``axis`` removed.

    Raises
    ------
    ValidationError
        If ``x`` or ``y`` has zero variance (to rounding): :math:`\rho` is undefined.

    Examples
    --------
    >>> float(correlation([1, 2, 3], [6, 4, 2]))
    -1.0
    """
    xp, x, y, weights, dx, dy = _centred(x, y, probs, axis)
    eps = float(xp.finfo(x.dtype).eps)
    scales = []
    for values, centred, name in ((x, dx, "x"), (y, dy, "y")):
        scale = xp.sqrt(xp.sum(weights * centred * centred, axis=axis))
        # A spread at rounding level of the values is a constant variable in disguise.
        magnitude = xp.max(xp.where(weights > 0, xp.abs(values), 0.0), axis=axis)
        if bool(xp.any(scale <= 16.0 * eps * magnitude)):
            raise ValidationError(f"{name} has zero variance, so the correlation is undefined")
        scales.append(scale)
    rho = xp.sum(weights * dx * dy, axis=axis) / (scales[0] * scales[1])
    return native(xp, xp.clip(rho, -1.0, 1.0))
