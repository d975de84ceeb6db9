"""Perceptron against scikit-learn's Perceptron, the update rule and the guide's worked steps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Perceptron as SklearnPerceptron
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.models.perceptron import Perceptron, perceptron_path

LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
}


# tol=None runs max_iter epochs on data that are not separable: keep it small.
@parametrize_with_checks(
    [
        Perceptron(random_state=0),
        Perceptron(max_iter=20, tol=None, shuffle=False, fit_intercept=False),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def standardised(name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_same_epochs_as_sklearn_without_shuffling(name, fit_intercept):
    """Same order, rate (eta0) and no penalty: scikit-learn's SGD takes the same steps."""
    X, y = standardised(name)
    settings = {"max_iter": 6, "tol": None, "shuffle": False, "fit_intercept": fit_intercept}
    ours = Perceptron(learning_rate=0.5, **settings).fit(X, y)
    theirs = SklearnPerceptron(eta0=0.5, **settings).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-10)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_same_stopping_rule_as_sklearn(name):
    """With tol, both stop once the epoch loss has not fallen by tol·N for 5 epochs."""
    X, y = standardised(name)
    ours = Perceptron(shuffle=False).fit(X, y)
    theirs = SklearnPerceptron(shuffle=False).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
    assert ours.n_iter_ <= theirs.n_iter_  # ours also stops after an epoch without mistakes


def test_digits_one_versus_rest_matches_sklearn():
    X, y = datasets.load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    settings = {"max_iter": 2, "tol": None, "shuffle": False}
    ours = Perceptron(**settings).fit(X, y)
    theirs = SklearnPerceptron(**settings).fit(X, y)
    assert ours.coef_.shape == (10, 64)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
    assert_array_equal(ours.predict(X), theirs.predict(X))


# --------------------------------------------------------------------------- the update rule


def test_guide_worked_steps():
    """The guide: θ = −1, γ = 0.1; (2.1, label 1) gives −0.79, then (−1.5, label 0) −0.64."""
    path = perceptron_path([-1.0], [[2.1], [-1.5]], [1, 0], 0.1)
    assert_allclose(path.ravel(), [-1.0, -0.79, -0.64], rtol=1e-14)
    model = Perceptron(learning_rate=0.1, max_iter=1, tol=None, shuffle=False, fit_intercept=False)
    model.fit([[2.1], [-1.5]], [1, 0], coef_init=[[-1.0]])
    assert_allclose(model.coef_, [[-0.64]], rtol=1e-14)
    assert_array_equal(model.intercept_, [0.0])


def test_path_follows_the_closed_form(rng):
    U = rng.normal(size=(12, 3))
    t = rng.integers(0, 2, 12)
    theta = rng.normal(size=3)
    expected = [theta]
    for u, label in zip(U, t, strict=True):
        sign = 2 * label - 1
        mistake = sign * (expected[-1] @ u) <= 0
        expected.append(expected[-1] + 0.3 * sign * u * mistake)
    assert_allclose(perceptron_path(theta, U, t, 0.3), np.array(expected), rtol=1e-14)


def test_separable_data_ends_without_mistakes(rng):
    X = rng.normal(size=(80, 2))
    y = (X @ [2.0, -1.0] + 0.3 > 0).astype(int)
    model = Perceptron(random_state=0, tol=None, max_iter=500).fit(X, y)
    assert model.n_iter_ < 500
    margins = (2 * y - 1) * model.decision_function(X)
    assert np.all(margins > 0)
    assert model.score(X, y) == 1.0


def test_any_two_labels_and_the_positive_class(rng):
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] > 0, "yes", "no")
    model = Perceptron(random_state=0).fit(X, y)
    assert_array_equal(model.classes_, ["no", "yes"])
    assert model.coef_.shape == (1, 2)
    assert model.intercept_.shape == (1,)
    scores = model.decision_function(X)
    assert_array_equal(model.predict(X), np.where(scores > 0, "yes", "no"))


def test_shuffling_is_reproducible(rng):
    X, y = standardised("iris")
    first = Perceptron(random_state=3).fit(X, y)
    second = Perceptron(random_state=3).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)
    other = Perceptron(random_state=4).fit(X, y)
    assert not np.array_equal(first.coef_, other.coef_)


def test_convergence_warning_only_with_tol(rng):
    X = rng.normal(size=(60, 2))
    y = rng.integers(0, 2, 60)  # not separable
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2 epochs"):
        model = Perceptron(max_iter=2, n_iter_no_change=5).fit(X, y)
    assert model.n_iter_ == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Perceptron(max_iter=2, tol=None).fit(X, y).n_iter_ == 2


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("value", "kind"), [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input_is_refused(rng, value, kind):
    X = rng.normal(size=(20, 3))
    y = np.arange(20) % 2
    model = Perceptron().fit(X, y)
    X[2, 0] = value
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        Perceptron().fit(X, y)
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        model.decision_function(X)


def test_wrong_number_of_features_at_predict(rng):
    model = Perceptron().fit(rng.normal(size=(20, 3)), np.arange(20) % 2)
    with pytest.raises(ValueError, match="X has 4 features, but Perceptron is expecting 3"):
        model.predict(np.zeros((2, 4)))


def test_one_class_empty_and_unfitted(rng):
    with pytest.raises(ValueError, match=r"at least two classes.*got 1 class: 'a'$"):
        Perceptron().fit(rng.normal(size=(4, 2)), ["a"] * 4)
    with pytest.raises(ValueError, match="0 sample"):
        Perceptron().fit(np.zeros((0, 2)), [])
    with pytest.raises(NotFittedError):
        Perceptron().predict([[1.0, 2.0]])
    with pytest.raises(ValueError, match="Unknown label type"):
        Perceptron().fit(rng.normal(size=(6, 2)), rng.normal(size=6))


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"learning_rate": 0.0}, ValidationError, "learning_rate must be a positive"),
        ({"learning_rate": "1"}, ArrayTypeError, "learning_rate must be a real number"),
        ({"max_iter": 0}, ValidationError, "max_iter must be >= 1, got 0"),
        ({"tol": -1.0}, ValidationError, "tol must be None or a finite number >= 0"),
        ({"n_iter_no_change": 0}, ValidationError, "n_iter_no_change must be >= 1"),
    ],
)
def test_bad_parameters(rng, params, error, message):
    with pytest.raises(error, match=message):
        Perceptron(**params).fit(rng.normal(size=(6, 2)), [0, 1] * 3)


def test_bad_initial_weights_and_path_shapes(rng):
    X, y = rng.normal(size=(6, 2)), [0, 1] * 3
    with pytest.raises(ShapeError, match=r"coef_init must be finite with shape \(1, 2\)"):
        Perceptron().fit(X, y, coef_init=[1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"intercept_init must be finite with shape \(3,\)"):
        Perceptron().fit(X, [0, 1, 2] * 2, intercept_init=[0.0])
    with pytest.raises(ShapeError, match=r"U must be \(N, d\) and t \(N,\)"):
        perceptron_path([0.0], [[1.0], [2.0]], [1], 0.1)
    with pytest.raises(ValidationError, match="t must hold labels 0 or 1"):
        perceptron_path([0.0], [[1.0]], [2], 0.1)
