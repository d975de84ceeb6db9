r"""Training and validation loss against model capacity and against the amount of data.

Both curves score ERM predictors on the training set itself,
:math:`L_{\mathcal D}(\theta_{\mathcal D})`, and on a held-out validation set,
:math:`L_{\mathcal D^v}(\theta_{\mathcal D}) = \frac{1}{N^v} \sum_{n}
\ell(t^v_n, \hat t(x^v_n \mid \theta_{\mathcal D}))`, the guide's estimate of the
population loss.

* :func:`capacity_curve` varies the model class, e.g. the degree :math:`M` of a
  polynomial: the training loss falls as :math:`M` grows, while the validation
  loss first falls (less bias) and then rises again (overfitting).
* :func:`learning_curve` varies the number :math:`N` of training samples: the
  validation loss falls towards the best loss of the class as the estimation
  error shrinks, and the training loss rises towards it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_consistent_length

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer
from mlequations.model_selection._losses import Loss, resolve_loss

__all__ = ["CapacityCurve", "LearningCurve", "capacity_curve", "learning_curve"]


@dataclass(frozen=True)
class CapacityCurve:
    """Training and validation loss of one fitted model per value of a capacity parameter."""

    param_name: str
    values: tuple[Any, ...]
    training_loss: np.ndarray
    validation_loss: np.ndarray

    @property
    def best_value(self) -> Any:
        """The parameter value of the lowest validation loss (the first, on a tie)."""
        return self.values[int(np.argmin(self.validation_loss))]


@dataclass(frozen=True)
class LearningCurve:
    """Training and validation loss of one fitted model per training-set size."""

    sizes: np.ndarray
    training_loss: np.ndarray
    validation_loss: np.ndarray


def _check_pair(X: Any, y: Any, names: str) -> int:
    try:
        check_consistent_length(X, y)
    except ValueError as error:
        raise ValidationError(f"{names} must have the same number of samples: {error}") from None
    return len(y)


def capacity_curve(
    estimator: Any,
    param_name: str,
    values: Sequence[Any],
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    loss: Loss = "squared",
) -> CapacityCurve:
    r"""Training and validation loss against a capacity parameter, e.g. the degree :math:`M`.

    For each value :math:`v` the model :math:`\theta_{\mathcal D}(v)` is a clone of
    ``estimator`` with ``param_name = v`` fitted on the training set, and

    .. math::

        L_{\mathcal D}\bigl(\theta_{\mathcal D}(v)\bigr), \qquad
        L_{\mathcal D^v}\bigl(\theta_{\mathcal D}(v)\bigr)

    are its training and validation losses.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Left unfitted and unchanged.
    param_name : str
        A parameter accepted by ``estimator.set_params``, nested names such as
        ``"polynomialfeatures__degree"`` included.
    values : sequence
        The values to try, in the order they are plotted.
    X_train, y_train, X_val, y_val : array_like
        The training set :math:`\mathcal D` and the validation set :math:`\mathcal D^v`.
    loss : {"squared", "absolute", "zero_one", "log"} or callable
        As in :func:`~mlequations.model_selection.cross_validation_loss`.

    Returns
    -------
    CapacityCurve
        ``values`` (a tuple), ``training_loss`` and ``validation_loss`` (arrays
        of ``len(values)``), and ``best_value``.

    Raises
    ------
    ValidationError
        An empty ``values``, a parameter the estimator does not have, or
        inputs and targets of different lengths.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sklearn.linear_model import LinearRegression
    >>> x = np.linspace(-1, 1, 9).reshape(-1, 1)
    >>> model = make_pipeline(PolynomialFeatures(), LinearRegression())
    >>> x_val = x + 0.1
    >>> curve = capacity_curve(
    ...     model, "polynomialfeatures__degree", [1, 2, 3], x, x[:, 0] ** 2, x_val, x_val[:, 0] ** 2
    ... )
    >>> curve.best_value, bool(curve.validation_loss[1] < 1e-20)
    (2, True)
    """
    if not isinstance(param_name, str):
        raise ArrayTypeError(f"param_name must be a string, got {type(param_name).__name__}")
    values = tuple(values)
    if not values:
        raise ValidationError("values must hold at least one parameter value, got none")
    if param_name not in estimator.get_params(deep=True):
        raise ValidationError(
            f"param_name must be a parameter of {type(estimator).__name__}, got {param_name!r}"
        )
    _check_pair(X_train, y_train, "X_train and y_train")
    _check_pair(X_val, y_val, "X_val and y_val")
    evaluate = resolve_loss(loss)
    training, validation = [], []
    for value in values:
        model = clone(estimator).set_params(**{param_name: value}).fit(X_train, y_train)
        training.append(evaluate(model, X_train, y_train))
        validation.append(evaluate(model, X_val, y_val))
    return CapacityCurve(param_name, values, np.asarray(training), np.asarray(validation))


def learning_curve(
    estimator: Any,
    sizes: Sequence[int],
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    loss: Loss = "squared",
    *,
    shuffle: bool = False,
    random_state: int | np.random.Generator | None = None,
) -> LearningCurve:
    r"""Training and validation loss against the number :math:`N` of training samples.

    For each size :math:`N` a clone of ``estimator`` is fitted on the first
    :math:`N` training samples, :math:`\mathcal D_N`, and scored by

    .. math::

        L_{\mathcal D_N}(\theta_{\mathcal D_N}), \qquad L_{\mathcal D^v}(\theta_{\mathcal D_N}).

    The subsets are nested, so each curve shows the effect of adding data.
    Unlike scikit-learn's ``learning_curve`` (which cross-validates), the
    validation set is fixed.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Left unfitted and unchanged.
    sizes : sequence of int
        Training-set sizes, each from 1 to ``len(y_train)``.
    X_train, y_train, X_val, y_val : array_like
        The training pool and the validation set.
    loss : {"squared", "absolute", "zero_one", "log"} or callable
        As in :func:`~mlequations.model_selection.cross_validation_loss`.
    shuffle : bool
        Take the subsets from one random permutation of the training pool
        instead of its first rows (useful when the pool is sorted).
    random_state : int, numpy.random.Generator or None
        Seed of the permutation; only used when ``shuffle`` is true.

    Returns
    -------
    LearningCurve
        ``sizes``, ``training_loss`` and ``validation_loss`` (arrays of ``len(sizes)``).

    Raises
    ------
    ValidationError
        An empty ``sizes`` or a size outside [1, ``len(y_train)``], or inputs and
        targets of different lengths.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> curve = learning_curve(LinearRegression(), [1, 4], X, X[:, 0] ** 2, X, X[:, 0] ** 2)
    >>> curve.sizes.tolist(), float(curve.training_loss[0])
    ([1, 4], 0.0)
    """
    n_train = _check_pair(X_train, y_train, "X_train and y_train")
    _check_pair(X_val, y_val, "X_val and y_val")
    sizes = [check_integer(size, "sizes", 1, n_train) for size in sizes]
    if not sizes:
        raise ValidationError("sizes must hold at least one training-set size, got none")
    order = np.arange(n_train)
    if shuffle:
        order = np.random.default_rng(random_state).permutation(n_train)
    evaluate = resolve_loss(loss)
    training, validation = [], []
    for size in sizes:
        X_subset = _safe_indexing(X_train, order[:size])
        y_subset = _safe_indexing(y_train, order[:size])
        model = clone(estimator).fit(X_subset, y_subset)
        training.append(evaluate(model, X_subset, y_subset))
        validation.append(evaluate(model, X_val, y_val))
    return LearningCurve(np.asarray(sizes), np.asarray(training), np.asarray(validation))
