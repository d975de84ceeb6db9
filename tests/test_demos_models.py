"""The demos of issue 4 reproduce the guides' examples, checked against independent references."""

from __future__ import annotations

import math

import numpy as np
import numpy.polynomial.polynomial as npp
import pytest
from scipy import integrate
from scipy import stats as scipy_stats
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.linear_model import Perceptron as SklearnPerceptron
from sklearn.metrics import log_loss
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier as SklearnTree

from mlequations.catalog import load_catalog
from mlequations.datasets import load_iris, noisy_sine
from mlequations.demos import (
    bias_estimation,
    decision_tree,
    linear_classifiers,
    polynomial_fit,
    run_demo,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > 10_000, path


def sine_excess(coefficients: np.ndarray) -> float:
    """∫₀¹ (p(x) − sin 2πx)² dx by SciPy's adaptive quadrature."""
    value, _ = integrate.quad(
        lambda x: (npp.polyval(x, coefficients) - math.sin(2 * math.pi * x)) ** 2, 0, 1, limit=200
    )
    return value


def best_in_class_bias(degree: int) -> float:
    """min over polynomials of degree M of ∫₀¹ (p − sin 2πx)² dx (Gauss-Legendre least squares)."""
    nodes, weights = np.polynomial.legendre.leggauss(80)
    x, root = (nodes + 1) / 2, np.sqrt(weights / 2)
    design = npp.polyvander(x, degree) * root[:, None]
    coefficients = np.linalg.lstsq(design, np.sin(2 * np.pi * x) * root, rcond=None)[0]
    return sine_excess(coefficients)


# --------------------------------------------------------------------------- polynomial-fit


@pytest.fixture(scope="module")
def polynomial_result(tmp_path_factory):
    return run_demo("polynomial-fit", tmp_path_factory.mktemp("polynomial"))


def test_polynomial_fit_losses_match_numpy_polyfit(polynomial_result):
    values = polynomial_result.values
    X, t = noisy_sine(polynomial_fit.N_TRAIN, random_state=polynomial_fit.TRAIN_SEED)
    X_val, t_val = noisy_sine(
        polynomial_fit.N_VALIDATION, random_state=polynomial_fit.VALIDATION_SEED
    )
    for m in (1, 3):
        coefficients = npp.polyfit(X[:, 0], t, m)
        training = np.mean((npp.polyval(X[:, 0], coefficients) - t) ** 2)
        validation = np.mean((npp.polyval(X_val[:, 0], coefficients) - t_val) ** 2)
        assert values[f"training_loss_M{m}"] == pytest.approx(training, rel=1e-9)
        assert values[f"validation_loss_M{m}"] == pytest.approx(validation, rel=1e-9)
        assert values[f"population_loss_M{m}"] == pytest.approx(
            0.1 + sine_excess(coefficients), rel=1e-8
        )
    # M = 9 on ten points interpolates (the polynomial through the points, by SciPy).
    assert values["training_loss_M9"] < 1e-18
    through_points = npp.polyfit(X[:, 0], t, 9)
    assert values["population_loss_M9"] == pytest.approx(
        0.1 + sine_excess(through_points), rel=1e-4
    )


def test_polynomial_fit_under_good_and_overfit(polynomial_result):
    values = polynomial_result.values
    assert values["training_loss_M1"] > values["training_loss_M3"] > values["training_loss_M9"]
    for kind in ("validation", "population"):
        assert values[f"{kind}_loss_M3"] < values[f"{kind}_loss_M1"]
        assert values[f"{kind}_loss_M3"] < values[f"{kind}_loss_M9"]
    assert values["best_degree_validation"] == 3
    assert values["best_degree_cross_validation"] == 3
    for m in (1, 3, 9):  # 1000 validation points estimate the population loss
        assert values[f"validation_loss_M{m}"] == pytest.approx(
            values[f"population_loss_M{m}"], rel=0.15
        )
    assert_png(polynomial_result.files[0])


# --------------------------------------------------------------------------- bias-estimation-error


@pytest.fixture(scope="module")
def bias_result(tmp_path_factory):
    return run_demo("bias-estimation-error", tmp_path_factory.mktemp("bias"))


def test_decomposition_parts_add_up(bias_result):
    values = bias_result.values
    assert values["minimum_loss"] == pytest.approx(0.1, rel=1e-12)
    for m in bias_estimation.DEGREES:
        parts = values["minimum_loss"] + values[f"bias_M{m}"] + values[f"estimation_error_M{m}"]
        assert parts == pytest.approx(values[f"population_loss_M{m}"], rel=1e-12)
        assert values[f"bias_M{m}"] >= 0
        assert values[f"estimation_error_M{m}"] > 0
    assert_png(bias_result.files[0])


def test_bias_matches_the_best_polynomial_and_falls_with_m(bias_result):
    values = bias_result.values
    assert values["bias_M1"] == pytest.approx(0.5 - 3 / math.pi**2, rel=0.05)  # closed form
    for m in (0, 1, 3, 5):
        assert values[f"bias_M{m}"] == pytest.approx(best_in_class_bias(m), rel=0.05)
    biases = np.array([values[f"bias_M{m}"] for m in bias_estimation.DEGREES])
    assert np.all(np.diff(biases) <= 1e-12 * biases[:-1])  # nested classes
    assert np.all(np.diff(biases[1::2]) < 0)  # strictly at each odd degree
    assert values["best_degree"] == 3


def test_estimation_error_falls_with_n_at_the_least_squares_rate(bias_result):
    values = bias_result.values
    for m in bias_estimation.SIZE_DEGREES:
        errors = [values[f"estimation_error_M{m}_N{n}"] for n in bias_estimation.SIZES]
        assert np.all(np.diff(errors) < 0)
        biases = {values[f"bias_M{m}_N{n}"] for n in bias_estimation.SIZES}
        assert len(biases) == 1  # the bias does not depend on N
    # A nearly well-specified model (M = 3, bias 0.005 ≪ σ² = 0.1): (M + 1)σ²/N at large N.
    assert values["estimation_error_M3_N1000"] == pytest.approx(4 * 0.1 / 1000, rel=0.35)
    estimation_growth = [values[f"estimation_error_M{m}"] for m in (3, 5, 7, 9)]
    assert np.all(np.diff(estimation_growth) > 0)


# --------------------------------------------------------------------------- naive-bayes-iris


def test_naive_bayes_iris_matches_scikit_learn(tmp_path):
    result = run_demo("naive-bayes-iris", tmp_path)
    values = result.values
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=42)
    reference = GaussianNB().fit(X_train, y_train)
    assert values["accuracy"] == pytest.approx(reference.score(X_test, y_test), abs=1e-15)
    assert values["accuracy"] == pytest.approx(44 / 45, abs=1e-15)
    assert values["test_errors"] == 1
    assert values["test_size"] == 45
    assert values["sample_class"] == 0  # setosa
    sample = [[5.1, 3.5, 1.4, 0.2]]
    assert values["sample_posterior_setosa"] == pytest.approx(
        reference.predict_proba(sample)[0, 0], abs=1e-12
    )
    assert_png(result.files[0])


# --------------------------------------------------------------------------- decision-tree


@pytest.fixture(scope="module")
def tree_result(tmp_path_factory):
    return run_demo("decision-tree", tmp_path_factory.mktemp("tree"))


def test_root_gains_match_scikit_learn_stumps(tree_result):
    values = tree_result.values
    bunch = load_iris(bunch=True)
    X, y = bunch.data, bunch.target
    for j, name in enumerate(bunch.feature_names):
        stump = SklearnTree(criterion="entropy", max_depth=1).fit(X[:, [j]], y).tree_
        weights = stump.n_node_samples[1:] / stump.n_node_samples[0]
        decrease = stump.impurity[0] - np.sum(weights * stump.impurity[1:])
        key = f"best_gain_{name.replace(' (cm)', '').replace(' ', '_')}"
        assert values[key] == pytest.approx(decrease, rel=1e-12)
    assert values["root_entropy_bits"] == pytest.approx(math.log2(3), rel=1e-14)
    assert values["best_gain"] == pytest.approx(math.log2(3) - 2 / 3, rel=1e-13)
    assert (values["best_feature"], values["best_threshold"]) in ((2, 2.45), (3, 0.8))
    assert (values["root_feature"], values["root_threshold"]) in ((2, 2.45), (3, 0.8))


def test_every_candidate_gain_matches_scipy_entropies():
    X, y = load_iris()
    for j, (thresholds, gains) in enumerate(decision_tree.root_split_gains(X, y)):
        values = np.unique(X[:, j])
        np.testing.assert_allclose(thresholds, (values[:-1] + values[1:]) / 2, rtol=1e-15)
        parent = scipy_stats.entropy(np.bincount(y), base=2)
        for tau, gain in zip(thresholds, gains, strict=True):
            left, right = y[X[:, j] <= tau], y[X[:, j] > tau]
            children = sum(
                len(part) / len(y) * scipy_stats.entropy(np.bincount(part, minlength=3), base=2)
                for part in (left, right)
            )
            assert gain == pytest.approx(parent - children, abs=1e-12)


def test_decision_tree_scores_like_scikit_learns(tree_result):
    values = tree_result.values
    X, y = load_iris()
    reference = SklearnTree(criterion="entropy", max_depth=3, random_state=0).fit(X, y)
    assert values["training_accuracy"] == pytest.approx(reference.score(X, y), abs=0.01)
    cv = cross_val_score(
        SklearnTree(criterion="entropy", max_depth=3, random_state=0),
        X,
        y,
        cv=KFold(5, shuffle=True, random_state=0),
    )
    assert values["cross_validation_accuracy"] == pytest.approx(cv.mean(), abs=0.01)
    assert values["depth"] == 3
    figure, listing = tree_result.files
    assert_png(figure)
    text = listing.read_text(encoding="utf-8")
    assert text.splitlines()[0] in ("|--- petal length <= 2.45", "|--- petal width <= 0.80")
    assert "class: setosa" in text
    assert text in tree_result.summary


# --------------------------------------------------------------------------- linear classifiers


def sigmoid_reference(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_guide_perceptron_steps_reproduce():
    thetas, margins = linear_classifiers.guide_perceptron_steps()
    # θ ← θ + γ t± x on each mistake: −1 → −0.79 → −0.64, margins −2.1 and −1.185 first.
    np.testing.assert_allclose(thetas[:3], [-1.0, -0.79, -0.64], rtol=0, atol=1e-12)
    np.testing.assert_allclose(margins[:2], [-2.1, -1.185], rtol=0, atol=1e-12)
    # Cycling: +0.21 for the point 2.1 and +0.15 for −1.5 until θ > 0 classifies both.
    np.testing.assert_allclose(thetas, [-1, -0.79, -0.64, -0.43, -0.28, -0.07, 0.08], atol=1e-12)
    assert np.all(margins <= 0)
    for x, t in linear_classifiers.GUIDE_POINTS:
        assert (2 * t - 1) * thetas[-1] * x > 0


def test_guide_logistic_steps_match_the_closed_form():
    thetas, losses = linear_classifiers.guide_logistic_steps(n_steps=6)
    theta, expected = -1.0, [-1.0]
    for step in range(6):
        x, t = linear_classifiers.GUIDE_POINTS[step % 2]
        theta -= 0.1 * (sigmoid_reference(theta * x) - t) * x
        expected.append(theta)
    np.testing.assert_allclose(thetas, expected, rtol=1e-12)
    assert thetas[1] == pytest.approx(-1 + 0.21 * (1 - sigmoid_reference(-2.1)), rel=1e-12)
    first = [-(math.log(sigmoid_reference(-2.1))), -math.log(1 - sigmoid_reference(1.5))]
    assert losses[0] == pytest.approx(np.mean(first), rel=1e-12)
    assert np.all(np.diff(losses) < 0)


@pytest.fixture(scope="module")
def logistic_result(tmp_path_factory):
    return run_demo("logistic-regression", tmp_path_factory.mktemp("logistic"))


def test_logistic_regression_demo_matches_scikit_learn(logistic_result):
    values = logistic_result.values
    X, y = linear_classifiers.two_clouds(separation=2.5)
    reference = SklearnLogisticRegression(C=1.0, tol=1e-10).fit(X, y)
    assert values["log_loss"] == pytest.approx(log_loss(y, reference.predict_proba(X)), abs=1e-6)
    assert values["log_loss"] <= values["log_loss_scikit_learn"] + 1e-4
    np.testing.assert_allclose(
        [values["coef_0"], values["coef_1"], values["intercept"]],
        [*reference.coef_[0], reference.intercept_[0]],
        atol=1e-4,
    )
    assert values["accuracy"] == pytest.approx(reference.score(X, y), abs=1e-12)
    assert values["theta_step1"] == pytest.approx(-0.8129103, abs=1e-7)
    assert values["theta_step2"] == pytest.approx(-0.6971176, abs=1e-7)
    assert_png(logistic_result.files[0])


@pytest.fixture(scope="module")
def perceptron_result(tmp_path_factory):
    return run_demo("perceptron", tmp_path_factory.mktemp("perceptron"))


def test_perceptron_demo_follows_the_guide_and_the_catalog(perceptron_result):
    values = perceptron_result.values
    entry = load_catalog()["perceptron-update"]
    assert values["theta_step2"] == pytest.approx(entry.example.expected, abs=1e-12)
    assert (values["theta_step1"], values["theta_step2"]) == pytest.approx(
        (-0.79, -0.64), abs=1e-12
    )
    assert (values["margin_step1"], values["margin_step2"]) == pytest.approx(
        (-2.1, -1.185), abs=1e-12
    )
    # The estimator, started at θ = −1 without intercept and not shuffled, ends where the
    # hand-run steps do: six updates of +0.21 and +0.15 take θ from −1 to 0.08.
    assert values["updates_guide"] == 6
    assert values["theta_final_guide"] == pytest.approx(-1 + 3 * 0.21 + 3 * 0.15, abs=1e-12)
    assert values["estimator_theta_guide"] == pytest.approx(values["theta_final_guide"], abs=1e-12)


def test_perceptron_demo_separates_the_clouds_like_scikit_learn(perceptron_result):
    values = perceptron_result.values
    X, y = linear_classifiers.two_clouds(separation=linear_classifiers.SEPARABLE)
    reference = SklearnPerceptron(shuffle=False, tol=None, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(
        [values["coef_0"], values["coef_1"], values["intercept"]],
        [*reference.coef_[0], reference.intercept_[0]],
        rtol=1e-12,
    )
    assert values["accuracy"] == 1.0
    assert reference.score(X, y) == 1.0
    assert values["updates"] >= values["epochs"] - 1  # every epoch but the last made a mistake
    assert_png(perceptron_result.files[0])
