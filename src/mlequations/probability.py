r"""Layer 1: probability — the rules of probability over tables.

Bayes' theorem, the law of total probability and the posterior over exclusive
hypotheses; marginals, conditionals, the chain rule and independence of joint
tables. Moments live in :mod:`mlequations.moments` and distributions in
:mod:`mlequations.distributions`.

Every function accepts NumPy arrays or any array-API array (PyTorch,
array-api-strict, ...) and returns the caller's kind; Python lists and scalars
become float64 NumPy arrays. Joint tables are arrays with one axis per variable
whose entries sum to 1 over all elements.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from mlequations._array import ProbabilityError, ShapeError, ValidationError, as_arrays, native
from mlequations._checks import (
    PROBABILITY_ATOL,
    broadcast_together,
    check_finite,
    check_in_range,
    check_nonempty,
    check_nonnegative,
    check_positive,
    check_probability,
    check_probability_on_axis,
    check_summed_axis,
    first_where,
    normalize_axis,
)

__all__ = [
    "bayes_posterior",
    "bayes_theorem",
    "chain_rule",
    "conditional",
    "is_independent",
    "marginal",
    "total_probability",
]


# --------------------------------------------------------------------------- helpers


def _check_joint(xp: Any, joint: Any) -> None:
    if joint.ndim < 2:
        raise ShapeError(
            "joint must be a table with one axis per variable (at least 2 axes), "
            f"got shape {tuple(joint.shape)}"
        )
    check_probability(joint, "joint", xp, axis=None)


def _prior_and_likelihood(prior: Any, likelihood: Any, axis: int) -> tuple[Any, Any, Any]:
    """Validate a prior (as given) and a likelihood over the same hypotheses, then broadcast."""
    names = ("prior", "likelihood")
    xp, prior, likelihood = as_arrays(prior, likelihood, names=names)
    position = check_summed_axis((prior, likelihood), names, axis)
    check_probability_on_axis(xp, prior, "prior", axis, position)
    check_nonempty(likelihood, "likelihood")
    check_finite(likelihood, "likelihood", xp)
    check_nonnegative(likelihood, "likelihood", xp)
    return (xp, *broadcast_together((prior, likelihood), names, xp))


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
    likelihood, prior, evidence = broadcast_together((likelihood, prior, evidence), names, xp)
    joint = likelihood * prior
    # Compared as a difference: neither side can overflow, even for densities near the
    # top of the float range.
    impossible = joint - evidence > PROBABILITY_ATOL * evidence
    if bool(xp.any(impossible)):
        raise ProbabilityError(
            "p_b must be at least p_b_given_a * p_a, since P(B) >= P(A, B); got "
            f"p_b = {first_where(evidence, impossible, xp):.6g} < "
            f"{first_where(joint, impossible, xp):.6g}"
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
        :math:`P(B \mid A_i)`, non-negative. It broadcasts against ``prior``
        along the other axes, but along ``axis`` both must hold one entry per
        hypothesis.
    axis : int
        The axis that runs over the hypotheses :math:`A_i`, counted in the
        broadcast shape.

    Returns
    -------
    array
        :math:`P(B)`, with ``axis`` removed.

    Raises
    ------
    ShapeError
        If ``prior`` and ``likelihood`` differ in length along ``axis`` (or one
        lacks it), or do not broadcast.
    ProbabilityError
        If ``prior`` itself, as given, does not sum to 1 along ``axis``.

    Examples
    --------
    >>> round(float(total_probability([0.01, 0.99], [0.99, 0.05])), 4)
    0.0594
    """
    xp, prior, likelihood = _prior_and_likelihood(prior, likelihood, axis)
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
        :math:`P(B \mid A_i)` or a density, non-negative. It broadcasts against
        ``prior`` along the other axes, but along ``axis`` both must hold one
        entry per hypothesis.
    axis : int
        The axis that runs over the hypotheses, counted in the broadcast shape.

    Returns
    -------
    array
        The posterior, summing to 1 along ``axis``.

    Raises
    ------
    ShapeError
        If ``prior`` and ``likelihood`` differ in length along ``axis`` (or one
        lacks it), or do not broadcast.
    ProbabilityError
        If ``prior`` itself, as given, does not sum to 1 along ``axis``, or if
        ``prior * likelihood`` is 0 for every hypothesis: the evidence is
        impossible and the posterior is undefined.

    Examples
    --------
    >>> bayes_posterior([0.01, 0.99], [0.99, 0.05]).round(4)
    array([0.1667, 0.8333])
    """
    xp, prior, likelihood = _prior_and_likelihood(prior, likelihood, axis)
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


def is_independent(joint: Any, atol: float | None = None) -> bool:
    r"""True when the variables of a joint table are mutually independent.

    .. math::

        p(x_1, \dots, x_n) = \prod_k p(x_k) \quad \text{for every cell}

    The table is first divided by its sum, so that a total that is 1 only to
    within the tolerance of the probability check does not masquerade as
    dependence.

    Parameters
    ----------
    joint : array_like
        Joint table, one axis per variable, all entries summing to 1.
    atol : float or None
        Largest allowed absolute difference between a cell and the product of
        its marginals. ``None`` (the default) adapts to the precision of
        ``joint``: each cell may differ from its product by
        :math:`4\,\varepsilon\,(n + \sqrt{N})` times the larger of the two
        (plus the smallest normal number, for underflow), where
        :math:`\varepsilon` is the machine epsilon of the table's dtype,
        :math:`n` the number of variables and :math:`N` the number of cells;
        this covers the rounding of the sums that form the marginals. A float32
        table that is exactly a product of marginals is judged independent, and
        a dependence far below its rounding level is not detectable anyway.

    Returns
    -------
    bool
        A Python bool.

    Raises
    ------
    ValidationError
        If ``atol`` is not a non-negative number or None.

    Examples
    --------
    >>> is_independent([[0.06, 0.14], [0.24, 0.56]]), is_independent([[0.45, 0.05], [0.1, 0.4]])
    (True, False)
    """
    xp, joint = as_arrays(joint, names=("joint",))
    _check_joint(xp, joint)
    if atol is not None and (
        isinstance(atol, bool) or not isinstance(atol, numbers.Real) or not atol >= 0
    ):
        raise ValidationError(f"atol must be a non-negative number or None, got {atol!r}")
    joint = joint / xp.sum(joint)
    product = xp.ones_like(joint)
    for kept in range(joint.ndim):
        others = tuple(i for i in range(joint.ndim) if i != kept)
        product = product * xp.sum(joint, axis=others, keepdims=True)
    difference = xp.abs(joint - product)
    if atol is not None:
        return bool(xp.all(difference <= atol))
    info = xp.finfo(joint.dtype)
    cells = math.prod(int(d) for d in joint.shape)
    relative = 4.0 * float(info.eps) * (joint.ndim + math.sqrt(cells))
    tolerance = relative * xp.maximum(joint, product) + float(info.smallest_normal)
    return bool(xp.all(difference <= tolerance))
