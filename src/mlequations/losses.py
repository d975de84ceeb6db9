r"""Loss functions over a data set: regression errors and cross-entropies.

Every function accepts NumPy arrays or any array-API array (PyTorch,
array-api-strict, ...) and returns the caller's kind; float32 stays float32.
Losses over a data set reduce like PyTorch's: ``reduction="mean"`` (the
empirical risk), ``"sum"`` or ``"none"`` (one loss per element or example).

The per-example losses of hard prediction (quadratic, zero-one) and the
margin losses of binary classification live in :mod:`mlequations.margin_losses`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal

from mlequations._array import ArrayTypeError, ShapeError, ValidationError, as_arrays, native, xlogy
from mlequations._checks import (
    check_class_labels,
    check_finite,
    check_in_range,
    check_nonempty,
    check_probability,
    check_same_shape,
    normalize_axis,
)
from mlequations.activations import log_softmax
from mlequations.distributions import one_hot

__all__ = [
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
]

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- shared helpers


def _prepare_reduction(reduction: str, axis: int | None, x: Any, name: str) -> int | None:
    """Validate ``reduction`` and ``axis``; every loss needs at least one element.

    An empty input is an error for every reduction: its mean is undefined, and the
    0 of an empty sum (or an empty array of losses) would hide a missing batch.
    """
    if reduction not in _REDUCTIONS:
        raise ValidationError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    check_nonempty(x, name)
    return None if axis is None else normalize_axis(axis, x.ndim)


def _reduce(losses: Any, xp: Any, reduction: str, axis: int | None) -> Any:
    if reduction == "sum":
        losses = xp.sum(losses, axis=axis)
    elif reduction == "mean":
        losses = xp.mean(losses, axis=axis)
    return native(xp, losses)


def _paired(
    a: Any, b: Any, reduction: str, axis: int | None, names: tuple[str, str] = ("y_true", "y_pred")
):
    """Convert and check a pair of same-shaped, finite arrays; return ``xp, a, b, axis``."""
    xp, a, b = as_arrays(a, b, names=names)
    check_same_shape(a, b, *names)
    axis = _prepare_reduction(reduction, axis, b, names[1])
    check_finite(a, names[0], xp)
    check_finite(b, names[1], xp)
    return xp, a, b, axis


def _xlog1my(x: Any, y: Any, xp: Any) -> Any:
    """``x * log(1 - y)``, 0 where ``x == 0``, else ``-inf`` where ``y == 1``; no warnings."""
    zero_x = x == 0
    one_y = (y == 1) & ~zero_x
    safe_y = xp.where(zero_x | one_y, xp.zeros_like(y), y)
    product = x * xp.log1p(-safe_y)
    product = xp.where(one_y, xp.full_like(product, -math.inf), product)
    return xp.where(zero_x, xp.zeros_like(product), product)


# --------------------------------------------------------------------------- regression


def mean_squared_error(
    y_true: Any, y_pred: Any, *, reduction: Reduction = "mean", axis: int | None = None
) -> Any:
    r"""Mean squared error between targets and predictions.

    .. math::

        \mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2

    Parameters
    ----------
    y_true, y_pred : array_like
        Targets and predictions of the same shape, finite.
    reduction : {"mean", "sum", "none"}
        Average (default), total, or the squared errors element by element.
    axis : int, optional
        Reduce along this axis only (e.g. ``axis=0`` gives one MSE per output
        column, like scikit-learn's ``multioutput="raw_values"``); ``None``
        reduces over every element, like PyTorch's ``mse_loss``.

    Returns
    -------
    array
        The loss, in the dtype and array library of the inputs.

    Raises
    ------
    ShapeError
        If the shapes differ.
    EmptyInputError
        If the inputs are empty (for every reduction).
    NonFiniteError
        If an input holds NaN or infinity.

    Examples
    --------
    >>> round(float(mean_squared_error([1, 2, 3], [1.1, 1.9, 3.2])), 4)
    0.02
    """
    xp, y_true, y_pred, axis = _paired(y_true, y_pred, reduction, axis)
    difference = y_true - y_pred
    return _reduce(difference * difference, xp, reduction, axis)


def mean_absolute_error(
    y_true: Any, y_pred: Any, *, reduction: Reduction = "mean", axis: int | None = None
) -> Any:
    r"""Mean absolute error between targets and predictions.

    .. math::

        \mathrm{MAE} = \frac{1}{n} \sum_{i=1}^{n} \lvert y_i - \hat y_i \rvert

    Parameters, reductions and errors are those of :func:`mean_squared_error`.

    Examples
    --------
    >>> round(float(mean_absolute_error([1, 2, 3], [1.1, 1.9, 3.2])), 4)
    0.1333
    """
    xp, y_true, y_pred, axis = _paired(y_true, y_pred, reduction, axis)
    return _reduce(xp.abs(y_true - y_pred), xp, reduction, axis)


mse = mean_squared_error
mae = mean_absolute_error


# --------------------------------------------------------------------------- cross-entropies


def binary_cross_entropy(
    y: Any,
    p: Any,
    from_logits: bool = False,
    *,
    reduction: Reduction = "mean",
    axis: int | None = None,
) -> Any:
    r"""Binary cross-entropy (log loss) of labels ``y`` under probabilities ``p``.

    .. math::

        \mathrm{BCE} = -\frac{1}{n} \sum_{i=1}^{n}
            \bigl[ y_i \log p_i + (1 - y_i) \log (1 - p_i) \bigr]

    With ``from_logits=True`` the predictions are logits :math:`z_i`
    (:math:`p_i = \sigma(z_i)`) and each term is computed in the stable
    softplus form :math:`\max(z_i, 0) - z_i y_i + \log(1 + e^{-|z_i|})`, which is
    exact at :math:`z = \pm 10^4`.

    Edge values: with probabilities the computation is exact, nothing is
    clipped. A term with :math:`y_i = 0` contributes :math:`0 \log 0 = 0`, so a
    certain and correct prediction (:math:`p_i = y_i \in \{0, 1\}`) costs 0, and
    a certain and wrong one (:math:`p_i = 1 - y_i`) costs ``+inf`` (no warning
    is raised). PyTorch instead clamps each log at -100 and scikit-learn clips
    :math:`p` to :math:`[\epsilon, 1 - \epsilon]`, so they differ from this exact
    value only there. Train on logits to stay finite.

    Parameters
    ----------
    y : array_like
        Labels in {0, 1}; soft targets in [0, 1] are accepted too.
    p : array_like
        Predicted probabilities of class 1 in [0, 1], or logits (any finite
        number) when ``from_logits`` is true. Same shape as ``y``.
    from_logits : bool, default False
        Whether ``p`` holds logits instead of probabilities (may be given as
        the third positional argument).
    reduction, axis
        As in :func:`mean_squared_error`.

    Returns
    -------
    array
        The loss; for the mean, scikit-learn's ``log_loss`` and PyTorch's
        ``binary_cross_entropy`` (``binary_cross_entropy_with_logits`` for logits).

    Raises
    ------
    ValidationError
        If ``y`` or the probabilities lie outside [0, 1].
    ArrayTypeError
        If ``from_logits`` is not True or False.
    ShapeError, EmptyInputError, NonFiniteError
        As in :func:`mean_squared_error`.

    Examples
    --------
    >>> round(float(binary_cross_entropy([1, 0, 1], [0.9, 0.1, 0.8])), 4)
    0.1446
    >>> float(binary_cross_entropy([1.0], [1e4], True))
    0.0
    """
    from_logits = _check_flag(from_logits, "from_logits")
    xp, y, p, axis = _paired(y, p, reduction, axis, names=("y", "p"))
    check_in_range(y, "y", 0, 1, xp)
    if from_logits:
        # max(z, 0) - z y is exact when y is 0 or 1; the log1p term never overflows.
        linear = xp.maximum(p, xp.zeros_like(p)) - p * y
        losses = linear + xp.log1p(xp.exp(-xp.abs(p)))
    else:
        check_in_range(p, "p", 0, 1, xp)
        # 0 - x rather than -x, so that a perfect prediction gives +0.0, not -0.0.
        losses = 0.0 - (xlogy(y, p, xp) + _xlog1my(1.0 - y, p, xp))
    return _reduce(losses, xp, reduction, axis)


def _one_hot(labels: Any, p: Any, class_axis: int, xp: Any) -> Any:
    """Integer class labels as one-hot rows along ``class_axis`` of ``p``."""
    classes = int(p.shape[class_axis])
    check_class_labels(labels, "y", classes, xp)
    return xp.astype(xp.moveaxis(one_hot(labels, classes), -1, class_axis), p.dtype)


def _class_targets(y: Any, p: Any, class_axis: int, xp: Any) -> Any:
    """One-hot targets from labels, or the given soft targets after checking them."""
    without_class = tuple(d for i, d in enumerate(p.shape) if i != class_axis)
    if tuple(y.shape) == without_class:
        return _one_hot(y, p, class_axis, xp)
    if tuple(y.shape) == tuple(p.shape):
        check_probability(y, "y", xp, axis=class_axis)
        return y
    raise ShapeError(
        f"y must have shape {without_class} (integer labels) or {tuple(p.shape)} "
        f"(one-hot or soft targets), got {tuple(y.shape)}"
    )


def _check_flag(value: Any, name: str) -> bool:
    """A yes/no option given positionally must really be one (not a misplaced argument).

    Python's and NumPy's booleans (both types are named ``bool``) and the integers 0
    and 1 are accepted; anything else (a reduction name, an array) is a mistake.
    """
    is_flag = type(value).__name__ == "bool" or (
        isinstance(value, numbers.Integral) and value in (0, 1)
    )
    if not is_flag:
        raise ArrayTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def categorical_cross_entropy(
    y: Any,
    p: Any,
    from_logits: bool = False,
    *,
    axis: int = -1,
    reduction: Reduction = "mean",
) -> Any:
    r"""Categorical cross-entropy of class targets under predicted class probabilities.

    .. math::

        \mathrm{CCE} = -\frac{1}{m} \sum_{i=1}^{m} \sum_{c=1}^{C} y_{ic} \log p_{ic}

    For integer labels :math:`t_i` this is :math:`-\frac{1}{m}\sum_i \log p_{i t_i}`.
    With ``from_logits=True`` the predictions are logits and
    :math:`\log p = \operatorname{log\,softmax}(z)` is computed after subtracting
    the row maximum, so logits of :math:`\pm 10^4` give exact, finite losses.

    Edge values (probabilities): :math:`0 \log 0 = 0`; a target class given
    probability 0 costs ``+inf`` without a warning.

    Parameters
    ----------
    y : array_like
        Integer class labels in [0, C) with the shape of ``p`` minus the
        class axis, or one-hot / soft targets of the shape of ``p`` that
        sum to 1 along ``axis``.
    p : array_like
        Class probabilities summing to 1 along ``axis`` (within ``1e-6`` or a
        few ulps per class), or logits when ``from_logits`` is true.
    from_logits : bool, default False
        Whether ``p`` holds logits (may be given as the third positional argument).
    axis : int
        The class axis of ``p`` (default: the last).
    reduction : {"mean", "sum", "none"}
        Over the examples (every position except the class axis).

    Returns
    -------
    array
        The loss; PyTorch's ``cross_entropy`` (logits) or ``nll_loss`` of the
        log-probabilities, and scikit-learn's ``log_loss`` for the mean.

    Raises
    ------
    ShapeError
        If the shapes do not fit together or ``p`` has no class axis.
    ValidationError
        Labels that are not integers in [0, C), targets or probabilities that
        are negative or do not sum to 1, NaN or infinite inputs, or an empty
        ``p`` (:class:`~mlequations.EmptyInputError`).
    ArrayTypeError
        If ``from_logits`` is not True or False.

    Examples
    --------
    >>> p = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    >>> round(float(categorical_cross_entropy([0, 1], p)), 4)
    0.2899
    >>> float(categorical_cross_entropy([1], [[1e4, -1e4]], True))
    20000.0
    """
    from_logits = _check_flag(from_logits, "from_logits")
    xp, y, p = as_arrays(y, p, names=("y", "p"))
    if p.ndim == 0:
        raise ShapeError("p must have a class axis, got a scalar")
    class_axis = normalize_axis(axis, p.ndim)
    _prepare_reduction(reduction, None, p, "p")
    check_finite(p, "p", xp)
    targets = _class_targets(y, p, class_axis, xp)
    if from_logits:
        log_p = log_softmax(p, axis=class_axis)
        # A logit so far below the largest that its log-probability is -inf (a gap beyond
        # the largest float) contributes 0 where its target is 0, not 0 * -inf = NaN.
        terms = targets * xp.where(targets == 0, xp.zeros_like(log_p), log_p)
        losses = 0.0 - xp.sum(terms, axis=class_axis)
    else:
        check_probability(p, "p", xp, axis=class_axis)
        losses = 0.0 - xp.sum(xlogy(targets, p, xp), axis=class_axis)
    return _reduce(losses, xp, reduction, None)
