r"""Per-example losses of hard prediction, and the margin losses of binary classification.

A hard predictor guesses :math:`\hat t`; its loss :math:`\ell(t, \hat t)` is the
quadratic loss for numbers and the zero-one (detection-error) loss for labels.
A linear or neural classifier of labels :math:`t \in \{0, 1\}` outputs a score
:math:`s = \theta^\top u(x)`; with :math:`t^\pm = 2t - 1` the *classification
margin* :math:`y = t^\pm s` is positive exactly when the sign of the score is
right. The detection-error loss is then :math:`\mathbb{1}(y \le 0)`, which has
no useful gradient, so training minimises a smooth or convex surrogate of the
margin instead: exponential, hinge, hinge-at-zero (the perceptron's) or
logistic loss.

Every function here returns one loss per example by default
(``reduction="none"``); ``reduction="mean"`` gives the training loss (empirical
risk) and ``"sum"`` the total. An empty input raises
:class:`~mlequations.EmptyInputError` whatever the reduction. Inputs may be
NumPy or any array-API arrays.
"""

from __future__ import annotations

import math
from typing import Any

from mlequations._array import NonFiniteError, ValidationError, as_arrays, native
from mlequations._checks import check_nonempty, check_same_shape
from mlequations.losses import (
    Reduction,
    _paired,
    _prepare_reduction,
    _reduce,
)

__all__ = [
    "classification_margin",
    "detection_error_loss",
    "exponential_loss",
    "hinge_at_zero_loss",
    "hinge_loss",
    "logistic_loss",
    "quadratic_loss",
    "zero_one_loss",
]


# --------------------------------------------------------------------------- hard predictions


def quadratic_loss(
    t: Any, t_hat: Any, *, reduction: Reduction = "none", axis: int | None = None
) -> Any:
    r"""Quadratic (squared-error) loss of a hard prediction :math:`\hat t` of :math:`t`.

    .. math::

        \ell(t, \hat t) = (t - \hat t)^2

    This is the case :math:`k = 2` of :math:`\lvert t - \hat t \rvert^k`. It returns
    one loss per example by default; ``reduction="mean"`` gives the training
    loss, which is :func:`~mlequations.losses.mean_squared_error`.

    Parameters
    ----------
    t, t_hat : array_like
        Targets and hard predictions of the same shape, finite.
    reduction : {"none", "mean", "sum"}
        Per example (default), average or total.
    axis : int, optional
        Axis to reduce along (all elements when ``None``).

    Raises
    ------
    ShapeError, EmptyInputError, NonFiniteError
        As in :func:`~mlequations.losses.mean_squared_error`.

    Examples
    --------
    >>> quadratic_loss([0.0, 1.0, 2.0], [2.0, 2.0, 2.0])
    array([4., 1., 0.])
    """
    xp, t, t_hat, axis = _paired(t, t_hat, reduction, axis, names=("t", "t_hat"))
    difference = t - t_hat
    return _reduce(difference * difference, xp, reduction, axis)


def zero_one_loss(
    t: Any, t_hat: Any, *, reduction: Reduction = "none", axis: int | None = None
) -> Any:
    r"""Zero-one (detection-error) loss: 1 for a wrong hard prediction, 0 for a right one.

    .. math::

        \ell(t, \hat t) = \mathbb{1}(t \neq \hat t)

    Labels may be any numbers (binary or multi-class). One loss per example
    by default; ``reduction="mean"`` gives the error rate, scikit-learn's
    ``zero_one_loss``.

    Parameters
    ----------
    t, t_hat : array_like
        True and predicted labels of the same shape, finite.
    reduction : {"none", "mean", "sum"}
        Per example (default), error rate or number of errors.
    axis : int, optional
        Axis to reduce along (all elements when ``None``).

    Raises
    ------
    ShapeError, EmptyInputError, NonFiniteError
        As in :func:`~mlequations.losses.mean_squared_error` (NaN labels would never compare equal).

    Examples
    --------
    >>> zero_one_loss([1, 0, 1, 1], [1, 1, 1, 0])
    array([0., 1., 0., 1.])
    >>> float(zero_one_loss([1, 0, 1, 1], [1, 1, 1, 0], reduction="mean"))
    0.5
    """
    xp, t, t_hat, axis = _paired(t, t_hat, reduction, axis, names=("t", "t_hat"))
    return _reduce(xp.astype(t != t_hat, t_hat.dtype), xp, reduction, axis)


# --------------------------------------------------------------------------- margins


def classification_margin(t: Any, score: Any) -> Any:
    r"""The classification margin of a score for a label :math:`t \in \{0, 1\}`.

    .. math::

        y = t^{\pm} s, \qquad t^{\pm} = 2t - 1 \in \{-1, +1\}

    The margin is positive when the score has the sign of the label (a correct
    decision), negative when it is wrong, and its size says how confidently.

    Parameters
    ----------
    t : array_like
        Labels in {0, 1}.
    score : array_like
        Scores (logits, :math:`\theta^\top u(x)`) of the same shape; NaN is
        rejected, infinities give infinite margins.

    Returns
    -------
    array
        The margins, elementwise.

    Raises
    ------
    ValidationError
        If a label is not 0 or 1.
    ShapeError
        If the shapes differ.
    EmptyInputError
        If there are no examples.
    NonFiniteError
        If a score is NaN.

    Examples
    --------
    >>> classification_margin([0, 1], [-2.0, -2.1])
    array([ 2. , -2.1])
    """
    xp, t, score = as_arrays(t, score, names=("t", "score"))
    check_same_shape(t, score, "t", "score")
    check_nonempty(score, "score")
    is_label = (t == 0) | (t == 1)
    if not bool(xp.all(is_label)):
        bad = float(xp.max(xp.where(is_label, xp.full_like(t, -math.inf), t)))
        hint = ""
        if bool(xp.all(is_label | (t == -1))):
            hint = " (map labels in {-1, +1} to {0, 1} with (t + 1) / 2)"
        raise ValidationError(f"t must hold labels in {{0, 1}}, got {bad:g}{hint}")
    if bool(xp.any(xp.isnan(score))):
        raise NonFiniteError("score must not hold NaN, got NaN")
    return native(xp, (2.0 * t - 1.0) * score)


def _margins(margin: Any, reduction: str, axis: int | None):
    """Convert and check margins; return ``xp, margins, axis``. Infinite margins are allowed."""
    xp, m = as_arrays(margin, names=("margin",))
    axis = _prepare_reduction(reduction, axis, m, "margin")
    if bool(xp.any(xp.isnan(m))):
        raise NonFiniteError("margin must not hold NaN, got NaN")
    return xp, m, axis


def detection_error_loss(
    margin: Any, *, reduction: Reduction = "none", axis: int | None = None
) -> Any:
    r"""Detection-error (zero-one) loss as a function of the classification margin.

    .. math::

        \ell(y) = \mathbb{1}(y \le 0) = \operatorname{step}(-y)

    At :math:`y = 0` the score lies on the decision boundary and the loss is
    **1**: a tie is not counted as a correct decision. With this convention the
    exponential loss, the hinge loss and the logistic loss divided by
    :math:`\ln 2` are upper bounds of this loss for every margin.

    Parameters
    ----------
    margin : array_like
        Classification margins :math:`y` (see :func:`classification_margin`);
        infinities are allowed, NaN is not.
    reduction : {"none", "mean", "sum"}
        Per example (default), error rate or number of errors.
    axis : int, optional
        Axis to reduce along (all elements when ``None``).

    Raises
    ------
    NonFiniteError
        If a margin is NaN.
    EmptyInputError
        If ``margin`` is empty (for every reduction).

    Examples
    --------
    >>> detection_error_loss([-0.5, 0.0, 2.0])
    array([1., 1., 0.])
    """
    xp, m, axis = _margins(margin, reduction, axis)
    return _reduce(xp.astype(m <= 0, m.dtype), xp, reduction, axis)


def exponential_loss(margin: Any, *, reduction: Reduction = "none", axis: int | None = None) -> Any:
    r"""Exponential loss of the classification margin (the loss AdaBoost minimises).

    .. math::

        \ell(y) = e^{-y}

    It equals 1 at :math:`y = 0` and bounds the detection-error loss from above.
    A margin so negative that :math:`e^{-y}` exceeds the largest float of the
    dtype gives ``+inf``, without an overflow warning.

    Parameters, reductions and errors are those of :func:`detection_error_loss`.

    Examples
    --------
    >>> exponential_loss([0.0, 2.0])
    array([1.        , 0.13533528])
    """
    xp, m, axis = _margins(margin, reduction, axis)
    limit = math.log(float(xp.finfo(m.dtype).max))
    overflow = -m >= limit
    safe = xp.where(overflow, xp.zeros_like(m), -m)
    losses = xp.where(overflow, xp.full_like(m, math.inf), xp.exp(safe))
    return _reduce(losses, xp, reduction, axis)


def hinge_loss(margin: Any, *, reduction: Reduction = "none", axis: int | None = None) -> Any:
    r"""Hinge loss of the classification margin (the loss of support vector machines).

    .. math::

        \ell(y) = \max(0, 1 - y)

    It is zero only for margins of at least 1, so it keeps pushing correct but
    unconfident decisions away from the boundary. Its mean over examples with
    :math:`y = t^\pm s` is scikit-learn's ``hinge_loss(t_pm, s)``.

    Parameters, reductions and errors are those of :func:`detection_error_loss`.

    Examples
    --------
    >>> hinge_loss([2.0, 0.5, -1.0])
    array([0. , 0.5, 2. ])
    """
    xp, m, axis = _margins(margin, reduction, axis)
    return _reduce(xp.maximum(1.0 - m, xp.zeros_like(m)), xp, reduction, axis)


def hinge_at_zero_loss(
    margin: Any, *, reduction: Reduction = "none", axis: int | None = None
) -> Any:
    r"""Hinge-at-zero loss of the classification margin (the perceptron's loss).

    .. math::

        \ell(y) = \max(0, -y)

    Correct decisions cost nothing however small their margin; a wrong one costs
    its distance past the boundary, and its gradient :math:`-t^\pm u(x)` is the
    perceptron's update. It is the hinge loss shifted by one:
    :math:`\max(0, -y) = \max(0, 1 - (y + 1))`.

    Parameters, reductions and errors are those of :func:`detection_error_loss`.

    Examples
    --------
    >>> hinge_at_zero_loss([-2.1, 0.0, 1.5])
    array([2.1, 0. , 0. ])
    """
    xp, m, axis = _margins(margin, reduction, axis)
    return _reduce(xp.maximum(-m, xp.zeros_like(m)), xp, reduction, axis)


def logistic_loss(margin: Any, *, reduction: Reduction = "none", axis: int | None = None) -> Any:
    r"""Logistic loss of the classification margin (the log loss of logistic regression).

    .. math::

        \ell(y) = \log\left(1 + e^{-y}\right)

    It is computed as :math:`\operatorname{logaddexp}(0, -y)
    = \max(0, -y) + \log(1 + e^{-|y|})`, so huge margins of either sign are
    exact. :math:`\ell(0) = \ln 2`, and :math:`\ell(y) / \ln 2` bounds the
    detection-error loss from above. With :math:`y = (2t - 1) z` it equals the
    binary cross-entropy of the label :math:`t` under the logit :math:`z`, and
    its mean is PyTorch's ``soft_margin_loss``.

    Parameters, reductions and errors are those of :func:`detection_error_loss`.

    Examples
    --------
    >>> logistic_loss([0.0, 2.0, -1e4])
    array([6.93147181e-01, 1.26928011e-01, 1.00000000e+04])
    """
    xp, m, axis = _margins(margin, reduction, axis)
    return _reduce(xp.logaddexp(xp.zeros_like(m), -m), xp, reduction, axis)
