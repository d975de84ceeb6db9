"""Model selection against scikit-learn, NumPy least squares and closed forms on the noisy sine."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import numpy.polynomial.polynomial as npp
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold, LeaveOneOut, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils.validation import check_is_fitted

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.datasets import NoisySine, load_breast_cancer, load_diabetes, load_iris, noisy_sine
from mlequations.model_selection import (
    bias_estimation_error,
    capacity_curve,
    cross_validation_loss,
    dataset_loss,
    learning_curve,
)

GAUSS_NODES, GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(80)
NODES, WEIGHTS = (GAUSS_NODES + 1) / 2, GAUSS_WEIGHTS / 2  # Gauss-Legendre on [0, 1]
SINE = np.sin(2 * np.pi * NODES)


def sine_population_loss(coefficients: np.ndarray, noise_variance: float = 0.1) -> float:
    """L_p = σ² + ∫₀¹ (g(x) − sin 2πx)² dx of the polynomial g, by Gauss-Legendre quadrature."""
    return noise_variance + float(np.sum(WEIGHTS * (npp.polyval(NODES, coefficients) - SINE) ** 2))


def best_in_class_bias(degree: int) -> float:
    """min over polynomials of degree M of ∫₀¹ (g − sin 2πx)² dx: weighted least squares."""
    root = np.sqrt(WEIGHTS)
    design = npp.polyvander(NODES, degree) * root[:, None]
    coefficients = np.linalg.lstsq(design, SINE * root, rcond=None)[0]
    return sine_population_loss(coefficients, 0.0)


def polynomial(degree: int):
    return make_pipeline(PolynomialFeatures(degree), LinearRegression())


def recording_polynomial(degree: int) -> type:
    """A NumPy polyfit regressor that records every training set it is fitted on."""

    class RecordingPolynomial(RegressorMixin, BaseEstimator):
        fits: ClassVar[list[tuple[np.ndarray, np.ndarray]]] = []

        def __init__(self, degree: int = degree):
            self.degree = degree

        def fit(self, X, y):
            type(self).fits.append((np.array(X), np.array(y)))
            self.coefficients_ = npp.polyfit(X[:, 0], y, self.degree)
            return self

        def predict(self, X):
            return npp.polyval(X[:, 0], self.coefficients_)

    return RecordingPolynomial


class SineOracle(RegressorMixin, BaseEstimator):
    """Ignores the data and predicts E[t | x] = sin 2πx, the population-optimal predictor."""

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.sin(2 * np.pi * np.asarray(X)[:, 0])


# --------------------------------------------------------------------------- cross-validation


@pytest.mark.parametrize(("k", "shuffle"), [(5, False), (4, True), (10, True)])
def test_cross_validation_matches_scikit_learn_mse(k, shuffle):
    X, y = load_diabetes()
    model = Ridge(alpha=0.5)
    mean, folds = cross_validation_loss(
        model, X, y, k=k, shuffle=shuffle, random_state=3, return_fold_losses=True
    )
    splitter = KFold(n_splits=k, shuffle=shuffle, random_state=3 if shuffle else None)
    reference = -cross_val_score(model, X, y, cv=splitter, scoring="neg_mean_squared_error")
    np.testing.assert_allclose(folds, reference, rtol=1e-10)
    assert mean == pytest.approx(reference.mean(), rel=1e-12)
    assert folds.shape == (k,)


def test_cross_validation_is_the_guides_average_over_folds():
    # L̂ = 1/K Σ_k L_{D_k}(θ_{D−k}), with θ from NumPy least squares on the other folds.
    X, t = noisy_sine(23, random_state=5)
    U = npp.polyvander(X[:, 0], 3)
    expected = []
    for validation in np.array_split(np.arange(23), 4):  # KFold's consecutive folds
        train = np.setdiff1d(np.arange(23), validation)
        theta = np.linalg.lstsq(U[train], t[train], rcond=None)[0]
        expected.append(np.mean((t[validation] - U[validation] @ theta) ** 2))
    ours = cross_validation_loss(polynomial(3), X, t, k=4)
    assert ours == pytest.approx(np.mean(expected), rel=1e-9)


def test_leave_one_out_is_k_equal_to_n():
    X, t = noisy_sine(12, random_state=2)
    reference = -cross_val_score(
        LinearRegression(), X, t, cv=LeaveOneOut(), scoring="neg_mean_squared_error"
    )
    ours = cross_validation_loss(LinearRegression(), X, t, k=12)
    assert ours == pytest.approx(reference.mean(), rel=1e-12)


def test_zero_one_and_log_losses_match_scikit_learn():
    X, y = load_iris()
    splitter = KFold(5, shuffle=True, random_state=0)
    accuracy = cross_val_score(GaussianNB(), X, y, cv=splitter, scoring="accuracy")
    error_rate = cross_validation_loss(
        GaussianNB(), X, y, k=5, loss="zero_one", shuffle=True, random_state=0
    )
    assert error_rate == pytest.approx(1 - accuracy.mean(), abs=1e-15)
    X, y = load_breast_cancer()
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5))
    reference = -cross_val_score(model, X, y, cv=splitter, scoring="neg_log_loss")
    ours = cross_validation_loss(model, X, y, k=5, loss="log", shuffle=True, random_state=0)
    assert ours == pytest.approx(reference.mean(), rel=1e-10)


def test_a_callable_loss_gets_targets_and_predictions():
    X, y = load_diabetes()
    absolute = cross_validation_loss(Ridge(), X, y, loss="absolute")
    custom = cross_validation_loss(Ridge(), X, y, loss=lambda t, t_hat: np.mean(np.abs(t - t_hat)))
    reference = -cross_val_score(Ridge(), X, y, cv=KFold(5), scoring="neg_mean_absolute_error")
    assert absolute == pytest.approx(reference.mean(), rel=1e-12)
    assert custom == pytest.approx(reference.mean(), rel=1e-12)


def test_cross_validation_leaves_the_estimator_unfitted():
    model = LinearRegression()
    cross_validation_loss(model, *noisy_sine(20, random_state=0))
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"k": 1}, ValidationError, r"k must be >= 2, got 1"),
        ({"k": 11}, ValidationError, r"k must be at most the number of samples 10, got 11"),
        ({"k": 2.0}, ArrayTypeError, r"k must be an integer, got float"),
        ({"loss": "hinge"}, ValidationError, r"loss must be one of \['absolute', .*got 'hinge'"),
        ({"loss": 3}, ArrayTypeError, r"loss must be a loss name or a callable, got int"),
    ],
)
def test_cross_validation_rejects_bad_arguments(kwargs, error, message):
    X, t = noisy_sine(10, random_state=0)
    with pytest.raises(error, match=message):
        cross_validation_loss(LinearRegression(), X, t, **kwargs)


def test_cross_validation_rejects_inputs_of_different_lengths():
    X, t = noisy_sine(10, random_state=0)
    with pytest.raises(ValidationError, match=r"X and y must have the same number of samples"):
        cross_validation_loss(LinearRegression(), X, t[:9])


def test_log_loss_refuses_a_class_unseen_in_training():
    model = GaussianNB().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValidationError, match=r"y must hold only classes seen in training"):
        dataset_loss(model, [[0.5]], [2], loss="log")


# --------------------------------------------------------------------------- capacity and data


def test_capacity_curve_matches_numpy_polyfit():
    X, t = noisy_sine(10, random_state=0)
    X_val, t_val = noisy_sine(200, random_state=1)
    degrees = [0, 1, 2, 3, 4, 5, 6]
    curve = capacity_curve(polynomial(1), "polynomialfeatures__degree", degrees, X, t, X_val, t_val)
    for m, train_loss, val_loss in zip(
        degrees, curve.training_loss, curve.validation_loss, strict=True
    ):
        coefficients = npp.polyfit(X[:, 0], t, m)
        assert train_loss == pytest.approx(np.mean((npp.polyval(X[:, 0], coefficients) - t) ** 2))
        expected = np.mean((npp.polyval(X_val[:, 0], coefficients) - t_val) ** 2)
        assert val_loss == pytest.approx(expected, rel=1e-7)
    # Nested model classes: the training loss can only fall as M grows.
    assert np.all(np.diff(curve.training_loss) <= 1e-12)
    assert curve.values == tuple(degrees)
    assert curve.best_value == degrees[int(np.argmin(curve.validation_loss))]
    assert curve.best_value in (3, 4, 5)


def test_capacity_curve_rejects_bad_arguments():
    X, t = noisy_sine(10, random_state=0)
    with pytest.raises(ValidationError, match=r"values must hold at least one parameter value"):
        capacity_curve(polynomial(1), "polynomialfeatures__degree", [], X, t, X, t)
    with pytest.raises(ValidationError, match=r"param_name must be a parameter of Pipeline"):
        capacity_curve(polynomial(1), "degree", [1], X, t, X, t)
    with pytest.raises(ValidationError, match=r"X_val and y_val must have the same number"):
        capacity_curve(polynomial(1), "polynomialfeatures__degree", [1], X, t, X, t[:3])


def test_learning_curve_uses_nested_training_subsets():
    X, t = noisy_sine(60, random_state=0)
    X_val, t_val = noisy_sine(300, random_state=1)
    sizes = [2, 5, 20, 60]
    curve = learning_curve(
        LinearRegression(), sizes, X, t, X_val, t_val, shuffle=True, random_state=4
    )
    order = np.random.default_rng(4).permutation(60)
    for n, train_loss, val_loss in zip(
        sizes, curve.training_loss, curve.validation_loss, strict=True
    ):
        chosen = order[:n]
        coefficients = npp.polyfit(X[chosen, 0], t[chosen], 1)
        fitted = npp.polyval(X[chosen, 0], coefficients)
        assert train_loss == pytest.approx(np.mean((fitted - t[chosen]) ** 2), abs=1e-12)
        expected = np.mean((npp.polyval(X_val[:, 0], coefficients) - t_val) ** 2)
        assert val_loss == pytest.approx(expected, rel=1e-9)
    assert curve.training_loss[0] == pytest.approx(0.0, abs=1e-20)  # a line through 2 points
    np.testing.assert_array_equal(curve.sizes, sizes)
    unshuffled = learning_curve(LinearRegression(), [5], X, t, X_val, t_val)
    first = npp.polyfit(X[:5, 0], t[:5], 1)
    assert unshuffled.training_loss[0] == pytest.approx(
        np.mean((npp.polyval(X[:5, 0], first) - t[:5]) ** 2), rel=1e-9
    )


@pytest.mark.parametrize(
    ("sizes", "message"),
    [([0], r"sizes must lie in \[1, 10\], got 0"), ([11], r"sizes must lie in \[1, 10\], got 11")],
)
def test_learning_curve_rejects_bad_sizes(sizes, message):
    X, t = noisy_sine(10, random_state=0)
    with pytest.raises(ValidationError, match=message):
        learning_curve(LinearRegression(), sizes, X, t, X, t)


def test_learning_curve_wants_a_size():
    X, t = noisy_sine(10, random_state=0)
    with pytest.raises(ValidationError, match=r"sizes must hold at least one training-set size"):
        learning_curve(LinearRegression(), [], X, t, X, t)


# --------------------------------------------------------------------------- bias and estimation


def test_parts_sum_to_the_population_loss():
    parts = bias_estimation_error(polynomial(3), 15, n_repeats=30, n_test=2000, random_state=0)
    total = parts.minimum_loss + parts.bias + parts.estimation_error
    assert total == pytest.approx(parts.population_loss, rel=1e-12)
    assert parts.bias >= 0
    assert parts.estimation_error >= 0
    assert (parts.n_train, parts.n_repeats) == (15, 30)


def test_minimum_unconstrained_loss_is_the_noise_variance():
    parts = bias_estimation_error(polynomial(1), 10, n_repeats=5, n_test=500, random_state=0)
    assert parts.minimum_loss == pytest.approx(0.1, rel=1e-12)
    # Independent Monte Carlo: the loss of E[t|x] = sin 2πx on fresh noisy data.
    X, t = noisy_sine(200_000, random_state=9)
    empirical = np.mean((t - np.sin(2 * np.pi * X[:, 0])) ** 2)
    assert empirical == pytest.approx(parts.minimum_loss, abs=4 * 0.1 * math.sqrt(2 / 200_000))
    wide = bias_estimation_error(
        polynomial(1), 10, population=NoisySine(0.5), n_repeats=2, n_test=100, random_state=0
    )
    assert wide.minimum_loss == pytest.approx(0.25, rel=1e-12)


def test_the_optimal_predictor_has_no_bias_and_no_estimation_error():
    parts = bias_estimation_error(SineOracle(), 10, n_repeats=3, n_test=500, random_state=0)
    assert parts.bias == 0.0
    assert parts.estimation_error == 0.0
    assert parts.population_loss == pytest.approx(0.1, rel=1e-12)


def test_bias_of_a_line_is_the_closed_form():
    # Projecting sin 2πx on {1, x} in L²[0, 1] leaves 1/2 − 3/π².
    parts = bias_estimation_error(polynomial(1), 10, n_repeats=2, n_test=40_000, random_state=1)
    assert parts.bias == pytest.approx(0.5 - 3 / math.pi**2, rel=0.03)
    assert best_in_class_bias(1) == pytest.approx(0.5 - 3 / math.pi**2, rel=1e-12)


def test_bias_falls_with_the_degree_and_matches_quadrature():
    biases = [
        bias_estimation_error(polynomial(m), 10, n_repeats=1, n_test=40_000, random_state=2).bias
        for m in (1, 3, 5, 7)
    ]
    assert np.all(np.diff(biases) < 0)
    for m, bias in zip((1, 3, 5), biases[:3], strict=True):
        assert bias == pytest.approx(best_in_class_bias(m), rel=0.05)


def test_estimation_error_falls_with_n_and_bias_does_not_depend_on_n():
    parts = [
        bias_estimation_error(polynomial(3), n, n_repeats=100, n_test=2000, random_state=3)
        for n in (20, 60, 200)
    ]
    errors = [p.estimation_error for p in parts]
    assert errors[0] > errors[1] > errors[2] > 0
    assert parts[0].bias == parts[1].bias == parts[2].bias  # same test inputs, same class


def test_population_loss_matches_quadrature_over_the_same_training_sets():
    estimator = recording_polynomial(3)
    parts = bias_estimation_error(estimator(), 20, n_repeats=40, n_test=40_000, random_state=4)
    best_in_class_fit, *training_sets = estimator.fits
    assert best_in_class_fit[0].shape == (40_000, 1)
    assert len(training_sets) == 40
    assert all(X.shape == (20, 1) and t.shape == (20,) for X, t in training_sets)
    exact = [sine_population_loss(npp.polyfit(X[:, 0], t, 3)) for X, t in training_sets]
    # Only the average over x is Monte Carlo (40 000 inputs): agreement to about 1 %.
    assert parts.population_loss == pytest.approx(np.mean(exact), rel=0.02)
    assert parts.population_loss_std_error == pytest.approx(
        np.std(np.array(exact) - 0.1, ddof=1) / math.sqrt(40), rel=0.1
    )


def test_bias_estimation_error_rejects_bad_counts():
    with pytest.raises(ValidationError, match=r"n_train must be >= 1, got 0"):
        bias_estimation_error(LinearRegression(), 0)
    with pytest.raises(ValidationError, match=r"n_repeats must be >= 1, got 0"):
        bias_estimation_error(LinearRegression(), 5, n_repeats=0)
