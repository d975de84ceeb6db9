r"""Regularised least squares: ridge (squared L2 penalty) and lasso (L1 penalty).

The guide's regularised ERM adds a penalty :math:`R(\theta)` weighted by
:math:`\lambda / N` to the training loss:

.. math::

    \theta^{\mathrm{R\text{-}ERM}}_{\mathcal D} = \arg\min_\theta \left\{
        \frac{1}{N} \| t - X\theta \|^2 + \frac{\lambda}{N} R(\theta) \right\},

with :math:`R(\theta) = \|\theta\|_2^2` (ridge) or :math:`R(\theta) = \|\theta\|_1`
(LASSO, "least absolute shrinkage and selection operator"). The estimators take
scikit-learn's ``alpha``; each docstring says how it relates to :math:`\lambda`. The
intercept is never penalised: it is fitted by centring, as in scikit-learn.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import scipy.linalg
from scipy.linalg.lapack import get_lapack_funcs
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

from mlequations._checks import check_integer
from mlequations.models.coordinate_descent import lasso_coordinate_descent
from mlequations.models.linear_regression import (
    _center,
    _check_flag,
    _check_nonnegative,
    _check_positive,
    _least_squares,
    _LinearPredictorMixin,
    _validate_training_data,
)

__all__ = ["LassoRegression", "RidgeRegression"]


# --------------------------------------------------------------------------- ridge


def _ridge_solution(X: np.ndarray, t: np.ndarray, alpha: float) -> np.ndarray:
    r""":math:`\theta = (X^TX + \alpha I)^{-1} X^Tt` by a Cholesky solve.

    When :math:`X^TX + \alpha I` is ill-conditioned (reciprocal condition number below
    :math:`\sqrt\epsilon`, or not positive definite in floating point because
    :math:`\alpha` is tiny next to :math:`X^TX`), the Cholesky solution would lose too many
    digits; the same minimiser then comes from least squares on the augmented data
    :math:`[X; \sqrt\alpha I]`, :math:`[t; 0]`, whose condition number is the square root.
    """
    if alpha == 0.0:  # ordinary least squares, X^T X possibly singular
        return _least_squares(X, t)[0]
    gram = X.T @ X
    gram.flat[:: gram.shape[0] + 1] += alpha  # X^T X + alpha I, positive definite
    norm_1 = float(np.max(np.sum(np.abs(gram), axis=0)))
    try:
        factor = scipy.linalg.cho_factor(gram, overwrite_a=True, check_finite=False)
    except np.linalg.LinAlgError:
        return _augmented_least_squares(X, t, alpha)
    (condition_estimate,) = get_lapack_funcs(("pocon",), (factor[0],))
    reciprocal_condition, _ = condition_estimate(factor[0], norm_1, uplo="L" if factor[1] else "U")
    if reciprocal_condition < math.sqrt(np.finfo(X.dtype).eps):
        return _augmented_least_squares(X, t, alpha)
    return scipy.linalg.cho_solve(factor, X.T @ t, check_finite=False)


def _augmented_least_squares(X: np.ndarray, t: np.ndarray, alpha: float) -> np.ndarray:
    r"""Ridge as least squares: :math:`\|t - X\theta\|^2 + \alpha\|\theta\|^2
    = \|[t; 0] - [X; \sqrt\alpha I]\,\theta\|^2`."""
    n_features = X.shape[1]
    augmented = np.vstack([X, math.sqrt(alpha) * np.eye(n_features, dtype=X.dtype)])
    zeros = np.zeros(n_features, dtype=t.dtype)
    return _least_squares(augmented, np.concatenate([t, zeros]))[0]


class RidgeRegression(_LinearPredictorMixin, RegressorMixin, BaseEstimator):
    r"""Ridge regression: least squares with a squared L2 penalty, in closed form.

    Minimises scikit-learn's ridge objective

    .. math::

        \|t - X\theta - b\|^2 + \alpha \|\theta\|_2^2 ,
        \qquad
        \theta = (X^TX + \alpha I)^{-1} X^T t

    (:math:`X, t` centred when ``fit_intercept``; then :math:`b = \bar t - \bar x^T\theta`),
    solved by a Cholesky factorisation of :math:`X^TX + \alpha I`, never by an inverse.

    **The guide's** :math:`\lambda`. Its regularised training loss
    :math:`\frac{1}{N}\|t - X\theta\|^2 + \frac{\lambda}{N}\|\theta\|^2` is the objective
    above divided by :math:`N` with :math:`\alpha = \lambda`: the same minimiser, so
    ``alpha`` *is* the guide's :math:`\lambda` (and :math:`\lambda / N = \alpha / N`
    weighs the penalty against the mean squared error).

    ``alpha = 0`` is ordinary least squares, solved as
    :class:`~mlequations.models.linear_regression.LinearRegression` does (pseudo-inverse
    when :math:`X^TX` is singular).

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept :math:`b`; otherwise :math:`b = 0`.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
        :math:`\theta`.
    intercept_ : float
        :math:`b`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> t = np.array([1.0, 2.0, 3.0])
    >>> RidgeRegression(alpha=1.0, fit_intercept=False).fit(X, t).coef_.round(12)
    array([0.875, 1.375])

    By hand: :math:`X^TX + I = [[3, 1], [1, 3]]` and :math:`X^Tt = [4, 5]`, so
    :math:`\theta = \frac18 [3 \cdot 4 - 5, -4 + 3 \cdot 5] = [7/8, 11/8]`.
    """

    def __init__(self, alpha: float = 1.0, fit_intercept: bool = True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any) -> RidgeRegression:
        """Fit :math:`\\theta` and :math:`b` to the training data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        alpha = _check_nonnegative(self.alpha, "alpha")
        fit_intercept = _check_flag(self.fit_intercept, "fit_intercept")
        X, t = _validate_training_data(self, X, y)
        X, t, x_mean, t_mean = _center(X, t, fit_intercept)
        self.coef_ = _ridge_solution(X, t, alpha)
        self.intercept_ = t_mean - x_mean @ self.coef_
        return self


# --------------------------------------------------------------------------- lasso


class LassoRegression(_LinearPredictorMixin, RegressorMixin, BaseEstimator):
    r"""The lasso: least squares with an L1 penalty, by coordinate descent.

    Minimises scikit-learn's lasso objective

    .. math::

        \frac{1}{2N} \|t - X\theta - b\|^2 + \alpha \|\theta\|_1

    (the intercept :math:`b` unpenalised, fitted by centring). The objective is not
    differentiable where some :math:`\theta_j = 0`; minimised over one coordinate with
    the others fixed it has the closed form

    .. math::

        \theta_j \leftarrow \frac{S\!\left(x_j^T (r + \theta_j x_j),\; N\alpha\right)}
                                 {\|x_j\|^2},
        \qquad S(z, \gamma) = \operatorname{sign}(z) \max(|z| - \gamma, 0),

    with :math:`x_j` the :math:`j`-th column and :math:`r = t - X\theta` the residual
    (:mod:`~mlequations.models.coordinate_descent`). Coordinate descent sweeps
    :math:`j = 1, \dots, D` and keeps :math:`r` up to date. As in scikit-learn, after a
    sweep whose largest change :math:`\max_j |\Delta\theta_j|` is at most ``tol`` times
    :math:`\max_j |\theta_j|`, it computes the duality gap and stops once that is at
    most ``tol`` times :math:`\|t\|^2` (the gap bounds the distance of the objective to
    its minimum). Coefficients exactly 0 are the lasso's feature selection.

    **The guide's** :math:`\lambda`. Its regularised training loss
    :math:`\frac{1}{N}\|t - X\theta\|^2 + \frac{\lambda}{N}\|\theta\|_1` is twice the
    objective above when :math:`\alpha = \lambda / (2N)`: same minimiser, so pass
    ``alpha = lambda / (2 * N)``.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha > 0` (for :math:`\alpha = 0` use
        :class:`~mlequations.models.linear_regression.LinearRegression`).
    max_iter : int, default=1000
        Largest number of sweeps over the coordinates.
    tol : float, default=1e-4
        Relative tolerance of the stopping rule above.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept :math:`b`; otherwise :math:`b = 0`.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
        :math:`\theta`, sparse.
    intercept_ : float
        :math:`b`.
    n_iter_ : int
        Sweeps run (0 when :math:`\theta = 0` is optimal from the start).
    dual_gap_ : float
        Final duality gap of the objective above (scikit-learn's ``dual_gap_``).
    converged_ : bool
        Whether the stopping rule was met; when it was not, ``fit`` also issues a
        :class:`~sklearn.exceptions.ConvergenceWarning`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> t = np.array([2.0, 0.1, -2.0, -0.1])
    >>> LassoRegression(alpha=0.2).fit(X, t).coef_.round(12)
    array([1.6, 0. ])
    """

    def __init__(
        self,
        alpha: float = 1.0,
        max_iter: int = 1000,
        tol: float = 1e-4,
        fit_intercept: bool = True,
    ):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any) -> LassoRegression:
        """Fit :math:`\\theta` and :math:`b` to the training data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        alpha = _check_positive(self.alpha, "alpha")
        max_iter = check_integer(self.max_iter, "max_iter", 1)
        tol = _check_nonnegative(self.tol, "tol")
        fit_intercept = _check_flag(self.fit_intercept, "fit_intercept")
        X, t = _validate_training_data(self, X, y)
        X, t, x_mean, t_mean = _center(X, t, fit_intercept, order="F")
        n_samples = X.shape[0]
        result = lasso_coordinate_descent(X, t, n_samples * alpha, max_iter, tol)
        self.coef_, self.n_iter_, self.converged_ = result.theta, result.n_iter, result.converged
        self.dual_gap_ = result.gap / n_samples
        self.intercept_ = t_mean - x_mean @ self.coef_
        if not result.converged:
            warnings.warn(
                f"coordinate descent did not converge in max_iter={max_iter} sweeps: duality "
                f"gap {result.gap:.3e} > tol * ||t||^2; raise max_iter or tol, or scale the "
                "features",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self
