"""MLPClassifier and MLPRegressor: scikit-learn's contract, its updates, accuracy and errors.

The references are scikit-learn's own MLP (same weights, same data: the same
epochs to ~1e-12), PyTorch (Adam from the same weights), scikit-learn's
estimator checks, and closed forms for the probabilities.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_expit, log_softmax
from sklearn.datasets import load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations import nn
from mlequations.models.mlp import MLPClassifier, MLPRegressor

# The estimator checks fit on many small data sets. With these settings every fit
# ends by the stopping rule (loss improving by less than tol for 6 epochs), never by
# max_iter, so no ConvergenceWarning is issued and none needs to be silenced; the
# learning rate is large enough for check_classifiers_train (accuracy > 0.83) and
# check_regressors_train (R² > 0.5) and for unscaled targets to converge quickly.
CHECKED = {
    "hidden_layer_sizes": (16,),
    "learning_rate_init": 0.1,
    "max_iter": 2000,
    "tol": 1e-3,
    "n_iter_no_change": 5,
    "random_state": 0,
}

# Short fits that end by the stopping rule after 3 epochs (so without a warning).
BRIEF = {"tol": 1.0, "n_iter_no_change": 1, "max_iter": 10}

# Checks expected to fail, with the reason (scikit-learn's expected_failed_checks).
# Both estimators pass every check, so the lists are empty.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {"MLPClassifier": {}, "MLPRegressor": {}}


@parametrize_with_checks(
    [MLPClassifier(**CHECKED), MLPRegressor(**CHECKED)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- helpers


def _parameters(model):
    return [*model.coefs_, *model.intercepts_]


def _initial_weights(estimator, X, y):
    """Weights to start both libraries from: ours after one epoch (then warm-started)."""
    with pytest.warns(ConvergenceWarning):
        estimator.set_params(max_iter=1).fit(X, y)
    return [c.copy() for c in estimator.coefs_], [b.copy() for b in estimator.intercepts_]


def _sklearn_from(monkeypatch, sklearn_class, coefs, intercepts):
    """Make scikit-learn's initialisation return ``coefs`` and ``intercepts``, layer by layer."""
    layers = iter(zip(coefs, intercepts, strict=True))
    monkeypatch.setattr(
        sklearn_class,
        "_init_coef",
        lambda self, fan_in, fan_out, dtype: tuple(a.copy() for a in next(layers)),
    )


def _data(rng, n=50, d=4):
    X = rng.normal(size=(n, d))
    return X, {
        "three classes": (X[:, 0] > 0).astype(int) + (X[:, 1] + X[:, 2] > 0.5),
        "two classes": np.where(X[:, 0] * X[:, 1] > 0, "yes", "no"),
        "one target": np.sin(X[:, 0]) + X[:, 1],
        "three targets": np.column_stack([X[:, 0], X[:, 1] * X[:, 2], np.tanh(X[:, 3])]),
    }


# --------------------------------------------------------------------------- the updates


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("task", ["three classes", "two classes", "one target", "three targets"])
def test_sgd_epochs_equal_sklearn_from_the_same_weights(monkeypatch, rng, activation, task):
    """Nesterov SGD with the L2 penalty over minibatches (a short last one): same as sklearn."""
    X, targets = _data(rng)
    y = targets[task]
    classes = task.endswith("classes")
    ours_class, sklearn_class = (
        (MLPClassifier, SkMLPClassifier) if classes else (MLPRegressor, SkMLPRegressor)
    )
    settings = {
        "hidden_layer_sizes": (5, 3),
        "activation": activation,
        "solver": "sgd",
        "alpha": 0.1,
        "batch_size": 16,
        "learning_rate_init": 0.05,
        "momentum": 0.9,
        "shuffle": False,
        "random_state": 0,
    }
    ours = ours_class(**settings)
    coefs, intercepts = _initial_weights(ours, X, y)
    with pytest.warns(ConvergenceWarning):
        ours.set_params(warm_start=True, max_iter=3).fit(X, y)
    _sklearn_from(monkeypatch, sklearn_class, coefs, intercepts)
    with pytest.warns(ConvergenceWarning):
        reference = sklearn_class(**{**settings, "max_iter": 3}).fit(X, y)
    for mine, theirs in zip(_parameters(ours), _parameters(reference), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    if task != "three targets":  # sklearn reports the data loss of k targets divided by k
        np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-12)
    if classes:
        np.testing.assert_array_equal(ours.predict(X), reference.predict(X))
        np.testing.assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-12)
    else:
        np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_learning_rate_schedules_and_stopping_equal_sklearn(monkeypatch, rng, schedule):
    """The schedules and the stopping rule end on the same epoch with the same weights."""
    X, targets = _data(rng, n=60)
    y = targets["three classes"]
    settings = {
        "hidden_layer_sizes": (8,),
        "solver": "sgd",
        "momentum": 0.0,
        "learning_rate": schedule,
        "learning_rate_init": 0.2,
        "power_t": 0.25,
        "batch_size": 25,
        "shuffle": False,
        "random_state": 0,
        "tol": 1e-3,
        "n_iter_no_change": 3,
    }
    ours = MLPClassifier(**settings)
    coefs, intercepts = _initial_weights(ours, X, y)
    ours.set_params(warm_start=True, max_iter=500).fit(X, y)
    _sklearn_from(monkeypatch, SkMLPClassifier, coefs, intercepts)
    reference = SkMLPClassifier(**{**settings, "max_iter": 500}).fit(X, y)
    assert ours.converged_
    assert ours.n_iter_ == reference.n_iter_ < 500
    np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-12)
    for mine, theirs in zip(_parameters(ours), _parameters(reference), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def test_adam_epoch_equals_torch_from_the_same_weights(rng, torch):
    """Three minibatch Adam steps on the penalised cross entropy, as PyTorch computes them."""
    X, targets = _data(rng, n=30)
    y = targets["three classes"]
    settings = {"hidden_layer_sizes": (6,), "alpha": 0.3, "batch_size": 10, "shuffle": False}
    ours = MLPClassifier(**settings, learning_rate_init=0.01, beta_1=0.8, random_state=1)
    coefs, intercepts = _initial_weights(ours, X, y)
    with pytest.warns(ConvergenceWarning):
        ours.set_params(warm_start=True).fit(X, y)

    layers = [torch.nn.Linear(*coef.shape, dtype=torch.float64) for coef in coefs]
    with torch.no_grad():
        for layer, coef, intercept in zip(layers, coefs, intercepts, strict=True):
            layer.weight.copy_(torch.from_numpy(coef.T))
            layer.bias.copy_(torch.from_numpy(intercept))
    model = torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1])
    adam = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.999), eps=1e-8)
    epoch_loss = 0.0
    for start in range(0, 30, 10):
        inputs, labels = (
            torch.from_numpy(X[start : start + 10]),
            torch.from_numpy(y[start : start + 10]),
        )
        adam.zero_grad()
        penalty = sum((layer.weight**2).sum() for layer in layers) * 0.3 / (2 * 10)
        loss = torch.nn.functional.cross_entropy(model(inputs), labels) + penalty
        loss.backward()
        adam.step()
        epoch_loss += loss.item() * 10 / 30
    for layer, coef, intercept in zip(layers, ours.coefs_, ours.intercepts_, strict=True):
        np.testing.assert_allclose(coef, layer.weight.detach().numpy().T, rtol=0, atol=1e-12)
        np.testing.assert_allclose(intercept, layer.bias.detach().numpy(), rtol=0, atol=1e-12)
    assert ours.loss_ == pytest.approx(epoch_loss, rel=1e-12)


# --------------------------------------------------------------------------- accuracy


def test_digits_accuracy_matches_sklearn():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, random_state=0, stratify=y
    )
    settings = {"hidden_layer_sizes": (64,), "learning_rate_init": 3e-3, "max_iter": 60}
    with pytest.warns(ConvergenceWarning):  # a fixed budget of 60 epochs for both
        ours = MLPClassifier(**settings, random_state=0).fit(X_train, y_train)
    with pytest.warns(ConvergenceWarning):
        reference = SkMLPClassifier(**settings, random_state=0).fit(X_train, y_train)
    accuracy = ours.score(X_test, y_test)
    assert accuracy >= 0.97
    assert accuracy >= reference.score(X_test, y_test) - 0.02
    assert ours.loss_curve_[-1] < 0.1 * ours.loss_curve_[0]
    np.testing.assert_allclose(ours.predict_proba(X_test).sum(axis=1), 1.0, rtol=1e-12)


def test_regression_r2_matches_sklearn():
    X, y = make_friedman1(n_samples=600, noise=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    # the same 150 epochs for both: the stopping rule is switched off
    settings = {"hidden_layer_sizes": (64,), "learning_rate_init": 0.01, "max_iter": 150}
    settings["n_iter_no_change"] = 150
    with pytest.warns(ConvergenceWarning):
        ours = MLPRegressor(**settings, random_state=0).fit(X_train, y_train)
    with pytest.warns(ConvergenceWarning):
        reference = SkMLPRegressor(**settings, random_state=0).fit(X_train, y_train)
    r2 = ours.score(X_test, y_test)
    assert r2 > 0.75
    assert r2 == pytest.approx(reference.score(X_test, y_test), abs=0.03)


# --------------------------------------------------------------------------- the fitted model


def test_coefs_layout_and_predictions_follow_the_forward_pass(rng):
    """``coefs_`` is (fan_in, fan_out); predictions are the NumPy forward pass through them."""
    X, targets = _data(rng)
    y = targets["three classes"]
    model = MLPClassifier((7, 5), activation="tanh", **BRIEF, random_state=0)
    model.fit(X, y)
    assert [c.shape for c in model.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in model.intercepts_] == [(7,), (5,), (3,)]
    assert (model.n_layers_, model.n_outputs_, model.out_activation_) == (4, 3, "softmax")
    model.coefs_[0] *= 2.0  # edits of the attributes are what predict uses
    a = X
    for coef, intercept in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        a = np.tanh(a @ coef + intercept)
    z = a @ model.coefs_[-1] + model.intercepts_[-1]
    np.testing.assert_allclose(model.predict_log_proba(X), log_softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[np.argmax(z, axis=1)])


def test_probabilities_are_stable_for_huge_logits():
    X = np.array([[1.0], [-1.0], [0.0]])
    binary = MLPClassifier((), **BRIEF, random_state=0).fit(X, [0, 1, 1])
    binary.coefs_[0][...], binary.intercepts_[0][...] = 2000.0, 0.0
    z = np.array([[2000.0], [-2000.0], [0.0]])
    expected = np.column_stack([log_expit(-z[:, 0]), log_expit(z[:, 0])])
    np.testing.assert_allclose(binary.predict_log_proba(X), expected, rtol=1e-15)
    np.testing.assert_array_equal(binary.predict_proba(X), [[0, 1], [1, 0], [0.5, 0.5]])
    three = MLPClassifier((), **BRIEF, random_state=0).fit(X, [0, 1, 2])
    three.coefs_[0][...], three.intercepts_[0][...] = [[1000.0, -1000.0, 0.0]], 0.0
    logits = X @ three.coefs_[0]
    np.testing.assert_allclose(three.predict_log_proba(X), log_softmax(logits, axis=1))
    assert np.isfinite(three.predict_log_proba(X)).all()


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_float32_stays_float32(rng, estimator_class):
    X, targets = _data(rng)
    y = targets["three classes" if estimator_class is MLPClassifier else "three targets"]
    model = estimator_class((8,), dtype="float32", **BRIEF, random_state=0)
    model.fit(X, y)  # float64 X is converted to the dtype of the weights
    assert all(a.dtype == np.float32 for a in _parameters(model))
    output = model.predict_proba(X) if estimator_class is MLPClassifier else model.predict(X)
    assert output.dtype == np.float32
    double = estimator_class((8,), **BRIEF, random_state=0).fit(X, y)
    assert model.n_iter_ == double.n_iter_
    np.testing.assert_allclose(model.coefs_[0], double.coefs_[0], rtol=1e-3, atol=1e-4)


def test_random_state_makes_fits_reproducible_and_keeps_the_global_generator(rng):
    X, targets = _data(rng)
    y = targets["one target"]
    state = nn.get_rng_state()
    first = MLPRegressor((6,), **BRIEF, random_state=3).fit(X, y)
    second = MLPRegressor((6,), **BRIEF, random_state=3).fit(X, y)
    first.predict(X)
    assert nn.get_rng_state() == state
    for a, b in zip(_parameters(first), _parameters(second), strict=True):
        np.testing.assert_array_equal(a, b)
    other = MLPRegressor((6,), **BRIEF, random_state=4).fit(X, y)
    assert not np.array_equal(first.coefs_[0], other.coefs_[0])


# --------------------------------------------------------------------------- stopping


def test_max_iter_warns_and_sets_converged_false(rng):
    X, targets = _data(rng)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, targets["two classes"])
    assert (model.converged_, model.n_iter_, len(model.loss_curve_)) == (False, 3, 3)
    assert model.t_ == 3 * len(X)
    assert model.loss_ == model.loss_curve_[-1]


def test_stopping_rule_on_the_training_loss(rng):
    """Stop after more than n_iter_no_change epochs without improving on the best by tol."""
    X, targets = _data(rng)
    model = MLPRegressor((8,), learning_rate_init=0.01, tol=1e-3, n_iter_no_change=4)
    model.set_params(random_state=0, max_iter=1000).fit(X, targets["one target"])
    assert model.converged_
    assert model.n_iter_ < 1000
    best, stalled, stop = np.inf, 0, None
    for epoch, loss in enumerate(model.loss_curve_, start=1):
        stalled = stalled + 1 if loss > best - 1e-3 else 0
        best = min(best, loss)
        if stalled > 4:
            stop = epoch
            break
    assert stop == model.n_iter_
    assert model.best_loss_ == min(model.loss_curve_)


def test_early_stopping_keeps_the_weights_of_the_best_validation_score(rng):
    X, targets = _data(rng, n=200)
    y = targets["three classes"]
    settings = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.02, "random_state": 0}
    settings |= {"early_stopping": True, "validation_fraction": 0.2, "n_iter_no_change": 5}
    model = MLPClassifier(**settings, max_iter=500).fit(X, y)
    assert model.converged_
    assert model.best_loss_ is None
    scores = model.validation_scores_
    assert len(scores) == len(model.loss_curve_) == model.n_iter_
    assert model.best_validation_score_ == max(scores)
    best_epoch = int(np.argmax(scores)) + 1
    assert model.n_iter_ - best_epoch >= 5
    # the same run cut at its best epoch ends with the weights that were kept
    with pytest.warns(ConvergenceWarning):
        cut = MLPClassifier(**settings, max_iter=best_epoch).fit(X, y)
    for a, b in zip(_parameters(model), _parameters(cut), strict=True):
        np.testing.assert_array_equal(a, b)


def test_verbose_prints_the_loss_of_every_epoch(rng, capsys):
    X, targets = _data(rng)
    model = MLPRegressor((3,), max_iter=2, verbose=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, targets["one target"])
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Iteration {i}, loss = {loss:.8f}" for i, loss in enumerate(model.loss_curve_, 1)
    ]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"alpha": -1.0}, ValueError, r"alpha must be a finite number in \[0, inf\), got -1.0"),
        (
            {"solver": "lbfgs"},
            ValueError,
            r"solver must be one of \['adam', 'sgd'\] \(lbfgs is not implemented\), got 'lbfgs'",
        ),
        ({"activation": "softmax"}, ValueError, "activation must be one of"),
        ({"hidden_layer_sizes": (4, 0)}, ValueError, "hidden_layer_sizes entries must be >= 1"),
        ({"hidden_layer_sizes": "10"}, TypeError, "hidden_layer_sizes must be an int or a tuple"),
        ({"batch_size": 0}, ValueError, r"batch_size must be >= 1 \(or 'auto'\), got 0"),
        ({"learning_rate_init": 0.0}, ValueError, r"learning_rate_init must be .* \(0, inf\)"),
        ({"momentum": 1.0}, ValueError, r"momentum must be a finite number in \[0, 1\)"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"max_iter": 0}, ValueError, "max_iter must be >= 1, got 0"),
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False, got 'yes'"),
        ({"dtype": "float16"}, ValueError, "dtype must be one of"),
        ({"random_state": -1}, ValueError, "random_state must be >= 0, got -1"),
    ],
)
def test_bad_parameters_raise_clear_errors(rng, params, error, message):
    X, targets = _data(rng, n=20)
    with pytest.raises(error, match=message):
        MLPClassifier(**params).fit(X, targets["two classes"])


def test_bad_data_raises_scikit_learn_style_errors(rng):
    X, targets = _data(rng, n=20)
    y = targets["three classes"]
    model = MLPClassifier((4,), **BRIEF, random_state=0)
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        model.fit(np.where(X > 1, np.inf, X), y)
    with pytest.raises(ValueError, match="0 sample"):
        model.fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="at least 2 classes in y, got only one class: 1"):
        model.fit(X, np.ones(20, dtype=int))
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X, targets["one target"])
    model.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="warm_start=True needs y to have the classes"):
        model.set_params(warm_start=True).fit(X, np.where(y == 2, 5, y))
    with pytest.raises(ValueError, match="validation set of at least 2 samples, got 1"):
        MLPRegressor(early_stopping=True, validation_fraction=0.05).fit(X, targets["one target"])
    with pytest.raises(ValueError, match="y contains NaN"):
        MLPRegressor().fit(X, np.full(20, np.nan))
