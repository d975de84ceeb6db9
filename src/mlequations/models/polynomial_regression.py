r"""Polynomial regression: a linear predictor on the features :math:`u(x) = [1, x, \dots, x^M]`.

The guide's model class of degree :math:`M`,

.. math::

    \hat t(x|\theta) = \theta_0 + \theta_1 x + \theta_2 x^2 + \dots + \theta_M x^M
                     = \theta^T u(x), \qquad u(x) = [1, x, x^2, \dots, x^M]^T ,

is *linear in* :math:`\theta` (not in :math:`x`), so ERM with the quadratic loss is
the least-squares problem of :class:`~mlequations.models.linear_regression.LinearRegression`
with the rows :math:`u(x_n)^T` as the data matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ShapeError
from mlequations._checks import check_integer
from mlequations.models.linear_regression import (
    _FLOAT_DTYPES,
    _least_squares,
    _validate_training_data,
)

__all__ = ["PolynomialRegression", "polynomial_features"]


def polynomial_features(X: Any, degree: int) -> np.ndarray:
    r"""The feature vectors :math:`u(x) = [1, x, x^2, \dots, x^M]`, one row per sample.

    For one input column this is the guide's :math:`u(x)` (a Vandermonde matrix with
    increasing powers). For several columns it is every monomial of total degree at most
    :math:`M` (:class:`sklearn.preprocessing.PolynomialFeatures`, constant first).

    Parameters
    ----------
    X : numpy.ndarray of shape (n_samples, n_features)
    degree : int
        :math:`M \ge 0`.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_output_features), X's dtype

    Examples
    --------
    >>> import numpy as np
    >>> polynomial_features(np.array([[2.0], [-1.0]]), 3)
    array([[ 1.,  2.,  4.,  8.],
           [ 1., -1.,  1., -1.]])
    """
    degree = check_integer(degree, "degree", 0)
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ShapeError(f"X must be a 2-D array (n_samples, n_features), got shape {X.shape}")
    if X.shape[1] == 1:
        return (X ** np.arange(degree + 1)).astype(X.dtype, copy=False)
    return PolynomialFeatures(degree).fit_transform(X).astype(X.dtype, copy=False)


class PolynomialRegression(RegressorMixin, BaseEstimator):
    r"""Least-squares fit of a polynomial of degree :math:`M`: :math:`\hat t(x) = \theta^T u(x)`.

    ERM with the quadratic loss over the guide's polynomial model class,

    .. math::

        \theta^{\mathrm{ERM}} = \arg\min_{\theta \in \mathbb R^{M+1}}
            \frac{1}{N} \sum_{n=1}^N \left(t_n - \theta^T u(x_n)\right)^2
            = (U^TU)^{-1} U^T t ,

    with :math:`U` the matrix of rows :math:`u(x_n)^T = [1, x_n, \dots, x_n^M]`, solved
    by least squares (the pseudo-inverse :math:`U^+ t` when :math:`U^TU` is singular,
    e.g. :math:`M + 1 > N` or repeated inputs), as
    :class:`~mlequations.models.linear_regression.LinearRegression` does. The constant
    feature 1 carries the bias :math:`\theta_0`.

    The guide's input is a scalar :math:`x` (``X`` with one column). With several
    columns, :math:`u(x)` holds every monomial of total degree at most :math:`M`
    (:func:`polynomial_features`).

    With :math:`N = M + 1` distinct inputs the polynomial interpolates the training
    data (training loss 0): the guide's overfitting example with :math:`M = 9`.

    Parameters
    ----------
    degree : int, default=3
        :math:`M \ge 0`, the model's capacity.

    Attributes
    ----------
    theta_ : numpy.ndarray of shape (n_output_features,)
        :math:`\theta = [\theta_0, \theta_1, \dots, \theta_M]`.
    intercept_ : float
        :math:`\theta_0`, the weight of the constant feature.
    coef_ : numpy.ndarray of shape (n_output_features - 1,)
        :math:`[\theta_1, \dots, \theta_M]`, the weights of :math:`x, \dots, x^M`.
    rank_ : int
        Rank of :math:`U`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[-1.0], [0.0], [1.0], [2.0]])
    >>> t = 1.0 - 2.0 * x[:, 0] + 0.5 * x[:, 0] ** 2
    >>> model = PolynomialRegression(degree=2).fit(x, t)
    >>> model.theta_.round(12)
    array([ 1. , -2. ,  0.5])
    >>> model.predict([[3.0]]).round(12)
    array([-0.5])
    """

    def __init__(self, degree: int = 3):
        self.degree = degree

    def fit(self, X: Any, y: Any) -> PolynomialRegression:
        """Fit :math:`\\theta` to the training data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            One column for the guide's scalar input :math:`x`.
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        degree = check_integer(self.degree, "degree", 0)
        X, t = _validate_training_data(self, X, y)
        U = polynomial_features(X, degree)
        self.theta_, self.rank_, _ = _least_squares(U, t)
        self.intercept_, self.coef_ = self.theta_[0], self.theta_[1:]
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict :math:`\\theta^T u(x)` for the rows of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOAT_DTYPES)
        return polynomial_features(X, self.degree) @ self.theta_
