r"""Layer 1: the softmax, which turns a vector of scores into probabilities, and its log.

Both are shift-invariant, so they are computed from :math:`x - \max_j x_j`:
every exponent is at most 0 and nothing overflows. The log-softmax is formed
without the softmax, so it is exact where the probabilities underflow to 0.
Array-API generic, float32 kept; re-exported by :mod:`mlequations.activations`.
"""

from __future__ import annotations

import math
from typing import Any

from mlequations._array import NonFiniteError, ShapeError, as_arrays
from mlequations._checks import check_nonempty, normalize_axis

__all__ = ["log_softmax", "softmax"]


def _shifted_scores(x: Any, axis: int) -> tuple[Any, Any, int]:
    """Validate softmax input and return ``(xp, x - m, axis)``, ``m`` the largest score.

    ``x`` must be a non-empty array without ``+inf`` and with a score above
    ``-inf`` in every slice along ``axis``; NaN propagates to its slice.

    The difference of two finite scores can exceed the largest float
    (``-1.7e308 - 1.7e308``). Halving both sides is exact, so
    ``x / 2 - m / 2 < -max / 2`` tells exactly where ``x - m`` would overflow;
    those entries get ``-inf`` (their exponential is 0) without computing the
    overflowing difference. The checks work on the per-slice maxima, so clean
    input costs two passes over ``x`` (its maximum and its minimum) beyond the
    subtraction.
    """
    xp, x = as_arrays(x, names=("x",))
    if x.ndim == 0:
        raise ShapeError("x must have at least one dimension (a vector of scores), got a scalar")
    check_nonempty(x, "x")
    axis = normalize_axis(axis, x.ndim)
    largest = xp.max(x, axis=axis, keepdims=True)
    if bool(xp.any(xp.isnan(largest))):  # NaN slices: take the maximum of the other entries
        ignoring_nan = xp.where(xp.isnan(x), xp.full_like(x, -math.inf), x)
        largest = xp.max(ignoring_nan, axis=axis, keepdims=True)
    if bool(xp.any(largest == math.inf)):
        raise NonFiniteError(
            "x must not contain +inf: the softmax of an infinite score is undefined"
        )
    if bool(xp.any(largest == -math.inf)) and bool(xp.any(xp.all(x == -math.inf, axis=axis))):
        raise NonFiniteError(f"x must have a score above -inf in every slice along axis {axis}")
    m = xp.where(xp.isinf(largest), xp.zeros_like(largest), largest)
    half_max = 0.5 * float(xp.finfo(x.dtype).max)
    smallest = xp.min(x)
    if bool(xp.all(xp.abs(m) < half_max)) and not bool(smallest <= -half_max):
        return xp, x - m, axis  # every finite score within ±max/2: no overflow possible
    beyond = (x / 2 - m / 2) < -half_max
    difference = xp.where(beyond, m, x) - m
    return xp, xp.where(beyond, xp.full_like(difference, -math.inf), difference), axis


def softmax(x: Any, axis: int = -1) -> Any:
    r"""Turn scores into probabilities: :math:`e^{x_i} / \sum_j e^{x_j}` along ``axis``.

    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}
        = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    Subtracting the maximum changes nothing mathematically (softmax is
    shift-invariant) but keeps every exponent <= 0, so large scores do not
    overflow: ``softmax([1000, 1000]) = [0.5, 0.5]``. Where the gap
    :math:`x_i - m` itself lies beyond the largest float (``[-1.7e308, 1.7e308]``)
    it is taken as ``-inf``, giving probability 0 without an overflow warning.

    Parameters
    ----------
    x : array_like
        Scores (logits). ``-inf`` is allowed (a masked entry gets probability 0)
        as long as every slice has a larger score; NaN propagates to its slice.
    axis : int, default -1
        The axis along which the probabilities sum to 1.

    Returns
    -------
    array, same shape and dtype as ``x``

    Raises
    ------
    EmptyInputError
        If ``x`` is empty.
    NonFiniteError
        If ``x`` contains ``+inf`` or a slice that is all ``-inf``.

    Examples
    --------
    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> softmax([1000.0, 1000.0]).tolist()
    [0.5, 0.5]
    >>> softmax([-1.7e308, 1.7e308]).tolist()
    [0.0, 1.0]
    """
    xp, shifted, axis = _shifted_scores(x, axis)
    exponentials = xp.exp(shifted)
    return exponentials / xp.sum(exponentials, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    r"""The logarithm of the softmax, computed without forming the softmax.

    .. math::

        \log \operatorname{softmax}(x)_i = x_i - m - \log \sum_j e^{x_j - m},
        \qquad m = \max_j x_j

    This log-sum-exp form stays finite where ``log(softmax(x))`` would give
    ``log(0) = -inf`` (e.g. ``log_softmax([0, -1000])[1] = -1000``).

    Parameters
    ----------
    x : array_like
        Scores; the same rules as :func:`softmax`.
    axis : int, default -1

    Returns
    -------
    array, same shape and dtype as ``x``
        Values <= 0; ``-inf`` where ``x`` is ``-inf`` or so far below the
        largest score that the true value is below the most negative float.

    Raises
    ------
    EmptyInputError, NonFiniteError
        As :func:`softmax`.

    Examples
    --------
    >>> log_softmax([1.0, 2.0, 3.0]).round(4)
    array([-2.4076, -1.4076, -0.4076])
    """
    xp, shifted, axis = _shifted_scores(x, axis)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
