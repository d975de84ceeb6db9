r"""K-fold cross-validation: the guide's estimate of the population loss from one data set.

The data set :math:`\mathcal D` is cut into :math:`K` folds
:math:`\mathcal D_1, \dots, \mathcal D_K`; fold :math:`k` validates the
predictor trained on the other :math:`K - 1` folds,
:math:`\mathcal D_{-k} = \mathcal D \setminus \mathcal D_k`, and the estimate is
the mean of the :math:`K` validation losses:

.. math::

    \hat L_p = \frac{1}{K} \sum_{k=1}^{K} L_{\mathcal D_k}\bigl(\theta_{\mathcal D_{-k}}\bigr)

Every sample validates exactly once, and no predictor is scored on data it
was trained on.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing, check_consistent_length

from mlequations._array import ValidationError
from mlequations._checks import check_integer
from mlequations.model_selection._losses import Loss, resolve_loss

__all__ = ["cross_validation_loss"]


@overload
def cross_validation_loss(
    estimator: Any,
    X: Any,
    y: Any,
    k: int = ...,
    loss: Loss = ...,
    *,
    shuffle: bool = ...,
    random_state: int | None = ...,
    return_fold_losses: Literal[False] = ...,
) -> float: ...


@overload
def cross_validation_loss(
    estimator: Any,
    X: Any,
    y: Any,
    k: int = ...,
    loss: Loss = ...,
    *,
    shuffle: bool = ...,
    random_state: int | None = ...,
    return_fold_losses: Literal[True],
) -> tuple[float, np.ndarray]: ...


def cross_validation_loss(
    estimator: Any,
    X: Any,
    y: Any,
    k: int = 5,
    loss: Loss = "squared",
    *,
    shuffle: bool = False,
    random_state: int | None = None,
    return_fold_losses: bool = False,
) -> float | tuple[float, np.ndarray]:
    r"""Estimate the population loss by K-fold cross-validation.

    .. math::

        \hat L_p = \frac{1}{K} \sum_{k=1}^{K} L_{\mathcal D_k}\bigl(\theta_{\mathcal D_{-k}}\bigr)

    Each fold's predictor is a fresh clone of ``estimator`` (``sklearn.base.clone``)
    fitted on the other folds; the folds come from scikit-learn's ``KFold``.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Left unfitted and unchanged.
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    k : int
        Number of folds :math:`K`, from 2 to ``n_samples`` (``k = n_samples`` is
        leave-one-out).
    loss : {"squared", "absolute", "zero_one", "log"} or callable
        :math:`\ell`; a callable ``loss(t, t_hat)`` gets a fold's targets and
        predictions and returns their mean loss (see
        :mod:`mlequations.model_selection`).
    shuffle : bool
        Shuffle the samples before cutting the folds (otherwise the folds are
        consecutive blocks, as in ``KFold``).
    random_state : int or None
        Seed of the shuffle; only used when ``shuffle`` is true.
    return_fold_losses : bool
        Also return the :math:`K` losses :math:`L_{\mathcal D_k}`.

    Returns
    -------
    float
        :math:`\hat L_p`.
    ndarray, shape (k,)
        The per-fold losses, when ``return_fold_losses`` is true.

    Raises
    ------
    ValidationError
        ``k`` below 2 or above the number of samples, an unknown loss name, or
        ``X`` and ``y`` of different lengths.

    Examples
    --------
    A straight line through points on a line has no validation error:

    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(6.0).reshape(-1, 1)
    >>> round(cross_validation_loss(LinearRegression(), X, 2 * X[:, 0] + 1, k=3), 12)
    0.0
    >>> mean, folds = cross_validation_loss(
    ...     LinearRegression(), X, X[:, 0] ** 2, k=3, return_fold_losses=True
    ... )
    >>> folds.round(6), bool(np.isclose(mean, folds.mean()))
    (array([73., 16., 73.]), True)
    """
    k = check_integer(k, "k", 2)
    try:
        check_consistent_length(X, y)
    except ValueError as error:
        raise ValidationError(f"X and y must have the same number of samples: {error}") from None
    n_samples = len(y)
    if k > n_samples:
        raise ValidationError(f"k must be at most the number of samples {n_samples}, got {k}")
    evaluate = resolve_loss(loss)
    folds = KFold(n_splits=k, shuffle=shuffle, random_state=random_state if shuffle else None)
    fold_losses = []
    for train, validation in folds.split(X, y):
        model = clone(estimator).fit(_safe_indexing(X, train), _safe_indexing(y, train))
        fold_losses.append(
            evaluate(model, _safe_indexing(X, validation), _safe_indexing(y, validation))
        )
    losses = np.asarray(fold_losses, dtype=float)
    mean = float(np.mean(losses))
    return (mean, losses) if return_fold_losses else mean
