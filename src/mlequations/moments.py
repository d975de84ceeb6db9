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
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import (
    ArrayTypeError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
    as_array,
    as_arrays,
    native,
)
from mlequations._checks import (
    PROBABILITY_ATOL,
    broadcast_together,
    check_finite,
    check_nonempty,
    check_probability_on_axis,
    check_same_shape,
    check_summed_axis,
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
        The values the variable takes, finite. They broadcast against ``probs``
        along the other axes, but along ``axis`` there must be one value per
        probability.
    probs : array_like
        Their probabilities, summing to 1 along ``axis`` as given.
    f : callable, optional
        Applied to the ``values`` array (elementwise, in its namespace, so it
        must return the shape of ``values``); the identity when omitted. Values
        with probability 0 contribute 0 even if ``f`` is not finite there.
    axis : int
        The axis that runs over the values, counted in the broadcast shape.

    Returns
    -------
    array
        The expectation, with ``axis`` removed.

    Raises
    ------
    ShapeError
        If ``values`` and ``probs`` differ in length along ``axis`` (or one lacks
        it), do not broadcast, or ``f`` changes the shape.
    ProbabilityError
        If ``probs`` does not sum to 1 along ``axis``.
    NonFiniteError
        If a value, or ``f`` of a value of positive probability, is not finite.

    Examples
    --------
    :math:`\mathbb{E}[x^2]` for :math:`x \sim \mathrm{Cat}([0.1, 0.2, 0.7])` on {0, 1, 2}:

    >>> float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=lambda x: x**2))
    3.0
    """
    names = ("values", "probs")
    xp, values, probs = as_arrays(values, probs, names=names)
    position = check_summed_axis((values, probs), names, axis)
    check_probability_on_axis(xp, probs, "probs", axis, position)
    check_nonempty(values, "values")
    check_finite(values, "values", xp)
    mapped = values if f is None else as_array(f(values), "f(values)", xp)
    if tuple(mapped.shape) != tuple(values.shape):
        raise ShapeError(
            f"f must act elementwise, keeping the shape {tuple(values.shape)} of values, "
            f"got f(values) of shape {tuple(mapped.shape)}"
        )
    if mapped.dtype != values.dtype:
        mapped = xp.astype(mapped, values.dtype)
    mapped, probs = broadcast_together((mapped, probs), names, xp)  # f kept the shape
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
        If an integral is not finite (e.g. ``density`` returns NaN).
    ValidationError
        If :func:`scipy.integrate.quad` warns that it could not reach its
        tolerance (a singular or oscillating integrand): the error names the
        reason and suggests ``quad_options``; no inaccurate value is returned.

    Examples
    --------
    For :math:`N(1, 4)`, :math:`\mathbb{E}[x^2] = \mu^2 + \sigma^2 = 5`:

    >>> from scipy.stats import norm
    >>> round(float(expectation_continuous(norm(1, 2).pdf, lambda x: x**2)), 8)
    5.0
    """
    if not callable(density):
        raise ArrayTypeError(f"density must be a callable, got {type(density).__name__}")
    if f is not None and not callable(f):
        raise ArrayTypeError(f"f must be a callable or None, got {type(f).__name__}")
    lower, upper = float(lower), float(upper)
    if not lower < upper:
        raise ValidationError(f"lower must be below upper, got lower={lower} and upper={upper}")
    mass = _integral(
        lambda x: float(density(x)), lower, upper, "the integral of density", quad_options
    )
    if not abs(mass - 1.0) <= PROBABILITY_ATOL:
        raise ProbabilityError(
            f"density must integrate to 1 over [{lower}, {upper}], got {mass:.6g}"
        )

    def integrand(x: float) -> float:
        probability = float(density(x))
        if probability == 0.0:  # as in the discrete case: f may be infinite where p is 0
            return 0.0
        return probability * (x if f is None else float(f(x)))

    return np.float64(_integral(integrand, lower, upper, "the expectation", quad_options))


def _integral(
    integrand: Callable[[float], float],
    lower: float,
    upper: float,
    what: str,
    quad_options: dict[str, Any],
) -> float:
    """scipy.integrate.quad, raising instead of warning when it cannot vouch for the result."""
    from scipy import integrate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", integrate.IntegrationWarning)
        value = float(integrate.quad(integrand, lower, upper, **quad_options)[0])
    trouble = [w for w in caught if issubclass(w.category, integrate.IntegrationWarning)]
    for other in caught:  # warnings of the caller's functions are theirs to see
        if other not in trouble:
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    if not math.isfinite(value):
        raise NonFiniteError(f"{what} must be finite, got {value}")
    if trouble:
        reason = " ".join(str(trouble[0].message).split()).split(".")[0]
        raise ValidationError(
            f"{what} over [{lower}, {upper}] is unreliable: scipy.integrate.quad reports "
            f"'{reason}'; pass quad options such as limit=200 or points=[...]"
        )
    return value


# --------------------------------------------------------------------------- covariance


def _paired(x: Any, y: Any, probs: Any | None, axis: int) -> tuple[Any, Any, Any, Any, int]:
    """Validate paired values and their probabilities.

    Returns ``(xp, x, y, weights, axis)``: the weights are ``probs`` divided by
    their sum (or ``1/n`` each), broadcast to the shape of ``x`` and ``y``, and
    ``axis`` is the summed axis as a negative index into that shape.
    """
    if probs is None:
        xp, x, y = as_arrays(x, y, names=("x", "y"))
    else:
        xp, x, y, probs = as_arrays(x, y, probs, names=("x", "y", "probs"))
    check_same_shape(x, y, "x", "y")
    for array, name in ((x, "x"), (y, "y")):
        check_nonempty(array, name)
        check_finite(array, name, xp)
    if probs is None:
        position = check_summed_axis((x,), ("x",), axis)
        return xp, x, y, xp.ones_like(x) / float(x.shape[position]), position
    position = check_summed_axis((x, probs), ("x", "probs"), axis)
    check_probability_on_axis(xp, probs, "probs", axis, position)
    x, y, weights = broadcast_together((x, y, probs), ("x", "y", "probs"), xp)
    return xp, x, y, weights / xp.sum(weights, axis=position, keepdims=True), position


def _exact_scale(xp: Any, values: Any, counted: Any, axis: int) -> Any:
    """A power of two that brings the data of positive weight to a safe range, kept along axis.

    0.5 for data above 1 (so that a difference of two values cannot overflow),
    :math:`4/\varepsilon` for data so small that some could be subnormal (so
    every value is a normal number, with full precision), else 1. Multiplying
    by a power of two is exact in those ranges.
    """
    info = xp.finfo(values.dtype)
    magnitude = xp.max(xp.where(counted, xp.abs(values), xp.zeros_like(values)), axis=axis)
    tiny = magnitude < float(info.smallest_normal) / float(info.eps)
    ones = xp.ones_like(magnitude)
    factor = xp.where(tiny, xp.full_like(magnitude, 4.0 / float(info.eps)), ones)
    return xp.expand_dims(xp.where(magnitude > 1.0, 0.5 * ones, factor), axis=axis)


def _unit_deviations(xp: Any, values: Any, weights: Any, axis: int) -> tuple[Any, Any, Any]:
    """Deviations from the weighted mean, written as ``unit * size / factor``.

    ``unit`` lies in [-1, 1] (0 where the weight is 0) and ``size`` is the
    largest deviation of the data scaled by ``factor`` (see :func:`_exact_scale`),
    so ``x - mean`` cannot overflow, and since the products are formed from
    ``unit``, neither tiny nor huge data underflow or overflow there.
    """
    counted = weights > 0
    factor = _exact_scale(xp, values, counted, axis)
    scaled = values * factor
    deviation = scaled - xp.sum(weights * scaled, axis=axis, keepdims=True)
    deviation = xp.where(counted, deviation, xp.zeros_like(deviation))
    size = xp.max(xp.abs(deviation), axis=axis, keepdims=True)
    unit = deviation / xp.where(size > 0, size, xp.ones_like(size))
    return unit, xp.squeeze(size, axis=axis), xp.squeeze(factor, axis=axis)


def _rescaled(xp: Any, unit_moment: Any, size_x: Any, size_y: Any, factor: Any) -> Any:
    """``unit_moment * size_x * size_y / factor``, or ±inf where that leaves the dtype's range.

    ``|unit_moment| <= 1`` and ``factor`` is a product of two factors of
    :func:`_exact_scale`. The overflow test compares square roots, which cannot
    overflow, so no warning is raised.
    """
    info = xp.finfo(unit_moment.dtype)
    unit_moment = xp.clip(unit_moment, -1.0, 1.0)
    small = xp.minimum(size_x, size_y)
    partial = unit_moment * xp.maximum(size_x, size_y)  # no overflow: |unit_moment| <= 1
    limit = math.sqrt(float(info.max)) * (1.0 - 8.0 * float(info.eps))
    over = xp.sqrt(xp.abs(partial)) * xp.sqrt(small) > limit * xp.sqrt(factor)
    value = xp.where(over, xp.zeros_like(partial), partial) * small / factor
    infinity = xp.full_like(value, math.inf)
    return xp.where(over, xp.where(partial > 0, infinity, -infinity), value)


def covariance(x: Any, y: Any, probs: Any | None = None, axis: int = -1) -> Any:
    r"""Population covariance (ddof = 0) of two variables, from samples or a pmf.

    .. math::

        \operatorname{Cov}(x, y) = \sum_i p_i\, (x_i - \bar x)(y_i - \bar y),
        \qquad \bar x = \sum_i p_i x_i

    With ``probs`` omitted every sample weighs :math:`1/n`, i.e. ``numpy.cov``
    with ``bias=True``; there is no :math:`n - 1` (Bessel) correction. Given
    ``probs`` are divided by their sum (which is 1 to within the tolerance of
    the check), as ``numpy.cov`` does with ``aweights``. The deviations are
    scaled to [-1, 1] before they are multiplied, so data as small as
    :math:`10^{-200}` or as large as :math:`10^{300}` lose no precision; a
    covariance beyond the range of the dtype is returned as :math:`\pm\infty`
    (without a warning), one too small for it as 0.

    Parameters
    ----------
    x, y : array_like
        Paired values of the same shape, finite.
    probs : array_like, optional
        Probability of each pair, summing to 1 along ``axis`` as given; it
        broadcasts against ``x`` along the other axes, but along ``axis`` it
        must have the length of ``x``.
    axis : int
        The axis that runs over the samples.

    Returns
    -------
    array
        The covariance, with ``axis`` removed.

    Raises
    ------
    ShapeError
        If ``x`` and ``y`` differ in shape, or ``probs`` does not fit them.
    ProbabilityError
        If ``probs`` is not a probability vector along ``axis``.

    Examples
    --------
    >>> float(covariance([1, 2, 3], [2, 4, 6]))
    1.3333333333333333
    """
    xp, x, y, weights, axis = _paired(x, y, probs, axis)
    unit_x, size_x, factor_x = _unit_deviations(xp, x, weights, axis)
    unit_y, size_y, factor_y = _unit_deviations(xp, y, weights, axis)
    unit_moment = xp.sum(weights * unit_x * unit_y, axis=axis)
    return native(xp, _rescaled(xp, unit_moment, size_x, size_y, factor_x * factor_y))


def _check_not_constant(xp: Any, values: Any, weights: Any, axis: int, name: str) -> None:
    """Raise if the values of positive weight agree to within rounding of their magnitude."""
    counted = weights > 0
    scaled = values * _exact_scale(xp, values, counted, axis)  # the spread cannot overflow
    infinity = xp.full_like(scaled, math.inf)
    top = xp.max(xp.where(counted, scaled, -infinity), axis=axis)
    bottom = xp.min(xp.where(counted, scaled, infinity), axis=axis)
    magnitude = xp.maximum(xp.abs(top), xp.abs(bottom))
    if bool(xp.any(top - bottom <= 16.0 * float(xp.finfo(values.dtype).eps) * magnitude)):
        raise ValidationError(
            f"{name} has zero variance (its values agree to within rounding), "
            "so the correlation is undefined"
        )


def correlation(x: Any, y: Any, probs: Any | None = None, axis: int = -1) -> Any:
    r"""Pearson correlation coefficient of two variables, from samples or a pmf.

    .. math::

        \rho(x, y) = \frac{\operatorname{Cov}(x, y)}{\sigma_x\, \sigma_y} \in [-1, 1]

    The ddof cancels in the ratio; the moments are those of :func:`covariance`.
    Each variable's deviations from its mean are divided by their largest
    magnitude before any product is formed, so :math:`\rho` is exactly as
    scale-free as its definition: data of magnitude :math:`10^{-170}` or
    :math:`10^{20}` in float32 neither underflow nor overflow.

    Parameters
    ----------
    x, y : array_like
        Paired values of the same shape, finite.
    probs : array_like, optional
        Probability of each pair, summing to 1 along ``axis`` as given (it
        must have the length of ``x`` along ``axis``); equal weights if omitted.
    axis : int
        The axis that runs over the samples.

    Returns
    -------
    array
        The coefficient in [-1, 1], with ``axis`` removed.

    Raises
    ------
    ValidationError
        If ``x`` or ``y`` is constant: its values of positive probability differ
        by at most 16 machine epsilons of their magnitude, so :math:`\rho` is
        undefined (a spread at rounding level is a constant in disguise).
    ShapeError
        If ``x`` and ``y`` differ in shape, or ``probs`` does not fit them.

    Examples
    --------
    >>> float(correlation([1, 2, 3], [6, 4, 2]))
    -1.0
    """
    xp, x, y, weights, axis = _paired(x, y, probs, axis)
    _check_not_constant(xp, x, weights, axis, "x")
    _check_not_constant(xp, y, weights, axis, "y")
    unit_x = _unit_deviations(xp, x, weights, axis)[0]
    unit_y = _unit_deviations(xp, y, weights, axis)[0]
    # Each variance is at least the weight of its largest (unit) deviation, so never 0.
    spread_x = xp.sqrt(xp.sum(weights * unit_x * unit_x, axis=axis))
    spread_y = xp.sqrt(xp.sum(weights * unit_y * unit_y, axis=axis))
    rho = xp.sum(weights * unit_x * unit_y, axis=axis) / (spread_x * spread_y)
    return native(xp, xp.clip(rho, -1.0, 1.0))
