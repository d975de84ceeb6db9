"""The guide's noisy sine has the stated distribution; the loaders return scikit-learn's data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn import datasets as sklearn_datasets
from sklearn.utils import Bunch

from mlequations import datasets
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.datasets import GUIDE_NOISE_VARIANCE, NoisySine, noisy_sine


def test_noisy_sine_shapes_and_defaults():
    X, t = noisy_sine(random_state=0)
    assert X.shape == (10, 1)  # the guide's N = 10
    assert t.shape == (10,)
    assert X.dtype == t.dtype == np.float64
    assert GUIDE_NOISE_VARIANCE == 0.1
    assert NoisySine().noise_variance == pytest.approx(0.1, rel=1e-15)


def test_noisy_sine_is_reproducible_and_seeded():
    first, second = noisy_sine(7, random_state=3), noisy_sine(7, random_state=3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], noisy_sine(7, random_state=4)[0])
    generator = np.random.default_rng(3)
    np.testing.assert_array_equal(noisy_sine(7, random_state=generator)[0], first[0])


def test_noisy_sine_without_noise_is_the_sine():
    X, t = noisy_sine(50, noise=0.0, random_state=1)
    np.testing.assert_allclose(t, np.sin(2 * np.pi * X[:, 0]), rtol=0, atol=1e-15)


def test_noisy_sine_draws_from_the_stated_distribution():
    X, t = noisy_sine(40_000, noise=0.5, random_state=2)
    assert X.min() >= 0.0
    assert X.max() < 1.0
    assert stats.kstest(X[:, 0], "uniform").pvalue > 1e-3
    residual = t - np.sin(2 * np.pi * X[:, 0])
    assert stats.kstest(residual / 0.5, "norm").pvalue > 1e-3
    # The sample variance of 40 000 normal draws is within 3 standard errors of 0.25.
    assert residual.var() == pytest.approx(0.25, abs=3 * 0.25 * math.sqrt(2 / 40_000))


def test_regression_function_is_the_conditional_mean():
    population = NoisySine(noise=0.3)
    X = np.array([[0.0], [0.25], [0.5], [0.75]])
    np.testing.assert_allclose(population.regression_function(X), [0, 1, 0, -1], atol=1e-15)
    assert population.noise_variance == pytest.approx(0.09, rel=1e-15)
    assert population.sample_inputs(5, random_state=0).shape == (5, 1)
    assert noisy_sine(0)[0].shape == (0, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"noise": -0.1}, ValidationError, r"noise must be a finite number >= 0, got -0.1"),
        ({"noise": math.nan}, ValidationError, r"noise must be a finite number >= 0, got nan"),
        ({"noise": "0.1"}, ArrayTypeError, r"noise must be a real number, got str"),
        ({"n": -1}, ValidationError, r"n must be >= 0, got -1"),
        ({"n": 2.5}, ArrayTypeError, r"n must be an integer, got float"),
    ],
)
def test_noisy_sine_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        noisy_sine(**kwargs)


def test_regression_function_wants_one_column():
    with pytest.raises(ShapeError, match=r"X must have shape \(n, 1\), got \(3, 2\)"):
        NoisySine().regression_function(np.zeros((3, 2)))


@pytest.mark.parametrize("name", ["iris", "digits", "wine", "breast_cancer", "diabetes"])
def test_loaders_return_scikit_learns_bundled_data(name):
    ours = getattr(datasets, f"load_{name}")
    theirs = getattr(sklearn_datasets, f"load_{name}")()
    X, y = ours()
    np.testing.assert_array_equal(X, theirs.data)
    np.testing.assert_array_equal(y, theirs.target)
    bunch = ours(bunch=True)
    assert isinstance(bunch, Bunch)
    np.testing.assert_array_equal(bunch.data, theirs.data)
    assert list(bunch.feature_names) == list(theirs.feature_names)


def test_iris_bunch_names_the_species():
    bunch = datasets.load_iris(bunch=True)
    assert bunch.target_names.tolist() == ["setosa", "versicolor", "virginica"]
    assert bunch.data.shape == (150, 4)
