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
from typing import Any, Literal

from mlequations._array import (
    PROBABILITY_ATOL,
    ShapeError,
    ValidationError,
    as_arrays,
    check_finite,
    check_in_range,
    check_nonempty,
    check_probability,
    check_same_shape,
    native,
    normalize_axis,
    xlogy,
)

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
    """Validate ``reduction`` and ``axis``; a mean needs at least one element."""
    if reduction not in _REDUCTIONS:
        raise ValidationError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if reduction == "mean":
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
        If the inputs are empty and ``reduction="mean"``.
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
    y_true: Any,
    y_pred: Any,
    *,
    from_logits: bool = False,
    reduction: Reduction = "mean",
    axis: int | None = None,
) -> Any:
    r"""Binary cross-entropy (log loss) of labels ``y_true`` under probabilities ``y_pred``.

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
    y_true : array_like
        Labels in {0, 1}; soft targets in [0, 1] are accepted too.
    y_pred : array_like
        Predicted probabilities of class 1 in [0, 1], or logits (any finite
        number) when ``from_logits`` is true. Same shape as ``y_true``.
    from_logits : bool
        Whether ``y_pred`` holds logits instead of probabilities.
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
        If ``y_true`` or the probabilities lie outside [0, 1].
    ShapeError, EmptyInputError, NonFiniteError
        As in :func:`mean_squared_error`.

    Examples
    --------
    >>> round(float(binary_cross_entropy([1, 0, 1], [0.9, 0.1, 0.8])), 4)
    0.1446
    >>> float(binary_cross_entropy([1.0], [1e4], from_logits=True))
    0.0
    """
    xp, y_true, y_pred, axis = _paired(y_true, y_pred, reduction, axis)
    check_in_range(y_true, "y_true", 0, 1, xp)
    if from_logits:
        # max(z, 0) - z y is exact when y is 0 or 1; the log1p term never overflows.
        linear = xp.maximum(y_pred, xp.zeros_like(y_pred)) - y_pred * y_true
        losses = linear + xp.log1p(xp.exp(-xp.abs(y_pred)))
    else:
        check_in_range(y_pred, "y_pred", 0, 1, xp)
        # 0 - x rather than -x, so that a perfect prediction gives +0.0, not -0.0.
        losses = 0.0 - (xlogy(y_true, y_pred, xp) + _xlog1my(1.0 - y_true, y_pred, xp))
    return _reduce(losses, xp, reduction, axis)


def _one_hot(labels: Any, y_pred: Any, class_axis: int, xp: Any) -> Any:
    """Integer class labels as one-hot rows along ``class_axis`` of ``y_pred``."""
    classes = y_pred.shape[class_axis]
    check_finite(labels, "y_true", xp)
    valid = (labels == xp.round(labels)) & (labels >= 0) & (labels < classes)
    if not bool(xp.all(valid)):
        bad = xp.max(xp.where(valid, xp.full_like(labels, -math.inf), labels))
        raise ValidationError(
            f"y_true must hold integer class labels in [0, {classes}), got {float(bad):g}"
        )
    shape = [1] * y_pred.ndim
    shape[class_axis] = classes
    grid = xp.reshape(xp.arange(classes, dtype=labels.dtype), tuple(shape))
    return xp.astype(xp.expand_dims(labels, axis=class_axis) == grid, y_pred.dtype)


def _log_softmax(logits: Any, axis: int, xp: Any) -> Any:
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _class_targets(y_true: Any, y_pred: Any, class_axis: int, xp: Any) -> Any:
    """One-hot targets from labels, or the given soft targets after checking them."""
    without_class = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
    if tuple(y_true.shape) == without_class:
        return _one_hot(y_true, y_pred, class_axis, xp)
    if tuple(y_true.shape) == tuple(y_pred.shape):
        check_probability(
            y_true, "y_true", xp, axis=class_axis, atol=_sum_atol(y_pred, class_axis, xp)
        )
        return y_true
    raise ShapeError(
        f"y_true must have shape {without_class} (integer labels) or {tuple(y_pred.shape)} "
        f"(one-hot or soft targets), got {tuple(y_true.shape)}"
    )


def _sum_atol(y_pred: Any, class_axis: int, xp: Any) -> float:
    """Tolerance on a probability sum: the library default, or one ulp per class."""
    classes = int(y_pred.shape[class_axis])
    return max(PROBABILITY_ATOL, classes * float(xp.finfo(y_pred.dtype).eps))


def categorical_cross_entropy(
    y_true: Any,
    y_pred: Any,
    *,
    from_logits: bool = False,
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
    y_true : array_like
        Integer class labels in [0, C) with the shape of ``y_pred`` minus the
        class axis, or one-hot / soft targets of the shape of ``y_pred`` that
        sum to 1 along ``axis``.
    y_pred : array_like
        Class probabilities summing to 1 along ``axis`` (within ``1e-6`` or a
        few ulps per class), or logits when ``from_logits`` is true.
    from_logits : bool
        Whether ``y_pred`` holds logits.
    axis : int
        The class axis of ``y_pred`` (default: the last).
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
        If the shapes do not fit together or ``y_pred`` has no class axis.
    ValidationError
        Labels that are not integers in [0, C), targets or probabilities that
        are negative or do not sum to 1, NaN or infinite inputs, or an empty
        ``y_pred``.

    Examples
    --------
    >>> p = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    >>> round(float(categorical_cross_entropy([0, 1], p)), 4)
    0.2899
    >>> float(categorical_cross_entropy([1], [[1e4, -1e4]], from_logits=True))
    20000.0
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, names=("y_true", "y_pred"))
    if y_pred.ndim == 0:
        raise ShapeError("y_pred must have a class axis, got a scalar")
    class_axis = normalize_axis(axis, y_pred.ndim)
    _prepare_reduction(reduction, None, y_pred, "y_pred")
    check_nonempty(y_pred, "y_pred")
    check_finite(y_pred, "y_pred", xp)
    targets = _class_targets(y_true, y_pred, class_axis, xp)
    if from_logits:
        losses = 0.0 - xp.sum(targets * _log_softmax(y_pred, class_axis, xp), axis=class_axis)
    else:
        check_probability(
            y_pred, "y_pred", xp, axis=class_axis, atol=_sum_atol(y_pred, class_axis, xp)
        )
        losses = 0.0 - xp.sum(xlogy(targets, y_pred, xp), axis=class_axis)
    return _reduce(losses, xp, reduction, None)
