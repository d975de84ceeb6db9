r"""The losses by which model selection scores a fitted estimator on a data set.

Every function of :mod:`mlequations.model_selection` takes ``loss`` as a name
or a callable and evaluates the mean loss of a fitted predictor on a data set,

.. math::

    L_{\mathcal D}(\theta)
    = \frac{1}{N} \sum_{n=1}^{N} \ell\bigl(t_n, \hat t(x_n \mid \theta)\bigr),

with

* ``"squared"``: :math:`\ell = (t - \hat t)^2` (the guide's quadratic loss),
* ``"absolute"``: :math:`\ell = |t - \hat t|`,
* ``"zero_one"``: :math:`\ell = \mathbb 1(t \ne \hat t)` (the detection-error loss),
* ``"log"``: :math:`\ell = -\log q(t \mid x)` from ``predict_proba`` (the log-loss),
* a callable ``loss(t, t_hat) -> float`` of the targets and ``predict``'s output,
  returning the mean loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.losses import categorical_cross_entropy, mean_absolute_error, mean_squared_error

__all__ = ["LOSS_NAMES", "Loss", "dataset_loss", "resolve_loss"]

#: A loss name or a callable ``loss(t, t_hat) -> float``.
Loss = str | Callable[[Any, Any], float]
#: The mean loss of a fitted estimator on ``(X, y)``.
DatasetLoss = Callable[[Any, Any, Any], float]


def _squared(estimator: Any, X: Any, y: Any) -> float:
    return float(mean_squared_error(np.asarray(y, dtype=float), estimator.predict(X)))


def _absolute(estimator: Any, X: Any, y: Any) -> float:
    return float(mean_absolute_error(np.asarray(y, dtype=float), estimator.predict(X)))


def _zero_one(estimator: Any, X: Any, y: Any) -> float:
    return float(np.mean(np.asarray(y) != np.asarray(estimator.predict(X))))


def _log(estimator: Any, X: Any, y: Any) -> float:
    classes = np.asarray(estimator.classes_)
    y = np.asarray(y)
    position = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unseen = classes[position] != y
    if np.any(unseen):
        raise ValidationError(
            f"y must hold only classes seen in training {classes.tolist()} for the log loss, "
            f"got {y[unseen][0]!r}"
        )
    probabilities = np.asarray(estimator.predict_proba(X), dtype=float)
    return float(categorical_cross_entropy(position, probabilities))


LOSS_NAMES: dict[str, DatasetLoss] = {
    "squared": _squared,
    "absolute": _absolute,
    "zero_one": _zero_one,
    "log": _log,
}


def resolve_loss(loss: Loss) -> DatasetLoss:
    """Turn a loss name or a callable ``loss(t, t_hat)`` into ``f(estimator, X, y) -> float``.

    Examples
    --------
    >>> from sklearn.dummy import DummyRegressor
    >>> model = DummyRegressor().fit([[0.0], [1.0]], [1.0, 3.0])  # always predicts 2
    >>> resolve_loss("squared")(model, [[0.0], [1.0]], [1.0, 4.0])
    2.5
    >>> resolve_loss(lambda t, t_hat: float(np.max(np.abs(t - t_hat))))(model, [[0.0]], [5.0])
    3.0
    """
    if isinstance(loss, str):
        if loss not in LOSS_NAMES:
            raise ValidationError(
                f"loss must be one of {sorted(LOSS_NAMES)} or a callable, got {loss!r}"
            )
        return LOSS_NAMES[loss]
    if not callable(loss):
        raise ArrayTypeError(f"loss must be a loss name or a callable, got {type(loss).__name__}")

    def custom(estimator: Any, X: Any, y: Any) -> float:
        return float(loss(np.asarray(y), np.asarray(estimator.predict(X))))

    return custom


def dataset_loss(estimator: Any, X: Any, y: Any, loss: Loss = "squared") -> float:
    r"""The mean loss :math:`L_{\mathcal D}(\theta)` of a fitted estimator on ``(X, y)``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> round(dataset_loss(model, [[3.0]], [4.0]), 12)
    1.0
    """
    return resolve_loss(loss)(estimator, X, y)
