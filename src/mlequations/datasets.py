r"""Data for the learning chapters: the guide's noisy sine and scikit-learn's bundled sets.

The guide's regression example draws an input uniformly on :math:`[0, 1]` and
adds Gaussian noise to a sine period:

.. math::

    x \sim \mathcal U(0, 1), \qquad
    t \mid x \sim \mathcal N\bigl(\sin(2\pi x),\ \sigma^2\bigr), \qquad \sigma^2 = 0.1,

with :math:`N = 10` training points. Because :math:`p(x, t)` is known, so are
the population-optimal predictor :math:`\hat t^*(x) = \mathbb E[t \mid x] =
\sin(2\pi x)` and its loss under the quadratic loss, :math:`\sigma^2`;
:class:`NoisySine` carries both, which is what
:func:`mlequations.model_selection.bias_estimation_error` needs.

The loaders wrap scikit-learn's bundled data (iris, digits, wine, breast cancer,
diabetes): nothing is downloaded. Each returns ``(X, y)`` by default, or
scikit-learn's ``Bunch`` (with ``feature_names``, ``target_names``, ``DESCR``)
when called with ``bunch=True``.

Examples
--------
>>> X, t = noisy_sine(10, random_state=0)
>>> X.shape, t.shape
((10, 1), (10,))
>>> X, y = load_iris()
>>> X.shape, sorted(set(y.tolist()))
((150, 4), [0, 1, 2])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlequations._array import ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number

__all__ = [
    "GUIDE_NOISE_VARIANCE",
    "GUIDE_TRAINING_SIZE",
    "NoisySine",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_wine",
    "noisy_sine",
]

#: The guide's noise variance :math:`\sigma^2` of :math:`t \mid x`.
GUIDE_NOISE_VARIANCE = 0.1
#: The guide's number of training points :math:`N`.
GUIDE_TRAINING_SIZE = 10

RandomState = int | np.random.Generator | None


@dataclass(frozen=True)
class NoisySine:
    r"""The population :math:`p(x, t)` of the guide's regression example.

    .. math::

        x \sim \mathcal U(0, 1), \qquad t = \sin(2\pi x) + \varepsilon, \qquad
        \varepsilon \sim \mathcal N(0, \sigma^2)

    Parameters
    ----------
    noise : float
        The noise's standard deviation :math:`\sigma \ge 0`; the default is the
        guide's :math:`\sqrt{0.1}`.

    Examples
    --------
    >>> population = NoisySine()
    >>> round(population.noise_variance, 12)
    0.1
    >>> population.regression_function(np.array([[0.25], [0.5]])).round(12)
    array([1., 0.])
    """

    noise: float = math.sqrt(GUIDE_NOISE_VARIANCE)

    def __post_init__(self) -> None:
        noise = check_real_number(self.noise, "noise")
        if not math.isfinite(noise) or noise < 0:
            raise ValidationError(f"noise must be a finite number >= 0, got {noise}")

    @property
    def noise_variance(self) -> float:
        r""":math:`\sigma^2`, the loss of :math:`\mathbb E[t \mid x]` under the quadratic loss."""
        return float(self.noise) ** 2

    def regression_function(self, X: np.ndarray) -> np.ndarray:
        r"""The population-optimal predictor :math:`\mathbb E[t \mid x] = \sin(2\pi x)`.

        ``X`` has shape (n, 1); the result has shape (n,).
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 1:
            raise ShapeError(f"X must have shape (n, 1), got {X.shape}")
        return np.sin(2.0 * np.pi * X[:, 0])

    def sample_inputs(self, n: int, random_state: RandomState = None) -> np.ndarray:
        """``n`` inputs :math:`x \\sim \\mathcal U(0, 1)`, shape (n, 1)."""
        n = check_integer(n, "n", 0)
        return np.random.default_rng(random_state).uniform(0.0, 1.0, size=(n, 1))

    def sample(self, n: int, random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` pairs :math:`(x, t) \\sim p(x, t)`: ``X`` of shape (n, 1) and ``t`` of shape (n,).

        The inputs are drawn first, then the noise, from one generator seeded
        with ``random_state`` (an int, a NumPy ``Generator`` or ``None``).
        """
        n = check_integer(n, "n", 0)
        rng = np.random.default_rng(random_state)
        X = rng.uniform(0.0, 1.0, size=(n, 1))
        t = self.regression_function(X) + self.noise * rng.standard_normal(n)
        return X, t


def noisy_sine(
    n: int = GUIDE_TRAINING_SIZE,
    noise: float = math.sqrt(GUIDE_NOISE_VARIANCE),
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw the guide's regression data: a sine period on :math:`[0, 1]` plus Gaussian noise.

    .. math::

        t_n = \sin(2\pi x_n) + \varepsilon_n, \qquad x_n \sim \mathcal U(0, 1), \qquad
        \varepsilon_n \sim \mathcal N(0, \sigma^2)

    Parameters
    ----------
    n : int
        Number of samples :math:`N \ge 0` (the guide uses 10).
    noise : float
        Standard deviation :math:`\sigma` of the noise (the guide's variance 0.1
        gives the default :math:`\sqrt{0.1} \approx 0.316`).
    random_state : int, numpy.random.Generator or None
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    X : ndarray, shape (n, 1)
        The inputs, one column as scikit-learn expects.
    t : ndarray, shape (n,)
        The noisy targets.

    Raises
    ------
    ValidationError
        A negative ``n`` or a negative or non-finite ``noise``.

    Examples
    --------
    >>> X, t = noisy_sine(5, noise=0.0, random_state=1)
    >>> bool(np.allclose(t, np.sin(2 * np.pi * X[:, 0])))
    True
    """
    return NoisySine(noise).sample(n, random_state)


def _load(name: str, bunch: bool) -> Any:
    from sklearn import datasets

    loader = getattr(datasets, f"load_{name}")
    if bunch:
        return loader()
    return loader(return_X_y=True)


def load_iris(*, bunch: bool = False) -> Any:
    """Fisher's iris flowers: 150 samples, 4 measurements in cm, 3 species (0 = setosa).

    Returns ``(X, y)``, or scikit-learn's ``Bunch`` when ``bunch`` is true.

    Examples
    --------
    >>> load_iris(bunch=True).target_names.tolist()
    ['setosa', 'versicolor', 'virginica']
    """
    return _load("iris", bunch)


def load_digits(*, bunch: bool = False) -> Any:
    """The 8×8 handwritten digits: 1797 samples, 64 grey levels in [0, 16], 10 classes.

    Returns ``(X, y)``, or scikit-learn's ``Bunch`` (which also holds the 8×8
    ``images``) when ``bunch`` is true.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, int(y.max())
    ((1797, 64), 9)
    """
    return _load("digits", bunch)


def load_wine(*, bunch: bool = False) -> Any:
    """Wines of three cultivars: 178 samples, 13 chemical measurements, 3 classes.

    Returns ``(X, y)``, or scikit-learn's ``Bunch`` when ``bunch`` is true.

    Examples
    --------
    >>> X, y = load_wine()
    >>> X.shape
    (178, 13)
    """
    return _load("wine", bunch)


def load_breast_cancer(*, bunch: bool = False) -> Any:
    """Breast-cancer biopsies: 569 samples, 30 features, 2 classes (0 = malignant).

    Returns ``(X, y)``, or scikit-learn's ``Bunch`` when ``bunch`` is true.

    Examples
    --------
    >>> X, y = load_breast_cancer()
    >>> X.shape, sorted(set(y.tolist()))
    ((569, 30), [0, 1])
    """
    return _load("breast_cancer", bunch)


def load_diabetes(*, bunch: bool = False) -> Any:
    """Diabetes progression: 442 patients, 10 standardised features, a real-valued target.

    Returns ``(X, y)``, or scikit-learn's ``Bunch`` when ``bunch`` is true.

    Examples
    --------
    >>> X, y = load_diabetes()
    >>> X.shape, y.dtype
    ((442, 10), dtype('float64'))
    """
    return _load("diabetes", bunch)
