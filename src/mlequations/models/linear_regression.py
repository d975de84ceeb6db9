r"""Linear regression: empirical risk minimisation with the quadratic loss.

The guide's training loss of a linear predictor :math:`\hat t(x|\theta) = \theta^T x`
on a data set :math:`\mathcal D = \{(x_n, t_n)\}_{n=1}^N` is

.. math::

    L_{\mathcal D}(\theta) = \frac{1}{N} \sum_{n=1}^N (t_n - \theta^T x_n)^2
                           = \frac{1}{N} \| t_{\mathcal D} - X_{\mathcal D} \theta \|^2 ,

and ERM picks its minimiser, the solution of the normal equations

.. math::

    X^T X \theta = X^T t, \qquad
    \theta^{\mathrm{ERM}}_{\mathcal D} = (X^T X)^{-1} X^T t .

This module also holds the pieces the other linear estimators share (input
validation, centring for the intercept, the least-squares solve and
``predict``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.optimize import gradient_descent

__all__ = ["LinearRegression"]

_FLOAT_DTYPES = [np.float64, np.float32]
_SOLVERS = ("normal_equations", "gradient_descent")


# --------------------------------------------------------------------------- parameter checks


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ArrayTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_nonnegative(value: Any, name: str) -> float:
    number = check_real_number(value, name)
    if not (np.isfinite(number) and number >= 0):
        raise ValidationError(f"{name} must be a non-negative finite number, got {value}")
    return number


def _check_positive(value: Any, name: str) -> float:
    number = check_real_number(value, name)
    if not (np.isfinite(number) and number > 0):
        raise ValidationError(f"{name} must be a positive finite number, got {value}")
    return number


# --------------------------------------------------------------------------- shared linear algebra


def _validate_training_data(estimator: BaseEstimator, X: Any, y: Any) -> tuple[Any, Any]:
    """Check ``X`` (2-D, finite, non-empty) and ``y`` (1-D, numeric); ``y`` takes X's dtype."""
    X, y = validate_data(estimator, X, y, dtype=_FLOAT_DTYPES, y_numeric=True)
    return X, y.astype(X.dtype, copy=False)


def _center(
    X: np.ndarray, t: np.ndarray, fit_intercept: bool, order: str = "C"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    r"""Subtract the means, so that the intercept drops out of the least-squares problem.

    With :math:`\bar x, \bar t` the means, the minimiser over :math:`(\theta, b)` of
    :math:`\|t - X\theta - b\|^2 + \text{penalty}(\theta)` has
    :math:`b = \bar t - \bar x^T \theta` and :math:`\theta` fitted to the centred data
    (the intercept is never penalised). Returns ``X`` in memory ``order``, a copy
    when centred; the caller must not modify the arrays it gets.
    """
    if not fit_intercept:
        zero = np.zeros(X.shape[1], dtype=X.dtype)
        return np.asarray(X, order=order), t, zero, X.dtype.type(0)
    x_mean, t_mean = X.mean(axis=0), t.mean()
    centred = np.empty(X.shape, dtype=X.dtype, order=order)
    np.subtract(X, x_mean, out=centred)
    return centred, t - t_mean, x_mean, t_mean


def _least_squares(X: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    r"""The minimum-norm minimiser of :math:`\|t - X\theta\|^2`: :math:`\theta = X^+ t`.

    LAPACK ``gelsd`` (through the SVD of :math:`X`, never forming :math:`X^TX`, whose
    condition number is the square of :math:`X`'s). Singular values below
    :math:`\max(N, D)\,\epsilon\,\sigma_{\max}` count as zero, the cut-off of
    :func:`numpy.linalg.pinv`. Returns ``(theta, rank, singular_values)``.
    """
    cutoff = max(X.shape) * np.finfo(X.dtype).eps
    theta, _, rank, singular_values = scipy.linalg.lstsq(X, t, cond=cutoff, check_finite=False)
    return theta, int(rank), singular_values


class _LinearPredictorMixin:
    r"""``predict`` for the linear estimators: :math:`\hat t(x) = \theta^T x + b`."""

    def predict(self, X: Any) -> np.ndarray:
        """Predict the targets :math:`\\theta^T x + b` of the rows of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOAT_DTYPES)
        return X @ self.coef_ + self.intercept_


# --------------------------------------------------------------------------- the estimator


class LinearRegression(_LinearPredictorMixin, RegressorMixin, BaseEstimator):
    r"""Least-squares linear regression: ERM with the quadratic loss.

    Minimises the guide's training loss

    .. math::

        L_{\mathcal D}(\theta, b) = \frac{1}{N} \sum_{n=1}^N (t_n - \theta^T x_n - b)^2 ,

    whose minimiser solves the normal equations
    :math:`X^TX\theta = X^Tt`, i.e. :math:`\theta = (X^TX)^{-1}X^Tt` (with the columns of
    :math:`X` and :math:`t` centred when ``fit_intercept``, and then
    :math:`b = \bar t - \bar x^T\theta`).

    ``solver="normal_equations"`` solves them as a least-squares problem through the SVD
    of :math:`X` (LAPACK ``gelsd``, as :func:`scipy.linalg.lstsq`), which never forms
    :math:`X^TX`. When :math:`X^TX` is singular (duplicated or collinear columns, more
    features than samples: the guide's "not invertible" case), the minimisers form a
    whole affine set and the solver falls back to the pseudo-inverse,
    :math:`\theta = X^+ t`, the minimiser of smallest norm (what :func:`numpy.linalg.pinv`
    and scikit-learn return).

    ``solver="gradient_descent"`` runs :func:`mlequations.optimize.gradient_descent` on
    :math:`L_{\mathcal D}` from :math:`\theta = 0`, with gradient
    :math:`\nabla L_{\mathcal D}(\theta) = \frac{2}{N} X^T (X\theta - t)`. The iterates never
    leave the row space of :math:`X`, so in the singular case they too tend to the
    minimum-norm solution.

    Parameters
    ----------
    solver : {"normal_equations", "gradient_descent"}, default="normal_equations"
    fit_intercept : bool, default=True
        Fit an unpenalised intercept :math:`b`; otherwise :math:`b = 0`.
    learning_rate : float or "auto", default="auto"
        Gradient descent's step :math:`\gamma`. ``"auto"`` takes :math:`\gamma = 1/L`,
        :math:`L = 2\sigma_{\max}(X)^2/N` the Lipschitz constant of the gradient (costs
        the largest singular value of :math:`X`); every step then lowers the loss.
    max_iter : int, default=10_000
        Gradient descent's largest number of steps.
    tol : float, default=1e-10
        Gradient descent stops once a step :math:`\gamma \|\nabla L_{\mathcal D}\|` is
        shorter than ``tol``.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
        :math:`\theta`.
    intercept_ : float
        :math:`b` (0 when ``fit_intercept=False``).
    rank_ : int
        Rank of the (centred) :math:`X` (normal equations only; ``None`` otherwise).
    singular_ : numpy.ndarray of shape (min(n_samples, n_features),)
        Singular values of the (centred) :math:`X` (normal equations only).
    n_iter_ : int
        Gradient-descent steps taken (1 for the normal equations: one direct solve).
    converged_ : bool
        Whether gradient descent met ``tol`` (always True for the normal equations).
        When it did not, ``fit`` also issues a :class:`~sklearn.exceptions.ConvergenceWarning`.
    n_features_in_ : int

    Raises
    ------
    mlequations.optimize.DivergenceError
        From ``fit`` with gradient descent, when the iterates blow up (learning rate too
        large).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> t = np.array([1.0, 3.0, 5.0, 7.0])
    >>> model = LinearRegression().fit(X, t)
    >>> model.coef_.round(12), model.intercept_.round(12)
    (array([2.]), np.float64(1.0))
    >>> model.predict([[10.0]]).round(12)
    array([21.])

    Two identical columns make :math:`X^TX` singular; the pseudo-inverse splits the
    weight evenly (the smallest-norm solution):

    >>> LinearRegression().fit(np.hstack([X, X]), t).coef_.round(12)
    array([1., 1.])
    """

    def __init__(
        self,
        solver: str = "normal_equations",
        fit_intercept: bool = True,
        learning_rate: float | str = "auto",
        max_iter: int = 10_000,
        tol: float = 1e-10,
    ):
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit :math:`\\theta` and :math:`b` to the training data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._check_parameters()
        X, t = _validate_training_data(self, X, y)
        X, t, x_mean, t_mean = _center(X, t, self.fit_intercept)
        if self.solver == "normal_equations":
            self.coef_, self.rank_, self.singular_ = _least_squares(X, t)
            self.n_iter_, self.converged_ = 1, True
        else:
            self.rank_, self.singular_ = None, None
            self.coef_ = self._gradient_descent(X, t).astype(X.dtype, copy=False)
        self.intercept_ = t_mean - x_mean @ self.coef_
        return self

    def _check_parameters(self) -> None:
        if self.solver not in _SOLVERS:
            raise ValidationError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        _check_flag(self.fit_intercept, "fit_intercept")
        if not (isinstance(self.learning_rate, str) and self.learning_rate == "auto"):
            _check_positive(self.learning_rate, "learning_rate")
        check_integer(self.max_iter, "max_iter", 1)
        _check_nonnegative(self.tol, "tol")

    def _learning_rate(self, X: np.ndarray) -> float:
        if not isinstance(self.learning_rate, str):
            return float(self.learning_rate)
        lipschitz = 2.0 * float(np.linalg.norm(X, ord=2)) ** 2 / X.shape[0]  # auto: 1/L
        return 1.0 / lipschitz

    def _gradient_descent(self, X: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Minimise :math:`\\frac{1}{N}\\|t - X\\theta\\|^2` from 0; record ``n_iter_``.

        Iterates in float64: float32 rounding would keep the steps from shrinking below
        about 1e-7 (``fit`` returns ``coef_`` in X's dtype).
        """
        X, t = X.astype(np.float64, copy=False), t.astype(np.float64, copy=False)
        two_over_n = 2.0 / X.shape[0]

        def gradient(theta: np.ndarray) -> np.ndarray:
            return two_over_n * (X.T @ (X @ theta - t))

        theta0 = np.zeros(X.shape[1])
        if not np.any(X):  # every (centred) feature is 0: so is the gradient, theta = 0
            self.n_iter_, self.converged_ = 0, True
            return theta0
        max_iter, tol = int(self.max_iter), float(self.tol)
        result = gradient_descent(gradient, theta0, self._learning_rate(X), max_iter, tol=tol)
        self.n_iter_, self.converged_ = result.n_steps, result.converged
        if not result.converged:
            warnings.warn(
                f"gradient descent did not converge in max_iter={max_iter} steps (the last "
                f"step was longer than tol={tol}); raise max_iter or use "
                "solver='normal_equations'",
                ConvergenceWarning,
                stacklevel=3,
            )
        return result.theta
