r"""Layer 1: information theory — the uncertainty of distributions.

Entropy, binary, joint and conditional entropy, mutual information and the
information gain of a split. Divergences that compare two distributions
(cross-entropy, KL) live in :mod:`mlequations.divergences`, which builds on the
helpers here.

Every function works on NumPy, PyTorch and any other array-API array and
returns the caller's kind. Results are in nats (natural logarithm) unless
``base`` is given: ``base=2`` gives bits. The convention :math:`0 \log 0 = 0`
holds everywhere, so impossible outcomes contribute nothing and no warning is
raised. Quantities that are non-negative in exact arithmetic are clipped at 0,
so round-off never produces a value such as ``-1e-17`` (or ``-0.0``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from mlequations._array import ArrayTypeError, ShapeError, ValidationError, as_arrays, xlogy
from mlequations._checks import (
    check_finite,
    check_in_range,
    check_nonempty,
    check_probability,
    check_same_shape,
    normalize_axis,
)

__all__ = [
    "binary_entropy",
    "conditional_entropy",
    "entropy",
    "information_gain",
    "joint_entropy",
    "mutual_information",
]


# --------------------------------------------------------------------------- helpers
# Shared with mlequations.divergences, which imports them (never the other way).


def _log_of_base(base: float | None) -> float:
    """The divisor that converts nats to ``base`` units (1.0 for nats)."""
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise ArrayTypeError(f"base must be a real number or None, got {type(base).__name__}")
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValidationError(f"base must be a positive finite number other than 1, got {base!r}")
    return math.log(base)


def _finish(value: Any, scale: float, xp: Any) -> Any:
    """Convert nats to the requested base and clip round-off below zero (also -0.0)."""
    if scale != 1.0:
        value = value / scale
    value = value + 0.0  # -0.0 + 0.0 is +0.0; gradients pass through unchanged
    # ``where`` also turns NumPy scalars back into (0-d) arrays.
    return xp.where(value < 0, xp.zeros_like(value), value)


def _check_distribution(p: Any, name: str, xp: Any, axis: int) -> None:
    if p.ndim == 0:
        raise ShapeError(f"{name} must have at least one dimension, got a scalar")
    check_probability(p, name, xp, axis=axis)


def _log_ratio(a: Any, b: Any, xp: Any) -> Any:
    """``log(a / b)`` where both are positive, else 0; accurate when ``a`` is near ``b``.

    Meant for probabilities (``a, b <= 1``), whose quotients cannot underflow to 0.
    ``where`` evaluates both of its branches, so every branch gets inputs that are
    harmless where it is not selected (the "double where"): no branch ever takes
    ``log(0)`` or ``log1p(-1)``, NumPy warns of nothing and PyTorch gradients stay
    finite (a discarded ``inf`` would still turn the gradient into ``0 * inf = nan``).
    """
    both = (a > 0) & (b > 0)
    one = xp.ones_like(a)
    zero = xp.zeros_like(a)
    safe_a = xp.where(both, a, one)
    safe_b = xp.where(both, b, one)
    # Dividing by a subnormal b could overflow; there the logs are subtracted instead.
    ordinary = safe_b >= xp.finfo(b.dtype).smallest_normal
    denominator = xp.where(ordinary, safe_b, one)
    # Near a = b, log1p of the (exactly computed) relative difference keeps full precision.
    # Elsewhere that difference can round to -b, so it is replaced by 0 there.
    near = ordinary & (xp.abs(safe_a - safe_b) < 0.5 * safe_b)
    relative = xp.where(near, safe_a - safe_b, zero) / denominator
    # Far from a = b, the smaller is divided by the larger: the gradient of u / v
    # passes through (u / v) / v, which overflows for a large quotient and a small v.
    a_smaller = safe_a <= denominator
    quotient = xp.where(a_smaller, safe_a, denominator) / xp.where(a_smaller, denominator, safe_a)
    far = xp.where(a_smaller, xp.log(quotient), -xp.log(quotient))
    direct = xp.where(near, xp.log1p(relative), far)
    if bool(xp.all(ordinary)):  # the usual case: no subnormal b, no need for the split logs
        return xp.where(both, direct, zero)
    split = xp.log(safe_a) - xp.log(safe_b)
    return xp.where(both, xp.where(ordinary, direct, split), zero)


# --------------------------------------------------------------------------- entropies


def entropy(p: Any, base: float | None = None, axis: int = -1) -> Any:
    r"""Shannon entropy of a discrete distribution.

    .. math::

        H(P) = -\sum_x P(x) \log P(x), \qquad 0 \log 0 = 0

    Parameters
    ----------
    p : array_like
        Probabilities: non-negative, summing to 1 along ``axis``.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.
    axis : int, default -1
        Axis holding the outcomes; the others are a batch.

    Returns
    -------
    array
        :math:`0 \le H \le \log n`; 0 exactly for a certain outcome such as ``[1, 0]``.

    Raises
    ------
    ProbabilityError
        If ``p`` is negative, NaN, infinite or does not sum to 1.
    EmptyInputError, ShapeError
        If ``p`` is empty or a scalar, or ``axis`` is out of range.

    Examples
    --------
    >>> round(float(entropy([0.5, 0.5])), 4)  # a fair coin: ln 2 nats
    0.6931
    >>> round(float(entropy([0.9, 0.1], base=2)), 4)  # a biased coin, in bits
    0.469
    """
    scale = _log_of_base(base)
    xp, p = as_arrays(p, names=("p",))
    _check_distribution(p, "p", xp, axis)
    return _finish(-xp.sum(xlogy(p, p, xp), axis=axis), scale, xp)


def binary_entropy(p: Any, base: float | None = None) -> Any:
    r"""Entropy of a coin that lands heads with probability ``p``, elementwise.

    .. math::

        H_b(p) = -p \log p - (1 - p) \log (1 - p)

    Parameters
    ----------
    p : array_like
        Probabilities of heads, each in [0, 1]; any shape.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    array
        Same shape as ``p``; 0 at ``p = 0`` and ``p = 1``, :math:`\log 2` at ``p = 0.5``.

    Raises
    ------
    EmptyInputError
        If ``p`` is empty.
    NonFiniteError, ValidationError
        If ``p`` holds NaN/infinity or lies outside [0, 1].

    Examples
    --------
    >>> [round(float(h), 4) for h in binary_entropy([0.0, 0.5, 0.9], base=2)]
    [0.0, 1.0, 0.469]
    """
    scale = _log_of_base(base)
    xp, p = as_arrays(p, names=("p",))
    check_nonempty(p, "p")
    check_finite(p, "p", xp)
    check_in_range(p, "p", 0.0, 1.0, xp)
    # log1p(-p) is accurate for small p; p = 1 is masked so log1p(-1) is never taken.
    below_one = xp.where(p < 1, p, xp.zeros_like(p))
    tails = (1 - p) * xp.log1p(-below_one)
    return _finish(-xlogy(p, p, xp) - tails, scale, xp)


def joint_entropy(joint: Any, base: float | None = None) -> Any:
    r"""Entropy of a joint distribution given as a table over all its elements.

    .. math::

        H(X, Y) = -\sum_{x, y} P(x, y) \log P(x, y)

    Parameters
    ----------
    joint : array_like
        Joint probability table of any number of dimensions (one per variable),
        non-negative and summing to 1 over all elements.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    array
        A 0-d array, :math:`\ge 0`.

    Raises
    ------
    ProbabilityError, EmptyInputError
        If ``joint`` is not a probability table or is empty.

    Examples
    --------
    >>> round(float(joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)), 4)
    2.0
    """
    scale = _log_of_base(base)
    xp, joint = as_arrays(joint, names=("joint",))
    check_probability(joint, "joint", xp, axis=None)
    return _finish(-xp.sum(xlogy(joint, joint, xp)), scale, xp)


def conditional_entropy(joint: Any, given_axis: int, base: float | None = None) -> Any:
    r"""Entropy of the other variables once the variable on ``given_axis`` is known.

    .. math::

        H(Y \mid X) = -\sum_{x, y} P(x, y) \log \frac{P(x, y)}{P(x)} = H(X, Y) - H(X)

    Parameters
    ----------
    joint : array_like
        Joint probability table with at least two dimensions, summing to 1.
    given_axis : int
        The axis of the conditioning variable :math:`X`.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    array
        A 0-d array, :math:`0 \le H(Y \mid X) \le H(Y)`. Rows with
        :math:`P(x) = 0` contribute nothing.

    Raises
    ------
    ShapeError
        If ``joint`` has fewer than two dimensions or ``given_axis`` is out of range.
    ProbabilityError, EmptyInputError
        If ``joint`` is not a probability table or is empty.

    Examples
    --------
    >>> table = [[0.5, 0.0], [0.25, 0.25]]  # X = row, Y = column
    >>> round(float(conditional_entropy(table, given_axis=0, base=2)), 4)
    0.5
    """
    scale = _log_of_base(base)
    xp, joint = as_arrays(joint, names=("joint",))
    if joint.ndim < 2:
        raise ShapeError(
            f"joint must have at least 2 dimensions (one per variable), got {joint.ndim}"
        )
    given = normalize_axis(given_axis, joint.ndim, "given_axis")
    check_probability(joint, "joint", xp, axis=None)
    other_axes = tuple(i for i in range(joint.ndim) if i != given)
    marginal = xp.sum(joint, axis=other_axes, keepdims=True)
    # P(y | x) <= 1 exactly, so every term is <= 0; rows with P(x) = 0 are all zeros.
    conditional = joint / xp.where(marginal > 0, marginal, xp.ones_like(marginal))
    return _finish(-xp.sum(xlogy(joint, conditional, xp)), scale, xp)


# --------------------------------------------------------------------------- dependence


def mutual_information(joint: Any, base: float | None = None) -> Any:
    r"""Mutual information of two discrete variables from their joint table.

    .. math::

        I(X; Y) = \sum_{x, y} P(x, y) \log \frac{P(x, y)}{P(x) P(y)}
                = H(X) + H(Y) - H(X, Y)

    It is the KL divergence of the joint from the product of its marginals, so it
    is 0 exactly when the variables are independent. Computed from
    :math:`P(y \mid x) / P(y)` rather than the difference of entropies, which
    keeps small values accurate; round-off below 0 is clipped to 0.

    Parameters
    ----------
    joint : array_like
        2-D table, ``joint[i, j] = P(X = i, Y = j)``, summing to 1.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.

    Returns
    -------
    array
        A 0-d array, :math:`0 \le I(X;Y) \le \min(H(X), H(Y))`.

    Raises
    ------
    ShapeError
        If ``joint`` is not 2-D.
    ProbabilityError, EmptyInputError
        If ``joint`` is not a probability table or is empty.

    Examples
    --------
    >>> round(float(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)), 4)  # X = Y
    1.0
    >>> abs(float(mutual_information([[0.12, 0.28], [0.18, 0.42]]))) < 1e-15  # independent
    True
    """
    scale = _log_of_base(base)
    xp, joint = as_arrays(joint, names=("joint",))
    if joint.ndim != 2:
        raise ShapeError(f"joint must be a 2-D table P(X, Y), got {joint.ndim} dimension(s)")
    check_probability(joint, "joint", xp, axis=None)
    p_x = xp.sum(joint, axis=1, keepdims=True)
    p_y = xp.sum(joint, axis=0, keepdims=True)
    y_given_x = joint / xp.where(p_x > 0, p_x, xp.ones_like(p_x))
    return _finish(xp.sum(joint * _log_ratio(y_given_x, p_y, xp)), scale, xp)


def _check_assignment(values: Any, name: str, xp: Any) -> None:
    if values.ndim != 1:
        raise ShapeError(
            f"{name} must be 1-D with one entry per sample, got shape {tuple(values.shape)}"
        )
    check_nonempty(values, name)
    check_finite(values, name, xp)
    fractional = values[values != xp.round(values)]
    if fractional.shape[0] > 0:
        raise ValidationError(f"{name} must hold integers, got {float(fractional[0]):.6g}")


def information_gain(labels: Any, groups: Any, base: float | None = None) -> Any:
    r"""Information gain of splitting labelled samples into groups (a decision-tree split).

    .. math::

        IG(Y, G) = H(Y) - \sum_{g} \frac{n_g}{n} H(Y \mid G = g)

    The entropy of the parent's class labels minus the size-weighted entropy of
    the labels inside each child group. It equals the mutual information between
    the label and the group of a sample drawn from the data set.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class label of each sample.
    groups : array_like of int or bool, shape (n,)
        Child group of each sample, e.g. ``x <= threshold`` for a binary split or
        a category code for a multiway split. Giving one group per sample makes
        the groups a partition of the samples by construction.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits (as in ID3/C4.5).

    Returns
    -------
    array
        A 0-d array, :math:`0 \le IG \le H(Y)`; 0 when every group has the parent's
        class mix, :math:`H(Y)` when every group is pure.

    Raises
    ------
    ShapeError, EmptyInputError
        If ``labels`` or ``groups`` is not 1-D, is empty, or their lengths differ.
    ValidationError, NonFiniteError
        If a label or group is not an integer.

    Examples
    --------
    >>> labels = [1, 1, 1, 0, 0, 0]
    >>> round(float(information_gain(labels, [0, 0, 0, 1, 1, 1], base=2)), 4)  # pure
    1.0
    >>> round(float(information_gain(labels, [0, 1, 0, 1, 0, 1], base=2)), 4)
    0.0817
    """
    scale = _log_of_base(base)
    xp, labels, groups = as_arrays(labels, groups, names=("labels", "groups"))
    _check_assignment(labels, "labels", xp)
    _check_assignment(groups, "groups", xp)
    check_same_shape(labels, groups, "labels", "groups")
    n = float(labels.shape[0])
    label_onehot = xp.expand_dims(labels, axis=1) == xp.unique_values(labels)
    group_onehot = xp.expand_dims(groups, axis=1) == xp.unique_values(groups)
    counts = xp.matmul(  # counts[g, c]: samples of class c in group g
        xp.permute_dims(xp.astype(group_onehot, labels.dtype), (1, 0)),
        xp.astype(label_onehot, labels.dtype),
    )
    group_sizes = xp.sum(counts, axis=1, keepdims=True)  # every group is non-empty
    parent = xp.sum(counts, axis=0) / n
    within = counts / group_sizes
    parent_entropy = -xp.sum(xlogy(parent, parent, xp))
    child_entropy = -xp.sum(group_sizes / n * xlogy(within, within, xp))
    return _finish(parent_entropy - child_entropy, scale, xp)
