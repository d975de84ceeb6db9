"""The models and validation chapters: the method-call select step, and the guides' claims."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from scipy.stats import entropy
from sklearn import decomposition
from sklearn.linear_model import LinearRegression as SklearnLinearRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier as SklearnTree

from mlequations.activations import sigmoid
from mlequations.catalog import CatalogError, load_catalog
from mlequations.catalog.verify import check_entry, select_from
from mlequations.datasets import NoisySine
from mlequations.demos import DEMOS
from mlequations.model_selection import (
    bias_estimation_error,
    cross_validation_loss,
    dataset_loss,
)
from mlequations.models.decision_tree import DecisionTreeClassifier
from mlequations.models.linear_regression import LinearRegression
from mlequations.models.logistic_regression import LogisticRegression
from mlequations.models.naive_bayes import GaussianNaiveBayes
from mlequations.models.pca import PCA
from mlequations.models.perceptron import Perceptron, perceptron_path
from mlequations.models.regularized import LassoRegression, RidgeRegression
from mlequations.models.tree_splits import candidate_splits
from mlequations.updates import stochastic_gradient_step

CATALOG = load_catalog()

MODELS = [
    "least-squares",
    "polynomial-regression",
    "ridge",
    "lasso",
    "naive-bayes",
    "decision-tree",
    "gini-impurity",
    "explained-variance-ratio",
    "perceptron",
    "logistic-regression",
]
VALIDATION = [
    "empirical-risk-minimization",
    "validation-loss",
    "k-fold-cross-validation",
    "bias-estimation-error",
]


def test_the_new_chapters_hold_the_promised_ids_and_agree():
    assert [e.id for e in CATALOG.in_chapter("models")] == MODELS
    assert [e.id for e in CATALOG.in_chapter("validation")] == VALIDATION
    for entry_id in MODELS + VALIDATION:
        result = check_entry(CATALOG[entry_id])
        assert result.ok, (entry_id, result.error, result.ours, result.reference)


# The required ids that live in these six chapters.
REQUIRED = {
    "activations": ["neuron", "sigmoid", "tanh", "relu", "leaky-relu", "softmax", "swish", "gelu"],
    "losses": [
        "mean-squared-error",
        "mean-absolute-error",
        "binary-cross-entropy",
        "categorical-cross-entropy",
        "zero-one-loss",
        "classification-margin",
        "surrogate-losses",
    ],
    "models": [
        "least-squares",
        "polynomial-regression",
        "ridge",
        "lasso",
        "perceptron",
        "logistic-regression",
        "decision-tree",
        "naive-bayes",
    ],
    "networks": ["mlp"],
    "validation": [
        "empirical-risk-minimization",
        "k-fold-cross-validation",
        "bias-estimation-error",
    ],
    "bayesopt": ["gaussian-process", "expected-improvement", "bayesian-optimization"],
}


def test_required_ids_exist_and_every_entry_names_related_entries_and_a_demo():
    for chapter, ids in REQUIRED.items():
        assert set(ids) <= {e.id for e in CATALOG.in_chapter(chapter)}, chapter
        for entry in CATALOG.in_chapter(chapter):
            assert entry.related, entry.id
            assert all(other in CATALOG and other != entry.id for other in entry.related)
            assert entry.demo in DEMOS, entry.id


# --------------------------------------------------------------------------- the method step


class Counter:
    def __init__(self, start=0.0):
        self.total = start

    def add(self, value, times=1):
        self.total += value * times
        return self


def test_select_calls_methods_with_decoded_arguments():
    counter = Counter()
    steps = (
        {"method": "add", "args": [2.0]},
        {"method": "add", "args": [{"array": [1.0, 2.0]}], "kwargs": {"times": 3}},
        "total",
        1,
    )
    assert select_from(counter, steps) == 2.0 + 2.0 * 3
    assert select_from(Counter(5.0), ({"method": "add", "args": [1.0]}, "total")) == 6.0
    # a method table without arguments calls the method with none
    assert select_from(np.array([1.0, 3.0]), ({"method": "mean"},)) == 2.0


def test_an_estimator_is_fitted_and_read_through_select():
    steps = (
        {"method": "fit", "args": [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]]},
        {"method": "predict", "args": [[[3.0]]]},
    )
    np.testing.assert_allclose(select_from(LinearRegression(), steps), [7.0], rtol=1e-12)


ESTIMATOR_ENTRY = """
chapter = "demo"
title = { en = "Demo", zh = "演示" }

[[equation]]
id = "fitted-line"
title = { en = "A fitted line", zh = "拟合的直线" }
latex = 't = 1 + 2x'
explanation = { en = "A line.", zh = "一条直线。" }
practical_use = { en = "Tests.", zh = "测试。" }
function = "mlequations.models.linear_regression:LinearRegression"
related = ["fitted-line-again"]
demo = "polynomial-fit"

[equation.example]
description = { en = "Three points", zh = "三个点" }
select = [{ method = "fit", args = [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]] }, "coef_"]
expected = [2.0]

[equation.reference]
library = "scikit-learn"
function = "sklearn.linear_model:LinearRegression"
kwargs = {}
select = [{ method = "fit", args = [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]] }, "coef_"]

[[equation]]
id = "fitted-line-again"
title = { en = "A fitted line", zh = "拟合的直线" }
latex = 't = 1 + 2x'
explanation = { en = "A line.", zh = "一条直线。" }
practical_use = { en = "Tests.", zh = "测试。" }
function = "mlequations.models.linear_regression:LinearRegression"
related = ["fitted-line"]
demo = "polynomial-fit"

[equation.example]
description = { en = "Three points", zh = "三个点" }
select = [{ method = "fit", args = [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]] }, "coef_"]
expected = [2.0]

[equation.reference]
library = "scikit-learn"
function = "sklearn.linear_model:LinearRegression"
kwargs = {}
select = [{ method = "fit", args = [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]] }, "coef_"]
"""


def _write(tmp_path, text):
    (tmp_path / "demo.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_a_method_step_entry_loads_and_checks(tmp_path):
    entry = load_catalog(_write(tmp_path, ESTIMATOR_ENTRY))["fitted-line"]
    assert entry.example.select[0]["method"] == "fit"
    assert check_entry(entry).ok


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('{ method = "fit", args', '{ method = "fit", arguments', "unknown field"),
        ('{ method = "fit", args', "{ args", "method: expected non-empty text"),
        (
            '{ method = "fit", args',
            '{ method = "fit", name = "x", args',
            r"unknown field\(s\) \['name'\]",
        ),
        (
            "args = [[[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]] }",
            "args = 3 }",
            "'fit': args: expected a list",
        ),
        (
            '{ method = "fit", args',
            '{ method = "fit", kwargs = [1], args',
            "kwargs: expected a table",
        ),
        ('"coef_"]\nexpected', "1.5]\nexpected", "names, integers or method tables"),
    ],
)
def test_malformed_method_steps_are_named(tmp_path, old, new, message):
    assert old in ESTIMATOR_ENTRY
    with pytest.raises(CatalogError, match=message) as raised:
        load_catalog(_write(tmp_path, ESTIMATOR_ENTRY.replace(old, new, 1)))
    assert "demo.toml" in str(raised.value)


# --------------------------------------------------------------------------- the guides' claims


def test_dropping_the_singular_inverse_is_wrong_and_the_pseudo_inverse_is_right():
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    t = np.array([1.0, 2.0, 3.0])
    assert np.linalg.matrix_rank(X.T @ X) == 1
    guide = X.T @ t  # "drop (X^T X)^{-1}"
    np.testing.assert_array_equal(guide, [14.0, 14.0])
    assert np.sum((X @ guide - t) ** 2) > 1000.0
    ours = LinearRegression(fit_intercept=False).fit(X, t).coef_
    np.testing.assert_allclose(ours, np.linalg.pinv(X) @ t, rtol=1e-12)
    np.testing.assert_allclose(ours, [0.5, 0.5], rtol=1e-12)
    np.testing.assert_allclose(X @ ours, t, rtol=1e-12)


def test_ridge_alpha_is_the_guides_lambda(rng):
    X, t, lam = rng.normal(size=(20, 3)), rng.normal(size=20), 2.5
    n = len(t)
    # the gradient of (1/N)||t - X theta||^2 + (lambda/N)||theta||^2 vanishes at the closed form
    theta = np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ t)
    gradient = (-2 / n) * X.T @ (t - X @ theta) + (2 * lam / n) * theta
    np.testing.assert_allclose(gradient, 0.0, atol=1e-12)
    ours = RidgeRegression(alpha=lam, fit_intercept=False).fit(X, t).coef_
    np.testing.assert_allclose(ours, theta, rtol=1e-10)


def test_lasso_alpha_is_lambda_over_2n_and_soft_thresholds():
    x = np.array([[1.0], [2.0], [-1.0], [0.5]])
    t = np.array([1.0, 3.0, -2.0, 0.0])
    n, lam = len(t), 3.0
    # one feature: the guide's (1/N)(||t - x theta||^2 + lambda |theta|) has this minimiser
    correlation = float(x[:, 0] @ t)
    shrunk = math.copysign(max(abs(correlation) - lam / 2, 0.0), correlation)  # soft threshold
    guide = shrunk / float(x[:, 0] @ x[:, 0])
    ours = LassoRegression(alpha=lam / (2 * n), fit_intercept=False, tol=1e-12).fit(x, t)
    assert ours.coef_[0] == pytest.approx(guide, rel=1e-10)
    # the catalog example: centred x^T t = 4, so alpha >= 4/3 (N alpha >= 4) gives exactly 0
    X, T = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    assert LassoRegression(alpha=4 / 3 + 1e-9).fit(X, T).coef_[0] == 0.0
    assert LassoRegression(alpha=4 / 3 - 0.03).fit(X, T).coef_[0] > 0.0


def test_the_guides_naive_bayes_point_is_a_tie_predicted_as_class_0():
    X = [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]]
    y = [0, 0, 1, 1]
    point = [[2.5, 3.5]]
    reference = GaussianNB().fit(X, y)
    assert reference.predict(point).tolist() == [0]  # the guide prints [1]
    ours = GaussianNaiveBayes().fit(X, y)
    np.testing.assert_allclose(ours.theta_, [[1.5, 2.5], [3.5, 4.5]])
    np.testing.assert_allclose(ours.var_, 0.25, rtol=1e-7)
    log_joint = ours.predict_log_proba(point)
    assert log_joint[0, 0] == log_joint[0, 1]
    assert ours.predict(point).tolist() == [0]


def test_the_decision_tree_example_gains():
    x = np.arange(1.0, 9.0)
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    root = entropy([3, 5], base=2)
    assert root == pytest.approx(0.9544, abs=1e-4)
    thresholds, gains = candidate_splits(x, y)
    by_threshold = dict(zip(thresholds.tolist(), gains.tolist(), strict=True))
    for threshold, gain in ((4.5, 0.5488), (2.5, 0.4669)):
        left, right = y[x <= threshold], y[x > threshold]
        direct = root - sum(
            len(side) / len(y) * entropy(np.bincount(side), base=2) for side in (left, right)
        )
        assert by_threshold[threshold] == pytest.approx(direct, rel=1e-12)
        assert direct == pytest.approx(gain, abs=1e-4)
    assert thresholds[np.argmax(gains)] == 4.5
    # Gini picks the same cut, with the decrease the gini-impurity entry states
    _, gini_gains = candidate_splits(x, y, "gini")
    assert gini_gains.max() == pytest.approx(0.2812, abs=1e-4)
    for criterion in ("entropy", "gini"):
        reference = SklearnTree(criterion=criterion, max_depth=1).fit(x[:, None], y)
        ours = DecisionTreeClassifier(criterion=criterion, max_depth=1).fit(x[:, None], y)
        assert ours.tree_.threshold[0] == reference.tree_.threshold[0] == 4.5


def test_one_minus_the_kept_ratio_is_the_relative_reconstruction_error(rng):
    X = rng.normal(size=(30, 4)) @ rng.normal(size=(4, 4))
    model = PCA(n_components=2).fit(X)
    residual = X - model.inverse_transform(model.transform(X))
    relative_error = np.sum(residual**2) / np.sum((X - X.mean(axis=0)) ** 2)
    assert relative_error == pytest.approx(1 - model.explained_variance_ratio_.sum(), rel=1e-10)
    reference = decomposition.PCA(n_components=2).fit(X)
    np.testing.assert_allclose(
        model.explained_variance_ratio_, reference.explained_variance_ratio_, rtol=1e-10
    )


def test_the_perceptron_epochs_of_the_example():
    U, t = np.array([[2.1], [-1.5]] * 3), np.array([1, 0] * 3)
    path = perceptron_path([-1.0], U, t, 0.1).ravel()
    np.testing.assert_allclose(path, [-1.0, -0.79, -0.64, -0.43, -0.28, -0.07, 0.08], atol=1e-12)
    margins = (2 * t - 1) * U[:, 0] * 0.08
    assert np.all(margins > 0)  # epoch 4 makes no mistake
    model = Perceptron(learning_rate=0.1, shuffle=False, fit_intercept=False)
    model.fit([[2.1], [-1.5]], [1, 0], coef_init=[[-1.0]])
    assert model.n_iter_ == 4


def test_the_logistic_example_is_stationary_and_the_guides_sgd_steps():
    x, t, C = np.array([2.1, -1.5]), np.array([1.0, 0.0]), 1.0
    model = LogisticRegression(C=C, fit_intercept=False, tol=1e-10).fit(x[:, None], t.astype(int))
    theta = model.coef_[0, 0]
    delta = sigmoid(theta * x) - t
    assert np.sum(delta * x) + theta / C == pytest.approx(0.0, abs=1e-8)
    assert theta == pytest.approx(0.7392, abs=1e-4)
    steps = [-1.0]
    for x_n, t_n in zip(x, t, strict=True):
        gradient = (1 / (1 + math.exp(-steps[-1] * x_n)) - t_n) * x_n
        steps.append(float(stochastic_gradient_step(steps[-1], [gradient], 0.1)))
    np.testing.assert_allclose(steps[1:], [-0.8129, -0.6971], atol=1e-4)


def test_erm_validation_and_k_fold_examples():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    t = np.array([0.0, 1.0, 2.0, 2.0])
    line = LinearRegression().fit(X[2:], t[2:])
    np.testing.assert_allclose(line.predict(X), 2.0, rtol=1e-12)
    assert dataset_loss(line, X[2:], t[2:]) == pytest.approx(0.0, abs=1e-24)
    assert dataset_loss(line, X, t) == pytest.approx(5 / 4, rel=1e-12)  # the guide's 5/4
    mean, folds = cross_validation_loss(LinearRegression(), X, t, k=2, return_fold_losses=True)
    np.testing.assert_allclose(folds, [2.5, 0.5], rtol=1e-12)
    assert mean == pytest.approx(1.5, rel=1e-12)


def test_the_best_line_for_the_noisy_sine_and_its_bias():
    x = (np.arange(200_000) + 0.5) / 200_000  # midpoint rule on [0, 1]
    best = SklearnLinearRegression().fit(x[:, None], np.sin(2 * np.pi * x))
    assert best.coef_[0] == pytest.approx(-6 / np.pi, rel=1e-6)
    assert best.intercept_ == pytest.approx(3 / np.pi, rel=1e-6)
    residual = best.predict(x[:, None]) - np.sin(2 * np.pi * x)
    assert np.mean(residual**2) == pytest.approx(0.5 - 3 / np.pi**2, rel=1e-6)
    parts = bias_estimation_error(
        LinearRegression(), 10, n_repeats=20, n_test=100_000, random_state=1
    )
    assert parts.minimum_loss == pytest.approx(0.1, rel=1e-12)
    assert abs(parts.estimation_error - 0.09) < 0.01  # "about 0.09 here"


def test_the_validation_loss_of_a_fixed_predictor_is_unbiased(rng):
    """The validation-loss correction: averaged over validation sets it is L_p(theta)."""
    population = NoisySine()
    line = LinearRegression().fit(*population.sample(10, random_state=3))
    x = (np.arange(100_000) + 0.5) / 100_000
    gap = line.predict(x[:, None]) - np.sin(2 * np.pi * x)
    population_loss = population.noise_variance + np.mean(gap**2)
    X_val, t_val = population.sample(5 * 4000, random_state=rng)
    squared = (t_val - line.predict(X_val)) ** 2
    validation_losses = squared.reshape(4000, 5).mean(axis=1)  # 4000 sets of N^v = 5
    standard_error = validation_losses.std(ddof=1) / np.sqrt(4000)
    assert abs(validation_losses.mean() - population_loss) < 4 * standard_error
