"""GaussianProcessRegressor against scikit-learn's, finite differences and invariants."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from sklearn import gaussian_process as sk_gp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.models import gaussian_process, gp_likelihood, kernel_base, kernels
from mlequations.models.gaussian_process import GaussianProcessRegressor
from mlequations.models.kernels import RBF, ConstantKernel, Matern, WhiteKernel
from test_gp_kernels import central_difference, to_sklearn

# Checks expected to fail, with the reason (scikit-learn's expected_failed_checks).
# The regressor passes every check, so the list is empty.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks(
    [
        GaussianProcessRegressor(),
        GaussianProcessRegressor(
            ConstantKernel() * Matern(nu=2.5) + WhiteKernel(1e-3),
            normalize_y=True,
            normalize_X=True,
            n_restarts_optimizer=1,
        ),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- data and helpers


def problem(seed: int, n: int = 25, d: int = 3, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.sin(2.0 * X[:, 0]) + 0.5 * X[:, 1] ** 2 + 3.0 + noise * rng.normal(size=n)
    return X, y, rng.uniform(-2.5, 2.5, size=(8, d))


ARD = [0.8, 1.5, 2.5]
FIXED_KERNELS = {
    "signal*rbf": lambda: ConstantKernel(1.7) * RBF(1.2),
    "signal*rbf-ard+noise": lambda: ConstantKernel(1.7) * RBF(ARD) + WhiteKernel(0.05),
    "matern-0.5-ard+noise": lambda: ConstantKernel(0.9) * Matern(ARD, nu=0.5) + WhiteKernel(0.01),
    "matern-1.5-ard+noise": lambda: ConstantKernel(2.0) * Matern(ARD, nu=1.5) + WhiteKernel(0.02),
    "matern-2.5+noise": lambda: ConstantKernel(1.1) * Matern(0.9, nu=2.5) + WhiteKernel(0.01),
    "matern-2.5-ard": lambda: ConstantKernel(1.1) * Matern(ARD, nu=2.5),
}


def fit_sklearn(kernel, X, y, **params):
    """scikit-learn's regressor, whose hyperparameter warnings are not under test here."""
    model = sk_gp.GaussianProcessRegressor(to_sklearn(kernel), **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# --------------------------------------------------------------------------- fixed kernels


@pytest.mark.parametrize("name", sorted(FIXED_KERNELS))
@pytest.mark.parametrize("normalize_y", [False, True])
def test_fixed_kernel_matches_sklearn(name, normalize_y):
    X, y, X_query = problem(0)
    kernel = FIXED_KERNELS[name]()
    settings = {"optimizer": None, "normalize_y": normalize_y, "alpha": 1e-8}
    ours = GaussianProcessRegressor(kernel, **settings).fit(X, y)
    theirs = fit_sklearn(kernel, X, y, **settings)
    scale = np.abs(y).max()
    for query in (X_query, X):
        mean, std = ours.predict(query, return_std=True)
        mean_sk, std_sk = theirs.predict(query, return_std=True)
        assert_allclose(mean, mean_sk, rtol=1e-8, atol=1e-8 * scale)
        assert_allclose(std, std_sk, rtol=1e-8, atol=1e-8 * scale)
    cov, cov_sk = ours.predict(X_query, return_cov=True)[1], theirs.predict(X_query, True)[1]
    cov_sk = theirs.predict(X_query, return_cov=True)[1]
    assert_allclose(cov, cov_sk, rtol=1e-8, atol=1e-8 * scale**2)
    assert_allclose(ours.log_marginal_likelihood_value_, theirs.log_marginal_likelihood_value_)
    assert_allclose(ours.alpha_, theirs.alpha_, rtol=1e-8, atol=1e-8 * np.abs(theirs.alpha_).max())
    assert_allclose(ours.L_, theirs.L_, rtol=1e-10, atol=1e-12)


def test_per_sample_alpha_matches_sklearn():
    X, y, X_query = problem(1)
    alpha = np.linspace(0.01, 0.2, X.shape[0])
    kernel = ConstantKernel(1.3) * RBF(ARD)
    ours = GaussianProcessRegressor(kernel, alpha=alpha, optimizer=None).fit(X, y)
    theirs = fit_sklearn(kernel, X, y, alpha=alpha, optimizer=None)
    assert_allclose(ours.predict(X_query, return_std=True), theirs.predict(X_query, True))
    assert_allclose(ours.log_marginal_likelihood_value_, theirs.log_marginal_likelihood_value_)


@pytest.mark.parametrize("name", sorted(FIXED_KERNELS))
def test_likelihood_and_gradient_match_sklearn_and_finite_differences(name):
    X, y, _ = problem(2)
    kernel = FIXED_KERNELS[name]()
    ours = GaussianProcessRegressor(kernel, optimizer=None, normalize_y=True).fit(X, y)
    theirs = fit_sklearn(kernel, X, y, optimizer=None, normalize_y=True)
    rng = np.random.default_rng(3)
    for theta in (kernel.theta, kernel.theta + rng.uniform(-1.0, 1.0, kernel.n_dims)):
        value, gradient = ours.log_marginal_likelihood(theta, eval_gradient=True)
        value_sk, gradient_sk = theirs.log_marginal_likelihood(theta, eval_gradient=True)
        assert value == pytest.approx(value_sk, rel=1e-10)
        assert ours.log_marginal_likelihood(theta) == pytest.approx(value, rel=1e-14)
        assert_allclose(gradient, gradient_sk, rtol=1e-8, atol=1e-8)
        numeric = central_difference(ours.log_marginal_likelihood, theta)
        assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- fitting


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("nu", [1.5, 2.5])
def test_fitted_likelihood_at_least_sklearns(seed, nu):
    X, y, _ = problem(seed, n=30)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern([1.0] * 3, (1e-2, 1e2), nu=nu) + WhiteKernel(
        1e-2, (1e-8, 1.0)
    )
    settings = {"normalize_y": True, "n_restarts_optimizer": 3, "random_state": seed}
    ours = GaussianProcessRegressor(kernel, **settings).fit(X, y)
    theirs = fit_sklearn(kernel, X, y, **settings)
    gap = ours.log_marginal_likelihood_value_ - theirs.log_marginal_likelihood_value_
    assert gap >= -1e-7 * abs(theirs.log_marginal_likelihood_value_)
    # the optimum is a stationary point or on the bounds
    theta = ours.kernel_.theta
    _, gradient = ours.log_marginal_likelihood(theta, eval_gradient=True)
    bounds = ours.kernel_.bounds
    interior = (theta > bounds[:, 0] + 1e-6) & (theta < bounds[:, 1] - 1e-6)
    assert np.all(np.abs(gradient[interior]) < 1e-3)
    assert ours.log_marginal_likelihood_value_ == pytest.approx(
        ours.log_marginal_likelihood(theta), rel=1e-12
    )


def test_fit_leaves_the_kernel_parameter_alone():
    X, y, _ = problem(4)
    kernel = ConstantKernel(1.0) * RBF(1.0)
    model = GaussianProcessRegressor(kernel, random_state=0).fit(X, y)
    assert kernel.theta.tolist() == [0.0, 0.0]
    assert model.kernel_ is not kernel
    assert not np.allclose(model.kernel_.theta, 0.0)


def test_default_kernel_is_fitted_signal_times_rbf():
    X, y, _ = problem(5)
    model = GaussianProcessRegressor().fit(X, y)
    assert isinstance(model.kernel_, kernels.Product)
    assert isinstance(model.kernel_.k1, ConstantKernel)
    assert isinstance(model.kernel_.k2, RBF)
    assert model.kernel_.n_dims == 2


def test_kernel_hyperparameters_are_nested_estimator_parameters():
    X, y, _ = problem(5)
    model = GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0), optimizer=None)
    assert model.get_params()["kernel__k2__length_scale"] == 1.0
    model.set_params(kernel__k2__length_scale=0.5)
    copy = clone(model)
    assert copy.kernel is not model.kernel
    assert copy.kernel.k2.length_scale == 0.5
    search = GridSearchCV(model, {"kernel__k2__length_scale": [0.2, 1.0, 5.0]}, cv=3)
    assert search.fit(X, y).best_params_["kernel__k2__length_scale"] in (0.2, 1.0, 5.0)
    assert model.kernel.k2.length_scale == 0.5  # the search works on clones


def test_callable_optimizer_follows_sklearns_protocol():
    X, y, _ = problem(6)
    calls = []

    def keep_initial(obj_func, initial_theta, bounds):
        value, gradient = obj_func(initial_theta, eval_gradient=True)
        calls.append((initial_theta.copy(), bounds.copy(), gradient.shape))
        return initial_theta, value

    kernel = ConstantKernel(2.0) * RBF(0.5)
    model = GaussianProcessRegressor(kernel, optimizer=keep_initial).fit(X, y)
    assert_allclose(model.kernel_.theta, kernel.theta)
    assert len(calls) == 1
    assert calls[0][2] == (2,)
    assert_allclose(calls[0][1], np.log([[1e-5, 1e5], [1e-5, 1e5]]))


def test_restarts_are_reproducible():
    X, y, X_query = problem(7)
    kernel = ConstantKernel() * Matern([1.0] * 3, nu=2.5) + WhiteKernel(1e-2)
    first = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=3).fit(X, y)
    second = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=3).fit(X, y)
    assert_allclose(first.kernel_.theta, second.kernel_.theta, rtol=0, atol=0)
    assert_allclose(first.predict(X_query), second.predict(X_query), rtol=0, atol=0)


def test_input_normalisation_makes_fits_invariant_to_affine_rescaling():
    X, y, X_query = problem(8)
    shift, scale = np.array([100.0, -3.0, 0.0]), np.array([1e3, 0.01, 2.0])
    kernel = ConstantKernel() * RBF([1.0] * 3) + WhiteKernel(1e-2)
    settings = {"normalize_X": True, "normalize_y": True, "random_state": 0}
    plain = GaussianProcessRegressor(kernel, **settings).fit(X, y)
    moved = GaussianProcessRegressor(kernel, **settings).fit(X * scale + shift, y)
    assert_allclose(moved.kernel_.theta, plain.kernel_.theta, rtol=1e-5, atol=1e-5)
    mean, std = plain.predict(X_query, return_std=True)
    assert_allclose(moved.predict(X_query * scale + shift, return_std=True), (mean, std), 1e-5)
    # the kernel sees standardised inputs
    assert_allclose(moved.X_train_.mean(axis=0), 0.0, atol=1e-12)
    assert_allclose(moved.X_train_.std(axis=0), 1.0, rtol=1e-12)


def test_target_normalisation_matches_a_manual_standardisation():
    X, y, X_query = problem(9)
    kernel = ConstantKernel(1.2) * RBF(ARD)
    model = GaussianProcessRegressor(kernel, optimizer=None, normalize_y=True).fit(X, y)
    z = (y - y.mean()) / y.std()
    manual = GaussianProcessRegressor(kernel, optimizer=None).fit(X, z)
    mean, std = manual.predict(X_query, return_std=True)
    expected = (mean * y.std() + y.mean(), std * y.std())
    assert_allclose(model.predict(X_query, return_std=True), expected, rtol=1e-12)
    assert_allclose(model.y_train_, z)
    assert (model.y_mean_, model.y_scale_) == pytest.approx((y.mean(), y.std()))


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("optimizer", [None, "fmin_l_bfgs_b"])
def test_near_duplicate_inputs_fit_without_error(optimizer):
    X = np.array([[0.0], [1e-12], [0.5], [0.5 + 1e-12], [1.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0])
    model = GaussianProcessRegressor(
        ConstantKernel() * RBF(0.3), alpha=0.0, optimizer=optimizer, random_state=0
    ).fit(X, y)
    assert model.jitter_ > 0.0
    mean, std = model.predict(np.linspace(0.0, 1.0, 11)[:, None], return_std=True)
    assert np.all(np.isfinite(mean))
    assert np.all(np.isfinite(std))
    assert np.all(std >= 0.0)
    assert_allclose(model.predict(X), y, atol=1e-3)
    assert np.isfinite(model.log_marginal_likelihood_value_)


def test_std_at_noise_free_training_points_is_zero_not_nan():
    X, y, _ = problem(10, n=15)
    model = GaussianProcessRegressor(ConstantKernel() * RBF(2.0), optimizer=None).fit(X, y)
    mean, std = model.predict(X, return_std=True)
    assert np.all(np.isfinite(std))
    assert np.all(std >= 0.0)
    assert_allclose(std, 0.0, atol=1e-3)
    assert_allclose(mean, y, atol=1e-4)
    cov = model.predict(X, return_cov=True)[1]
    assert np.all(np.diagonal(cov) >= 0.0)


@given(
    base=arrays(np.float64, (6, 2), elements=st.floats(-3.0, 3.0)),
    repeats=st.lists(st.integers(0, 5), min_size=0, max_size=6),
    offset=st.sampled_from([0.0, 1e-14, 1e-12, 1e-9]),
    nu=st.sampled_from([0.5, 1.5, 2.5]),
    length_scale=st.floats(1e-3, 1e3),
)
def test_predictions_are_finite_and_variances_non_negative(base, repeats, offset, nu, length_scale):
    X = np.vstack([base, base[repeats] + offset])  # exact and near duplicates
    y = np.sin(X).sum(axis=1)
    kernel = ConstantKernel(2.0) * Matern([length_scale, 1.0], nu=nu)
    model = GaussianProcessRegressor(kernel, alpha=0.0, optimizer=None).fit(X, y)
    query = np.vstack([X, X + 0.1])
    mean, std = model.predict(query, return_std=True)
    assert np.all(np.isfinite(mean))
    assert np.all(np.isfinite(std))
    assert np.all(std >= 0.0)
    gradients = model.predict_with_gradient(query)
    assert all(np.all(np.isfinite(g)) for g in gradients)


def test_latent_prediction_leaves_out_the_white_noise():
    X, y, X_query = problem(11)
    kernel = ConstantKernel(1.5) * RBF(ARD) + WhiteKernel(0.2)
    model = GaussianProcessRegressor(kernel, optimizer=None, normalize_y=True).fit(X, y)
    noise = 0.2 * model.y_scale_**2
    _, std = model.predict(X_query, return_std=True)
    _, latent_std = model.predict(X_query, return_std=True, latent=True)
    assert_allclose(latent_std**2, std**2 - noise, rtol=1e-10)
    cov = model.predict(X_query, return_cov=True)[1]
    latent_cov = model.predict(X_query, return_cov=True, latent=True)[1]
    assert_allclose(latent_cov, cov - noise * np.eye(8), atol=1e-12)
    assert_allclose(model.predict_with_gradient(X_query, latent=True)[1], latent_std, 1e-12)


# --------------------------------------------------------------------------- gradients in x


@pytest.mark.parametrize("name", sorted(FIXED_KERNELS))
@pytest.mark.parametrize("normalize", [False, True])
def test_predict_with_gradient_matches_finite_differences(name, normalize):
    X, y, X_query = problem(12)
    settings = {"optimizer": None, "normalize_y": normalize, "normalize_X": normalize}
    model = GaussianProcessRegressor(FIXED_KERNELS[name](), **settings).fit(X, y)
    mean, std, mean_gradient, std_gradient = model.predict_with_gradient(X_query)
    assert_allclose((mean, std), model.predict(X_query, return_std=True), rtol=1e-12)
    assert mean_gradient.shape == std_gradient.shape == (8, 3)
    for i, x in enumerate(X_query):
        numeric_mean = central_difference(lambda z: model.predict(z[None, :])[0], x)
        numeric_std = central_difference(lambda z: model.predict(z[None, :], True)[1][0], x)
        assert_allclose(mean_gradient[i], numeric_mean, rtol=1e-5, atol=1e-7)
        assert_allclose(std_gradient[i], numeric_std, rtol=1e-5, atol=1e-7)


def test_std_gradient_is_zero_where_std_is_zero():
    X, y, _ = problem(13, n=10)
    model = GaussianProcessRegressor(ConstantKernel() * Matern(2.0, nu=2.5), alpha=0.0).fit(X, y)
    _, std, mean_gradient, std_gradient = model.predict_with_gradient(X)
    assert np.all(np.isfinite(mean_gradient))
    assert np.all(np.isfinite(std_gradient))
    assert_allclose(std_gradient[std == 0.0], 0.0)


# --------------------------------------------------------------------------- sampling


def test_sample_y_statistics_match_the_posterior():
    X, y, X_query = problem(14, n=12)
    model = GaussianProcessRegressor(
        ConstantKernel(1.5) * RBF(ARD) + WhiteKernel(0.05), optimizer=None, normalize_y=True
    ).fit(X, y)
    samples = model.sample_y(X_query[:4], n_samples=40_000, random_state=0)
    assert samples.shape == (4, 40_000)
    mean, cov = model.predict(X_query[:4], return_cov=True)
    std = np.sqrt(np.diag(cov))
    assert np.all(np.abs(samples.mean(axis=1) - mean) < 5.0 * std / np.sqrt(40_000))
    assert_allclose(np.cov(samples), cov, atol=0.03 * std.max() ** 2)
    assert_allclose(model.sample_y(X_query, 3, random_state=1), model.sample_y(X_query, 3, 1))


def test_sample_y_at_training_points_is_finite():
    X, y, _ = problem(15, n=10)
    model = GaussianProcessRegressor(ConstantKernel() * RBF(1.0), optimizer=None).fit(X, y)
    samples = model.sample_y(X, n_samples=5)
    assert np.all(np.isfinite(samples))
    assert_allclose(samples, np.repeat(y[:, None], 5, axis=1), atol=1e-3)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"kernel": "rbf"}, ArrayTypeError, "kernel must be None or a"),
        ({"alpha": -1.0}, ValidationError, "alpha must be non-negative"),
        ({"alpha": np.ones(3)}, ShapeError, r"alpha must be a number or an array of shape \(25,\)"),
        ({"alpha": "big"}, ArrayTypeError, "alpha must be a number or an array of numbers"),
        ({"optimizer": "adam"}, ValidationError, 'optimizer must be "fmin_l_bfgs_b", None'),
        ({"n_restarts_optimizer": -1}, ValidationError, "n_restarts_optimizer must be >= 0"),
        ({"normalize_y": 1}, ArrayTypeError, "normalize_y must be True or False"),
        ({"normalize_X": "yes"}, ArrayTypeError, "normalize_X must be True or False"),
    ],
)
def test_bad_parameters(params, error, message):
    X, y, _ = problem(16)
    with pytest.raises(error, match=message):
        GaussianProcessRegressor(**params).fit(X, y)


def test_bad_data_and_calls():
    X, y, _ = problem(17)
    model = GaussianProcessRegressor(RBF([1.0, 1.0]))
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ShapeError, match="X must have 2 features, one per length scale"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        GaussianProcessRegressor().fit(X, np.where(y > 3.5, np.nan, y))
    model = GaussianProcessRegressor(RBF(1.0), optimizer=None).fit(X, y)
    with pytest.raises(ValidationError, match="return_std and return_cov must not both"):
        model.predict(X, return_std=True, return_cov=True)
    with pytest.raises(ShapeError, match="X must have 3 features, as in fit"):
        model.predict_with_gradient(X[:, :2])
    with pytest.raises(NonFiniteError, match="X must be finite"):
        model.predict_with_gradient(np.full((1, 3), np.inf))
    with pytest.raises(ValidationError, match="theta must be given when eval_gradient"):
        model.log_marginal_likelihood(eval_gradient=True)
    with pytest.raises(ValidationError, match="n_samples must be >= 1"):
        model.sample_y(X, n_samples=0)


def test_linear_algebra_has_no_inverse_or_determinant():
    sources = [gaussian_process, gp_likelihood, kernel_base, kernels]
    # a call of inv / det / slogdet / pinv (not the LaTeX \det in the docstrings)
    forbidden = re.compile(r"linalg\.(inv|det|slogdet|pinv)\b|(?<![\\\w])(inv|det|slogdet|pinv)\(")
    for module in sources:
        assert not forbidden.search(Path(module.__file__).read_text()), module.__name__
