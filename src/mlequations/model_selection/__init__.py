r"""Model selection: estimate the population loss and see how it depends on capacity and data.

Learning cannot compute the population loss
:math:`L_p(\theta) = \mathbb E_{(x, t) \sim p}[\ell(t, \hat t(x \mid \theta))]`,
because :math:`p(x, t)` is unknown; it estimates it on data the predictor was
not trained on. This package holds the guide's tools for that, on any
scikit-learn estimator (those of :mod:`mlequations.models` included):

* :func:`cross_validation_loss`: the K-fold estimate
  :math:`\hat L_p = \frac{1}{K} \sum_k L_{\mathcal D_k}(\theta_{\mathcal D_{-k}})`;
* :func:`capacity_curve` and :func:`learning_curve`: training and validation
  loss against the model's capacity (e.g. the polynomial degree :math:`M`) and
  against the number :math:`N` of training samples;
* :func:`bias_estimation_error`: the decomposition of the population loss into
  the minimum unconstrained loss, the bias of the class and the estimation
  error, by Monte Carlo on a known :math:`p(x, t)`;
* :func:`dataset_loss`: the mean loss :math:`L_{\mathcal D}(\theta)` of a
  fitted estimator on a data set, with the loss given by name
  (``"squared"``, ``"absolute"``, ``"zero_one"``, ``"log"``) or as a callable
  ``loss(t, t_hat)`` returning the mean loss.

Examples
--------
>>> from sklearn.linear_model import LinearRegression
>>> from mlequations.datasets import noisy_sine
>>> X, t = noisy_sine(50, random_state=0)
>>> loss = cross_validation_loss(LinearRegression(), X, t, k=5)
>>> 0.2 < loss < 0.4  # the noise (0.1) plus a line's bias (about 0.19) and estimation error
True
"""

from __future__ import annotations

from mlequations.model_selection._losses import LOSS_NAMES, dataset_loss
from mlequations.model_selection.cross_validation import cross_validation_loss
from mlequations.model_selection.curves import (
    CapacityCurve,
    LearningCurve,
    capacity_curve,
    learning_curve,
)
from mlequations.model_selection.decomposition import (
    BiasEstimationError,
    Population,
    bias_estimation_error,
)

__all__ = [
    "LOSS_NAMES",
    "BiasEstimationError",
    "CapacityCurve",
    "LearningCurve",
    "Population",
    "bias_estimation_error",
    "capacity_curve",
    "cross_validation_loss",
    "dataset_loss",
    "learning_curve",
]
