r"""Layer 4: the classic models of the guides as scikit-learn estimators.

Each estimator follows scikit-learn's contract (``fit`` returns the estimator,
fitted attributes end in ``_``, ``NotFittedError`` before ``fit``) and passes
its ``parametrize_with_checks``, so it drops into a pipeline, a grid search or
``cross_val_score``. Each docstring states the equation of the guides it
implements, and the code reads like that equation.

>>> import numpy as np
>>> from mlequations.models import RidgeRegression
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
>>> t = np.array([1.0, 3.0, 5.0, 7.0])
>>> model = RidgeRegression(alpha=0.0).fit(X, t)
>>> round(float(model.coef_[0]), 6), round(float(model.intercept_), 6)
(2.0, 1.0)

* Regression: :class:`LinearRegression`, :class:`PolynomialRegression`,
  :class:`RidgeRegression`, :class:`LassoRegression`, :class:`MLPRegressor`,
  :class:`GaussianProcessRegressor` (kernels :class:`RBF`, :class:`Matern`,
  :class:`ConstantKernel`, :class:`WhiteKernel`).
* Classification: :class:`Perceptron`, :class:`LogisticRegression`,
  :class:`GaussianNaiveBayes`, :class:`DecisionTreeClassifier`,
  :class:`MLPClassifier`.
* Dimensionality reduction: :class:`PCA`.
"""

from mlequations.models.decision_tree import DecisionTreeClassifier
from mlequations.models.gaussian_process import GaussianProcessRegressor
from mlequations.models.kernels import RBF, ConstantKernel, Matern, WhiteKernel
from mlequations.models.linear_regression import LinearRegression
from mlequations.models.logistic_regression import LogisticRegression
from mlequations.models.mlp import MLPClassifier, MLPRegressor
from mlequations.models.naive_bayes import GaussianNaiveBayes
from mlequations.models.pca import PCA
from mlequations.models.perceptron import Perceptron
from mlequations.models.polynomial_regression import PolynomialRegression
from mlequations.models.regularized import LassoRegression, RidgeRegression

__all__ = [
    "PCA",
    "RBF",
    "ConstantKernel",
    "DecisionTreeClassifier",
    "GaussianNaiveBayes",
    "GaussianProcessRegressor",
    "LassoRegression",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "Matern",
    "Perceptron",
    "PolynomialRegression",
    "RidgeRegression",
    "WhiteKernel",
]
