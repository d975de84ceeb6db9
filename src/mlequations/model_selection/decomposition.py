r"""The guide's decomposition of the population loss: noise + bias + estimation error.

For a predictor trained on a data set :math:`\mathcal D` from a model class
:math:`\mathcal H`,

.. math::

    L_p(\theta_{\mathcal D})
    = \underbrace{L_p(\hat t^*(\cdot))}_{\text{minimum unconstrained loss}}
    + \underbrace{L_p(\theta^*_{\mathcal H}) - L_p(\hat t^*(\cdot))}_{\text{bias}}
    + \underbrace{L_p(\theta_{\mathcal D}) - L_p(\theta^*_{\mathcal H})}_{\text{estimation error}}

where :math:`\hat t^*` is the population-optimal predictor with no constraint,
:math:`\theta^*_{\mathcal H}` the best predictor of the class and
:math:`\theta_{\mathcal D}` the trained one. The bias depends only on the
class (it falls as the degree :math:`M` grows); the estimation error depends on
the training set and, averaged over training sets, falls as :math:`N` grows.

Under the quadratic loss :math:`\hat t^*(x) = \mathbb E[t \mid x]` and every
predictor :math:`g` has

.. math::

    L_p(g) = \sigma^2 + \mathbb E_{x}\bigl[(g(x) - \mathbb E[t \mid x])^2\bigr],
    \qquad \sigma^2 = \mathbb E_x[\operatorname{Var}(t \mid x)],

so with a known :math:`p(x, t)` (e.g. :class:`mlequations.datasets.NoisySine`)
the minimum unconstrained loss is :math:`\sigma^2` exactly and the two other
terms need only a Monte Carlo average over inputs :math:`x \sim p(x)` and over
resampled training sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.base import clone

from mlequations._checks import check_integer
from mlequations.datasets import NoisySine

__all__ = ["BiasEstimationError", "Population", "bias_estimation_error"]


class Population(Protocol):
    r"""A known :math:`p(x, t)`: what :func:`bias_estimation_error` needs of it."""

    @property
    def noise_variance(self) -> float:
        r""":math:`\mathbb E_x[\operatorname{Var}(t \mid x)]`, the minimum quadratic loss."""
        ...

    def regression_function(self, X: np.ndarray) -> np.ndarray:
        r""":math:`\mathbb E[t \mid x]` for each row of ``X``."""
        ...

    def sample_inputs(self, n: int, random_state: Any = None) -> np.ndarray:
        r"""``n`` inputs :math:`x \sim p(x)`."""
        ...

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        r"""``n`` pairs :math:`(x, t) \sim p(x, t)`."""
        ...


@dataclass(frozen=True)
class BiasEstimationError:
    r"""The three parts of the expected population loss of a trained predictor.

    ``minimum_loss + bias + estimation_error == population_loss`` (up to rounding).
    ``population_loss_std_error`` is the standard error of the Monte Carlo mean
    over training sets, a yardstick for the estimation error's precision.
    """

    minimum_loss: float
    bias: float
    estimation_error: float
    population_loss: float
    population_loss_std_error: float
    n_train: int
    n_repeats: int


def _excess_loss(model: Any, X: np.ndarray, optimal: np.ndarray) -> float:
    r""":math:`\mathbb E_x[(g(x) - \mathbb E[t \mid x])^2]` over the inputs ``X``."""
    difference = np.asarray(model.predict(X), dtype=float) - optimal
    return float(np.mean(difference * difference))


def bias_estimation_error(
    estimator: Any,
    n_train: int,
    *,
    population: Population | None = None,
    n_repeats: int = 200,
    n_test: int = 10_000,
    random_state: int | np.random.Generator | None = None,
) -> BiasEstimationError:
    r"""Split the expected population loss of ``estimator`` into noise, bias and estimation error.

    Under the quadratic loss, with :math:`f(x) = \mathbb E[t \mid x]`,
    :math:`x_1, \dots, x_{n_{\text{test}}} \sim p(x)` and training sets
    :math:`\mathcal D^{(1)}, \dots, \mathcal D^{(R)}` of :math:`N` pairs each,

    .. math::

        \underbrace{\sigma^2}_{L_p(\hat t^*)}
        + \underbrace{\frac{1}{n_{\text{test}}} \sum_i
          \bigl(\hat t(x_i \mid \theta^*_{\mathcal H}) - f(x_i)\bigr)^2}_{\text{bias}}
        + \underbrace{\frac{1}{R} \sum_r \frac{1}{n_{\text{test}}} \sum_i
          \bigl(\hat t(x_i \mid \theta_{\mathcal D^{(r)}}) - f(x_i)\bigr)^2
          - \text{bias}}_{\text{estimation error}}
        = \mathbb E_{\mathcal D}\bigl[L_p(\theta_{\mathcal D})\bigr].

    The best in class :math:`\theta^*_{\mathcal H}` is ``estimator`` fitted on the
    noise-free pairs :math:`(x_i, f(x_i))`, the minimiser of the same Monte Carlo
    population loss: for an unregularised least-squares model (linear or
    polynomial regression) it lies in the class and no trained predictor beats
    it on these inputs, so both bias and estimation error are non-negative.

    Parameters
    ----------
    estimator : scikit-learn regressor
        The model class and its training rule; left unfitted and unchanged.
    n_train : int
        Training-set size :math:`N \ge 1`.
    population : Population, optional
        The known :math:`p(x, t)`; the guide's noisy sine
        (:class:`~mlequations.datasets.NoisySine`) by default.
    n_repeats : int
        Number :math:`R` of resampled training sets.
    n_test : int
        Number of inputs in the Monte Carlo average over :math:`x`.
    random_state : int, numpy.random.Generator or None
        Seed of every draw (test inputs first, then the training sets).

    Returns
    -------
    BiasEstimationError
        ``minimum_loss`` (:math:`\sigma^2`), ``bias``, ``estimation_error`` and
        their sum ``population_loss``, with its standard error over training sets.

    Raises
    ------
    ValidationError
        ``n_train``, ``n_repeats`` or ``n_test`` below 1.

    Examples
    --------
    A straight line cannot follow a sine period, whatever the data:

    >>> from sklearn.linear_model import LinearRegression
    >>> parts = bias_estimation_error(LinearRegression(), 10, n_repeats=50, random_state=0)
    >>> round(parts.minimum_loss, 12), 0.15 < parts.bias < 0.25, parts.estimation_error > 0
    (0.1, True, True)
    >>> total = parts.minimum_loss + parts.bias + parts.estimation_error
    >>> bool(np.isclose(total, parts.population_loss, rtol=1e-12))
    True
    """
    n_train = check_integer(n_train, "n_train", 1)
    n_repeats = check_integer(n_repeats, "n_repeats", 1)
    n_test = check_integer(n_test, "n_test", 1)
    population = NoisySine() if population is None else population
    rng = np.random.default_rng(random_state)
    X_test = population.sample_inputs(n_test, rng)
    optimal = population.regression_function(X_test)
    best_in_class = clone(estimator).fit(X_test, optimal)
    bias = _excess_loss(best_in_class, X_test, optimal)
    excess = np.empty(n_repeats)
    for r in range(n_repeats):
        X_train, t_train = population.sample(n_train, rng)
        excess[r] = _excess_loss(clone(estimator).fit(X_train, t_train), X_test, optimal)
    minimum_loss = float(population.noise_variance)
    mean_excess = float(np.mean(excess))
    standard_error = float(np.std(excess, ddof=1) / np.sqrt(n_repeats)) if n_repeats > 1 else 0.0
    return BiasEstimationError(
        minimum_loss=minimum_loss,
        bias=bias,
        estimation_error=mean_excess - bias,
        population_loss=minimum_loss + mean_excess,
        population_loss_std_error=standard_error,
        n_train=n_train,
        n_repeats=n_repeats,
    )
