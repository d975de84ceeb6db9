r"""Layer 1: probability — Bayes' rule, joint tables, moments and common distributions.

Every function except :func:`expectation_continuous` accepts NumPy arrays or any
array-API array (PyTorch, array-api-strict, ...) and returns the caller's kind;
Python lists and scalars become float64 NumPy arrays. Joint tables are arrays
with one axis per variable whose entries sum to 1 over all elements.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import array_api_compat
import numpy as np

from mlequations._array import (
    PROBABILITY_ATOL,
    ArrayTypeError,
    ProbabilityError,
    ShapeError,
    ValidationError,
    as_array,
    as_arrays,
    check_finite,
    check_in_range,
    check_nonempty,
    check_nonnegative,
    check_positive,
    check_probability,
    check_same_shape,
    native,
    normalize_axis,
)

__all__ = [
    "bayes_posterior",
    "bayes_theorem",
    "bernoulli_pmf",
    "categorical_pmf",
    "chain_rule",
    "conditional",
    "correlation",
    "covariance",
    "expectation",
    "expectation_continuous",
    "gaussian_log_pdf",
    "gaussian_pdf",
    "is_independent",
    "marginal",
    "one_hot",
    "total_probability",
]

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- helpers


def _broadcast(xp: Any, arrays: Sequence[Any], names: Sequence[str]) -> list[Any]:
    """Broadcast ``arrays`` together or raise a :class:`ShapeError` naming them."""
    shapes = [tuple(int(d) for d in a.shape) for a in arrays]
    try:
        target = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(f"{n} {s}" for n, s in zip(names, shapes, strict=True))
        raise ShapeError(f"{' and '.join(names)} must broadcast together, got {listed}") from None
    return [a if tuple(a.shape) == target else xp.broadcast_to(a, target) for a in arrays]


def _first_where(xp: Any, values: Any, mask: Any) -> float:
    """The first element of ``values`` where ``mask`` is true (for error messages)."""
    flat_mask = xp.astype(xp.reshape(mask, (-1,)), xp.int8)
    index = int(xp.argmax(flat_mask))
    return float(xp.reshape(values, (-1,))[index])


def _check_joint(xp: Any, joint: Any) -> None:
    if joint.ndim < 2:
        raise ShapeError(
            "joint must be a table with one axis per variable (at least 2 axes), "
            f"got shape {tuple(joint.shape)}"
        )
    check_probability(joint, "joint", xp, axis=None)


def _parameter_and_outcomes(parameter: Any, name: str, outcomes: Any) -> tuple[Any, Any, Any]:
    """Convert a pmf's parameter and its outcomes to one namespace and dtype.

    When the parameter is a floating array its dtype wins, so integer outcomes
    (labels) do not upcast a float32 parameter to float64.
    """
    xp, converted, labels = as_arrays(parameter, outcomes, names=(name, "x"))
    dtype = getattr(parameter, "dtype", None)
    if dtype is not None and xp.isdtype(dtype, "real floating") and converted.dtype != dtype:
        converted, labels = xp.astype(converted, dtype), xp.astype(labels, dtype)
    return xp, converted, labels


def _check_labels(xp: Any, labels: Any, num_classes: int, name: str) -> None:
    check_finite(labels, name, xp)
    fractional = labels != xp.floor(labels)
    if bool(xp.any(fractional)):
        value = _first_where(xp, labels, fractional)
        raise ValidationError(f"{name} must hold integer class labels, got {value:.6g}")
    outside = (labels < 0) | (labels >= num_classes)
    if bool(xp.any(outside)):
        value = _first_where(xp, labels, outside)
        raise ValidationError(f"{name} must hold labels in [0, {num_classes - 1}], got {value:.6g}")


def _indicator(xp: Any, labels: Any, num_classes: int) -> Any:
    classes = xp.arange(num_classes, dtype=labels.dtype, device=array_api_compat.device(labels))
    return xp.astype(xp.expand_dims(labels, axis=-1) == classes, labels.dtype)


# --------------------------------------------------------------------------- Bayes' rule


def bayes_theorem(p_b_given_a: Any, p_a: Any, p_b: Any) -> Any:
    r"""Posterior probability of ``A`` after observing ``B`` (Bayes' theorem).

    .. math::

        P(A \mid B) = \frac{P(B \mid A)\, P(A)}{P(B)}

    Parameters
    ----------
    p_b_given_a : array_like
        Likelihood :math:`P(B \mid A)`, non-negative (a density is allowed).
    p_a : array_like
        Prior :math:`P(A)` in [0, 1].
    p_b : array_like
        Evidence :math:`P(B) > 0`, e.g. from :func:`total_probability`. The three
        arguments broadcast together.

    Returns
    -------
    array
        :math:`P(A \mid B)`, in the broadcast shape.

    Raises
    ------
    ProbabilityError
        If :math:`P(B) < P(B \mid A) P(A)`, which no joint distribution allows.
    ValidationError
        If a value is NaN, infinite, negative, ``p_a`` exceeds 1 or ``p_b`` is 0.

    Examples
    --------
    A test with 99% sensitivity and 2% false positives for a disease of 1% prevalence:

    >>> p_positive = 0.99 * 0.01 + 0.02 * 0.99
    >>> round(float(bayes_theorem(0.99, 0.01, p_positive)), 4)
    0.3333
    """
    names = ("p_b_given_a", "p_a", "p_b")
    xp, likelihood, prior, evidence = as_arrays(p_b_given_a, p_a, p_b, names=names)
    for array, name in zip((likelihood, prior, evidence), names, strict=True):
        check_nonempty(array, name)
        check_finite(array, name, xp)
    check_nonnegative(likelihood, "p_b_given_a", xp)
    check_in_range(prior, "p_a", 0.0, 1.0, xp)
    check_positive(evidence, "p_b", xp)
    likelihood, prior, evidence = _broadcast(xp, (likelihood, prior, evidence), names)
    joint = likelihood * prior
    impossible = joint > evidence * (1.0 + PROBABILITY_ATOL)
    if bool(xp.any(impossible)):
        raise ProbabilityError(
            "p_b must be at least p_b_given_a * p_a, since P(B) >= P(A, B); got "
            f"p_b = {_first_where(xp, evidence, impossible):.6g} < "
            f"{_first_where(xp, joint, impossible):.6g}"
        )
    return native(xp, joint / evidence)


def total_probability(prior: Any, likelihood: Any, axis: int = -1) -> Any:
    r"""Probability of the evidence summed over exclusive hypotheses (law of total probability).

    .. math::

        P(B) = \sum_i P(B \mid A_i)\, P(A_i)

    Parameters
    ----------
    prior : array_like
        :math:`P(A_i)`, summing to 1 along ``axis``.
    likelihood : array_like
        :math:`P(B \mid A_i)`, non-negative; broadcasts against ``prior``.
    axis : int
        The axis that runs over the hypotheses :math:`A_i`.

    Returns
    -------
    array
        :math:`P(B)`, with ``axis`` removed.

    Examples
    --------
    >>> round(float(total_probability([0.01, 0.99], [0.99, 0.05])), 4)
    0.0594
    """
    xp, prior, likelihood = as_arrays(prior, likelihood, names=("prior", "likelihood"))
    prior, likelihood = _broadcast(xp, (prior, likelihood), ("prior", "likelihood"))
    check_probability(prior, "prior", xp, axis=axis)
    check_finite(likelihood, "likelihood", xp)
    check_nonnegative(likelihood, "likelihood", xp)
    return native(xp, xp.sum(prior * likelihood, axis=axis))


def bayes_posterior(prior: Any, likelihood: Any, axis: int = -1) -> Any:
    r"""Posterior over several exclusive hypotheses, normalised by the total probability.

    .. math::

        P(A_i \mid B) = \frac{P(B \mid A_i)\, P(A_i)}{\sum_j P(B \mid A_j)\, P(A_j)}

    The likelihood is divided by its largest value along ``axis`` first (the
    ratio does not change), so tiny likelihoods such as :math:`10^{-300}` do
    not underflow to 0/0.

    Parameters
    ----------
    prior : array_like
        :math:`P(A_i)`, summing to 1 along ``axis``.
    likelihood : array_like
        :math:`P(B \mid A_i)` or a density, non-negative; broadcasts against ``prior``.
    axis : int
        The axis that runs over the hypotheses.

    Returns
    -------
    array
        The posterior, summing to 1 along ``axis``.

    Raises
    ------
    ProbabilityError
        If ``prior * likelihood`` is 0 for every hypothesis: the evidence is
        impossible and the posterior is undefined.

    Examples
    --------
    >>> bayes_posterior([0.01, 0.99], [0.99, 0.05]).round(4)
    array([0.1667, 0.8333])
    """
    xp, prior, likelihood = as_arrays(prior, likelihood, names=("prior", "likelihood"))
    prior, likelihood = _broadcast(xp, (prior, likelihood), ("prior", "likelihood"))
    check_probability(prior, "prior", xp, axis=axis)
    check_finite(likelihood, "likelihood", xp)
    check_nonnegative(likelihood, "likelihood", xp)
    scale = xp.max(likelihood, axis=axis, keepdims=True)
    scale = xp.where(scale > 0, scale, xp.ones_like(scale))
    unnormalised = prior * (likelihood / scale)
    evidence = xp.sum(unnormalised, axis=axis, keepdims=True)
    if bool(xp.any(evidence == 0)):
        raise ProbabilityError(
            "prior * likelihood is 0 for every hypothesis, so the evidence is impossible "
            "and the posterior is undefined"
        )
    return native(xp, unnormalised / evidence)


# --------------------------------------------------------------------------- joint tables


def marginal(joint: Any, axis: int | tuple[int, ...]) -> Any:
    r"""Sum variables out of a joint probability table.

    .. math::

        p(x_1) = \sum_{x_2} p(x_1, x_2)

    Parameters
    ----------
    joint : array_like
        Joint table, one axis per variable, all entries summing to 1.
    axis : int or tuple of int
        The variable(s) to sum out.

    Returns
    -------
    array
        The marginal table of the remaining variables.

    Examples
    --------
    The guide's jointly Bernoulli table (rows :math:`x_1`, columns :math:`x_2`):

    >>> table = [[0.45, 0.05], [0.10, 0.40]]
    >>> marginal(table, axis=1), marginal(table, axis=0)
    (array([0.5, 0.5]), array([0.55, 0.45]))
    """
    xp, joint = as_arrays(joint, names=("joint",))
    _check_joint(xp, joint)
    axes = axis if isinstance(axis, tuple) else (axis,)
    normalised = tuple(sorted({normalize_axis(a, joint.ndim) for a in axes}))
    if len(normalised) != len(axes):
        raise ShapeError(f"axis must not repeat an axis, got {axis}")
    return native(xp, xp.sum(joint, axis=normalised))


def conditional(joint: Any, given_axis: int) -> Any:
    r"""Conditional table :math:`p(\text{others} \mid x_g)` from a joint table.

    .. math::

        p(x_1 \mid x_2) = \frac{p(x_1, x_2)}{p(x_2)}, \qquad p(x_2) = \sum_{x_1} p(x_1, x_2)

    Parameters
    ----------
    joint : array_like
        Joint table, one axis per variable, all entries summing to 1.
    given_axis : int
        The axis of the conditioning variable :math:`x_g`.

    Returns
    -------
    array
        Same shape as ``joint``; for each value of the conditioning variable the
        entries sum to 1 over all other axes.

    Raises
    ------
    ProbabilityError
        If some value of the conditioning variable has probability 0: the
        conditional is undefined there (no NaN is returned).

    Examples
    --------
    >>> table = [[0.45, 0.05], [0.10, 0.40]]
    >>> round(float(conditional(table, given_axis=1)[1, 0]), 4)  # P(x1=1 | x2=0)
    0.1818
    """
    xp, joint = as_arrays(joint, names=("joint",))
    _check_joint(xp, joint)
    given = normalize_axis(given_axis, joint.ndim, "given_axis")
    others = tuple(i for i in range(joint.ndim) if i != given)
    given_probability = xp.sum(joint, axis=others, keepdims=True)
    impossible = xp.reshape(given_probability == 0, (-1,))
    if bool(xp.any(impossible)):
        index = int(xp.argmax(xp.astype(impossible, xp.int8)))
        raise ProbabilityError(
            f"joint gives probability 0 to index {index} along given_axis {given_axis}, "
            "so the conditional is undefined there"
        )
    return native(xp, joint / given_probability)


def chain_rule(p_x1: Any, p_x2_given_x1: Any) -> Any:
    r"""Joint table from a marginal and a conditional table (chain rule of probability).

    .. math::

        p(x_1, x_2) = p(x_1)\, p(x_2 \mid x_1)

    Parameters
    ----------
    p_x1 : array_like, shape (K,)
        Marginal of :math:`x_1`, summing to 1.
    p_x2_given_x1 : array_like, shape (K, M)
        Row ``i`` is :math:`p(x_2 \mid x_1 = i)` and sums to 1.

    Returns
    -------
    array, shape (K, M)
        The joint table, rows :math:`x_1`, columns :math:`x_2`.

    Examples
    --------
    >>> chain_rule([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]])
    array([[0.45, 0.05],
           [0.1 , 0.4 ]])
    """
    names = ("p_x1", "p_x2_given_x1")
    xp, first, second_given_first = as_arrays(p_x1, p_x2_given_x1, names=names)
    if first.ndim != 1:
        raise ShapeError(f"p_x1 must be a vector, got shape {tuple(first.shape)}")
    if second_given_first.ndim != 2 or second_given_first.shape[0] != first.shape[0]:
        raise ShapeError(
            f"p_x2_given_x1 must have shape ({first.shape[0]}, M), one row per value of x1, "
            f"got shape {tuple(second_given_first.shape)}"
        )
    check_probability(first, "p_x1", xp)
    check_probability(second_given_first, "p_x2_given_x1", xp, axis=-1)
    return native(xp, xp.expand_dims(first, axis=1) * second_given_first)


def is_independent(joint: Any, atol: float = 1e-8) -> bool:
    r"""True when the variables of a joint table are mutually independent.

    .. math::

        p(x_1, \dots, x_n) = \prod_k p(x_k) \quad \text{for every cell}

    Parameters
    ----------
    joint : array_like
        Joint table, one axis per variable, all entries summing to 1.
    atol : float
        Largest allowed absolute difference between a cell and the product of
        its marginals.

    Returns
    -------
    bool
        A Python bool.

    Examples
    --------
    >>> is_independent([[0.06, 0.14], [0.24, 0.56]]), is_independent([[0.45, 0.05], [0.1, 0.4]])
    (True, False)
    """
    xp, joint = as_arrays(joint, names=("joint",))
    _check_joint(xp, joint)
    if isinstance(atol, bool) or not isinstance(atol, numbers.Real) or not atol >= 0:
        raise ValidationError(f"atol must be a non-negative number, got {atol!r}")
    product = xp.ones_like(joint)
    for kept in range(joint.ndim):
        others = tuple(i for i in range(joint.ndim) if i != kept)
        product = product * xp.sum(joint, axis=others, keepdims=True)
    return bool(xp.all(xp.abs(joint - product) <= atol))


# --------------------------------------------------------------------------- moments


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
    values, probs = _broadcast(xp, (values, probs), ("values", "probs"))
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
        x, y, weights = _broadcast(xp, (x, y, probs), ("x", "y", "probs"))
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


# --------------------------------------------------------------------------- distributions


def gaussian_log_pdf(x: Any, mean: Any = 0.0, var: Any = 1.0) -> Any:
    r"""Log density of the normal distribution :math:`N(\mu, \sigma^2)`.

    .. math::

        \log N(x \mid \mu, \sigma^2) = -\tfrac12 \log(2\pi\sigma^2) - \frac{(x-\mu)^2}{2\sigma^2}

    Finite for every finite ``x`` (no underflow, unlike the density itself).

    Parameters
    ----------
    x, mean : array_like
        Points and means, finite; broadcast together with ``var``.
    var : array_like
        The variance :math:`\sigma^2 > 0` (not the standard deviation).

    Returns
    -------
    array
        The log density, in the broadcast shape.

    Raises
    ------
    ValidationError
        If ``var`` is not positive, or a value is NaN or infinite.

    Examples
    --------
    >>> round(float(gaussian_log_pdf(0.0)), 6)
    -0.918939
    """
    xp, x, mean, var = as_arrays(x, mean, var, names=("x", "mean", "var"))
    for array, name in ((x, "x"), (mean, "mean"), (var, "var")):
        check_nonempty(array, name)
        check_finite(array, name, xp)
    check_positive(var, "var", xp)
    x, mean, var = _broadcast(xp, (x, mean, var), ("x", "mean", "var"))
    return native(xp, -0.5 * (_LOG_2PI + xp.log(var)) - (x - mean) ** 2 / (2.0 * var))


def gaussian_pdf(x: Any, mean: Any = 0.0, var: Any = 1.0) -> Any:
    r"""Density of the normal distribution :math:`N(\mu, \sigma^2)`, via its logarithm.

    .. math::

        N(x \mid \mu, \sigma^2) = \frac{1}{\sqrt{2\pi\sigma^2}}
        \exp\!\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)

    Computed as ``exp(gaussian_log_pdf(...))``: far tails underflow cleanly to
    0, and a tiny variance gives a large finite peak, never inf/inf.

    Parameters
    ----------
    x, mean : array_like
        Points and means, finite; broadcast together with ``var``.
    var : array_like
        The variance :math:`\sigma^2 > 0` (not the standard deviation).

    Returns
    -------
    array
        The density, in the broadcast shape.

    Raises
    ------
    ValidationError
        If ``var`` is not positive, or a value is NaN or infinite.

    Examples
    --------
    >>> round(float(gaussian_pdf(1.0, mean=1.0, var=4.0)), 6)
    0.199471
    """
    log_density = gaussian_log_pdf(x, mean, var)
    xp = array_api_compat.array_namespace(log_density)
    return native(xp, xp.exp(log_density))


def bernoulli_pmf(x: Any, p: Any) -> Any:
    r"""Probability mass of a Bernoulli variable.

    .. math::

        \mathrm{Bern}(x \mid p) = p^x (1 - p)^{1 - x}, \qquad x \in \{0, 1\}

    Computed exactly as :math:`p` where :math:`x = 1` and :math:`1 - p` where
    :math:`x = 0` (no :math:`0^0`).

    Parameters
    ----------
    x : array_like
        Outcomes, each 0 or 1.
    p : array_like
        :math:`P(x = 1)` in [0, 1]; broadcasts against ``x``.

    Returns
    -------
    array
        The probabilities, in the broadcast shape and the dtype of ``p``.

    Raises
    ------
    ValidationError
        If an outcome is not 0 or 1, or ``p`` lies outside [0, 1].

    Examples
    --------
    >>> bernoulli_pmf([0, 1], 0.45)
    array([0.55, 0.45])
    """
    xp, p, x = _parameter_and_outcomes(p, "p", x)
    check_nonempty(x, "x")
    check_finite(x, "x", xp)
    not_binary = (x != 0) & (x != 1)
    if bool(xp.any(not_binary)):
        raise ValidationError(f"x must be 0 or 1, got {_first_where(xp, x, not_binary):.6g}")
    check_nonempty(p, "p")
    check_finite(p, "p", xp)
    check_in_range(p, "p", 0.0, 1.0, xp)
    x, p = _broadcast(xp, (x, p), ("x", "p"))
    return native(xp, xp.where(x == 1, p, 1.0 - p))


def categorical_pmf(x: Any, q: Any, encoding: Literal["index", "one_hot"] = "index") -> Any:
    r"""Probability mass of a categorical (multinoulli) variable.

    .. math::

        \mathrm{Cat}(x \mid q) = q_x = \prod_{k=0}^{C-1} q_k^{\mathbb{1}(x = k)}

    Parameters
    ----------
    x : array_like
        Categories: integer labels in [0, C-1] (``encoding="index"``) or one-hot
        vectors along the last axis (``encoding="one_hot"``).
    q : array_like, shape (..., C)
        Class probabilities summing to 1 along the last axis; broadcasts against x.
    encoding : {"index", "one_hot"}
        How ``x`` is written (explicit, since ``[0, 1]`` could be either).

    Returns
    -------
    array
        :math:`q_x` for each outcome, in the dtype of ``q``.

    Raises
    ------
    ValidationError
        For a label that is not an integer in [0, C-1], or a vector that is not one-hot.

    Examples
    --------
    >>> categorical_pmf([2, 0], [0.1, 0.2, 0.7])
    array([0.7, 0.1])
    >>> float(categorical_pmf([0, 0, 1], [0.1, 0.2, 0.7], encoding="one_hot"))
    0.7
    """
    xp, q, x = _parameter_and_outcomes(q, "q", x)
    check_probability(q, "q", xp, axis=-1)
    num_classes = int(q.shape[-1])
    if encoding == "index":
        check_nonempty(x, "x")
        _check_labels(xp, x, num_classes, "x")
        indicator = _indicator(xp, x, num_classes)
    elif encoding == "one_hot":
        check_nonempty(x, "x")
        if x.ndim == 0 or x.shape[-1] != num_classes:
            raise ShapeError(
                f"x must be one-hot vectors of length {num_classes} along its last axis, "
                f"got shape {tuple(x.shape)}"
            )
        check_finite(x, "x", xp)
        if bool(xp.any((x != 0) & (x != 1))) or bool(xp.any(xp.sum(x, axis=-1) != 1)):
            raise ValidationError("x must be one-hot: 0/1 entries with exactly one 1 per vector")
        indicator = x
    else:
        raise ValidationError(f"encoding must be 'index' or 'one_hot', got {encoding!r}")
    indicator, q = _broadcast(xp, (indicator, q), ("x", "q"))
    return native(xp, xp.sum(indicator * q, axis=-1))


def one_hot(labels: Any, num_classes: int) -> Any:
    r"""One-hot encoding of integer class labels, as a float array.

    .. math::

        \mathrm{onehot}(t)_k = \mathbb{1}(t = k), \qquad k = 0, \dots, C-1

    Parameters
    ----------
    labels : array_like of int
        Class labels in [0, ``num_classes`` - 1]; integer-valued floats are accepted.
    num_classes : int
        The number of classes :math:`C \geq 1`.

    Returns
    -------
    array, shape ``labels.shape + (num_classes,)``
        float64 for integer labels, else the labels' floating dtype.

    Raises
    ------
    ValidationError
        For a non-integer label or a label outside [0, C-1].

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise ArrayTypeError(f"num_classes must be an integer, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValidationError(f"num_classes must be at least 1, got {num_classes}")
    xp, labels = as_arrays(labels, names=("labels",))
    check_nonempty(labels, "labels")
    _check_labels(xp, labels, int(num_classes), "labels")
    return native(xp, _indicator(xp, labels, int(num_classes)))
