"""LogisticRegression against scikit-learn's, PyTorch's autograd and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_expit, log_softmax
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.models.logistic_regression import LogisticRegression
from mlequations.optimize import DivergenceError

LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}

# Plain gradient descent at the safe rate 1/L needs far more than max_iter=1000 steps on
# unscaled iris (its curvature spans four orders of magnitude), so it warns that it did
# not converge, which this project's filterwarnings=error turns into a failure.
_GD_UNSCALED_IRIS = (
    "fits unscaled iris, where plain gradient descent needs more than max_iter=1000 steps "
    "and says so with a ConvergenceWarning (an error under filterwarnings=error)"
)
EXPECTED_FAILED_CHECKS = {
    "gd": {
        "check_positive_only_tag_during_fit": _GD_UNSCALED_IRIS,
        "check_non_transformer_estimators_n_iter": _GD_UNSCALED_IRIS,
    }
}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: BLAS threads only add overhead (and stall on a loaded machine)."""
    with threadpool_limits(1):
        yield


@parametrize_with_checks(
    [
        LogisticRegression(),
        LogisticRegression(fit_intercept=False),
        LogisticRegression(solver="gd"),
        LogisticRegression(solver="sgd", random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS.get(estimator.solver, {}),
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def standardised(name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def training_log_loss(model, X, y) -> float:
    return log_loss(y, model.predict_proba(X), labels=model.classes_)


# --------------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_lbfgs_matches_sklearn(name):
    X, y = standardised(name)
    ours = LogisticRegression().fit(X, y)
    theirs = SklearnLogisticRegression().fit(X, y)
    assert abs(training_log_loss(ours, X, y) - training_log_loss(theirs, X, y)) < 1e-4
    rows = 1 if len(ours.classes_) == 2 else len(ours.classes_)
    assert ours.coef_.shape == theirs.coef_.shape == (rows, X.shape[1])
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize(("name", "C"), [("wine", 0.05), ("breast_cancer", 10.0)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_penalty_strength_and_intercept_match_sklearn(name, C, fit_intercept):
    X, y = standardised(name)
    ours = LogisticRegression(C=C, fit_intercept=fit_intercept).fit(X, y)
    theirs = SklearnLogisticRegression(C=C, fit_intercept=fit_intercept).fit(X, y)
    assert abs(training_log_loss(ours, X, y) - training_log_loss(theirs, X, y)) < 1e-4
    assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-4)


def test_no_penalty_matches_sklearn_with_infinite_c():
    X, y = datasets.make_classification(200, 5, flip_y=0.2, class_sep=0.5, random_state=0)
    ours = LogisticRegression(penalty=None).fit(X, y)
    theirs = SklearnLogisticRegression(C=np.inf).fit(X, y)
    assert abs(training_log_loss(ours, X, y) - training_log_loss(theirs, X, y)) < 1e-6
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4)


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_gradient_descent_reaches_sklearn(name):
    X, y = standardised(name)
    X = X[:, :6]  # a few features keep the conditioning (and the steps needed) modest
    ours = LogisticRegression(solver="gd", tol=1e-6, max_iter=5000).fit(X, y)
    theirs = SklearnLogisticRegression().fit(X, y)
    assert abs(training_log_loss(ours, X, y) - training_log_loss(theirs, X, y)) < 1e-4


def test_gradient_descent_centring_handles_an_offset(rng):
    """Features around 100: centring keeps gd well conditioned, the minimum unchanged."""
    X = rng.normal(loc=100.0, size=(80, 2))
    y = (X[:, 0] - 100 + 0.5 * rng.normal(size=80) > 0).astype(int)
    ours = LogisticRegression(solver="gd", tol=1e-7).fit(X, y)
    lbfgs = LogisticRegression(tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, lbfgs.coef_, rtol=1e-5)
    assert_allclose(ours.intercept_, lbfgs.intercept_, rtol=1e-5)


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_sgd_gets_close_to_sklearn(name):
    X, y = standardised(name)
    ours = LogisticRegression(solver="sgd", random_state=0).fit(X, y)
    theirs = SklearnLogisticRegression().fit(X, y)
    assert 0 <= training_log_loss(ours, X, y) - training_log_loss(theirs, X, y) < 1e-2
    again = LogisticRegression(solver="sgd", random_state=0).fit(X, y)
    assert_array_equal(ours.coef_, again.coef_)


# --------------------------------------------------------------------------- the equations


def test_fitted_weights_are_a_stationary_point_of_the_torch_objective(torch):
    """The gradient of C·Σ log loss + ½‖W‖², computed by PyTorch, vanishes at the fit."""
    X, y = standardised("wine")
    model = LogisticRegression(C=0.5, tol=1e-8).fit(X, y)
    W = torch.tensor(model.coef_, requires_grad=True)
    b = torch.tensor(model.intercept_, requires_grad=True)
    scores = torch.from_numpy(X) @ W.T + b
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y), reduction="sum")
    objective = 0.5 * loss + 0.5 * (W * W).sum()
    objective.backward()
    scale = 0.5 * len(y)  # the estimator stops on the gradient of the objective / (C N)
    assert float(W.grad.abs().max()) / scale < 1e-7
    assert float(b.grad.abs().max()) / scale < 1e-7


def test_binary_gradient_is_the_guide_delta(torch):
    """Binary fit: Σ (σ(θᵀu) − t) u + θ/C = 0, checked with PyTorch's BCE-with-logits."""
    X, y = standardised("breast_cancer")
    model = LogisticRegression(C=2.0, tol=1e-9).fit(X, y)
    w = torch.tensor(model.coef_[0], requires_grad=True)
    b = torch.tensor(model.intercept_, requires_grad=True)
    logits = torch.from_numpy(X) @ w + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.from_numpy(y.astype(np.float64)), reduction="sum"
    )
    (2.0 * loss + 0.5 * (w * w).sum()).backward()
    # L-BFGS-B stops on its ftol before a gradient of 1e-9 (the objective is divided by CN).
    assert float(w.grad.abs().max()) / (2.0 * len(y)) < 1e-7
    delta = 1 / (1 + np.exp(-model.decision_function(X))) - y  # the guide's δ(x, t)
    assert_allclose(delta @ X + model.coef_[0] / 2.0, 0.0, atol=1e-7 * len(y))


def test_probabilities_and_log_probabilities(rng):
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(penalty=None, tol=1e-10).fit(X * 1e3, y)  # huge scores
    Z = rng.normal(size=(20, 3)) * 1e3
    z = model.decision_function(Z)
    assert_allclose(model.predict_log_proba(Z), np.stack([log_expit(-z), log_expit(z)], axis=1))
    assert np.all(np.isfinite(model.predict_log_proba(Z)))
    assert_allclose(model.predict_proba(Z).sum(axis=1), 1.0)
    three = LogisticRegression().fit(X, np.digitize(X[:, 1], [-0.5, 0.5]))
    scores = three.decision_function(Z)
    assert scores.shape == (20, 3)
    assert_allclose(three.predict_log_proba(Z), log_softmax(scores, axis=1), rtol=1e-12)
    assert_allclose(three.predict_proba(Z), np.exp(log_softmax(scores, axis=1)), rtol=1e-12)
    assert_array_equal(three.predict(Z), three.classes_[scores.argmax(axis=1)])


def test_string_labels_and_float32(rng):
    X = rng.normal(size=(40, 2)).astype(np.float32)
    y = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    model = LogisticRegression().fit(X, y)
    theirs = SklearnLogisticRegression().fit(X.astype(np.float64), y)
    assert_array_equal(model.classes_, ["down", "up"])
    assert_allclose(model.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


# --------------------------------------------------------------------------- not converging


def test_lbfgs_out_of_iterations_warns_with_the_count():
    X, y = datasets.load_digits(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"did not converge after 3 iterations: L-BFGS"):
        model = LogisticRegression(max_iter=3).fit(X[:300], y[:300])
    assert model.n_iter_ == 3


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_too_large_a_rate_diverges_loudly(solver):
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(DivergenceError, match=f"solver='{solver}' diverged with learning_rate=5"):
        LogisticRegression(solver=solver, learning_rate=5.0, C=1e-3, max_iter=50).fit(X, y)


def test_gd_out_of_iterations_warns():
    X, y = standardised("iris")
    with pytest.warns(ConvergenceWarning, match="solver='gd'.*after 5 iterations"):
        assert LogisticRegression(solver="gd", max_iter=5).fit(X, y).n_iter_ == 5


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("value", "kind"), [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input_is_refused(rng, value, kind):
    X = rng.normal(size=(20, 3))
    y = np.arange(20) % 2
    model = LogisticRegression().fit(X, y)
    X[5, 2] = value
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        model.predict_proba(X)


def test_wrong_features_one_class_empty_unfitted(rng):
    model = LogisticRegression().fit(rng.normal(size=(20, 3)), np.arange(20) % 3)
    with pytest.raises(ValueError, match="X has 1 features, but LogisticRegression is expecting 3"):
        model.predict(np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"at least two classes.*got 1 class: 1$"):
        LogisticRegression().fit(rng.normal(size=(5, 2)), [1] * 5)
    with pytest.raises(ValueError, match="0 sample"):
        LogisticRegression().fit(np.zeros((0, 2)), [])
    with pytest.raises(NotFittedError):
        LogisticRegression().predict_log_proba([[0.0]])
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(rng.normal(size=(6, 2)), rng.normal(size=6))


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"penalty": "l1"}, ValidationError, "penalty must be 'l2' or None, got 'l1'"),
        ({"solver": "newton"}, ValidationError, "solver must be one of"),
        ({"C": 0.0}, ValidationError, "C must be a positive number, got 0.0"),
        ({"C": "1"}, ArrayTypeError, "C must be a real number"),
        ({"max_iter": 0}, ValidationError, "max_iter must be >= 1"),
        ({"batch_size": 0}, ValidationError, "batch_size must be >= 1"),
        ({"tol": -1e-4}, ValidationError, "tol must be a finite number >= 0"),
        ({"learning_rate": 0.0}, ValidationError, "learning_rate must be 'auto' or a positive"),
        ({"learning_rate": "fast"}, ValidationError, "learning_rate must be 'auto'"),
    ],
)
def test_bad_parameters(rng, params, error, message):
    with pytest.raises(error, match=message):
        LogisticRegression(**params).fit(rng.normal(size=(6, 2)), [0, 1] * 3)
