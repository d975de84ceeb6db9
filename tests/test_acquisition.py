"""Acquisition functions: closed forms, SciPy, scikit-optimize, mpmath, gradients and edges."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from conftest import require
from mlequations import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.acquisition import (
    ValueAndGradient,
    expected_improvement,
    log_expected_improvement,
    log_probability_of_improvement,
    lower_confidence_bound,
    probability_of_improvement,
    upper_confidence_bound,
)

IMPROVEMENT_FUNCTIONS = [
    expected_improvement,
    log_expected_improvement,
    probability_of_improvement,
    log_probability_of_improvement,
]
BOUNDS = [upper_confidence_bound, lower_confidence_bound]


def _random_posterior(rng, n=200):
    mu = rng.normal(size=n) * 2.0
    sigma = rng.uniform(0.05, 3.0, size=n)
    return mu, sigma, float(rng.normal())


def _closed_form_ei(mu, sigma, best, xi):
    d = best - mu - xi
    z = d / sigma
    return d * norm.cdf(z) + sigma * norm.pdf(z)


# --------------------------------------------------------------------------- closed forms


def test_expected_improvement_is_the_closed_form(rng):
    mu, sigma, best = _random_posterior(rng)
    for xi in (0.0, 0.01, 0.5):
        ours = expected_improvement(mu, sigma, best, xi)
        closed_form = _closed_form_ei(mu, sigma, best, xi)
        # the closed form's own cancellation grows like z^2 eps in the tail (ours does not)
        z = (best - mu - xi) / sigma
        assert np.all(np.abs(ours - closed_form) <= 1e-13 * (1 + z**2) * closed_form)
    # the expectation of the improvement by quadrature, at a few points
    for m, s in zip(mu[:5], sigma[:5], strict=True):
        target = best - 0.01  # integrate the improvement target - f over f < target
        quad = norm(m, s).expect(lambda f, t=target: t - f, ub=target, epsabs=1e-14, epsrel=1e-12)
        assert float(expected_improvement(m, s, best)) == pytest.approx(quad, rel=1e-8, abs=1e-12)


def test_probability_of_improvement_is_the_normal_cdf(rng):
    mu, sigma, best = _random_posterior(rng)
    expected = norm.cdf(best - 0.01, loc=mu, scale=sigma)
    np.testing.assert_allclose(probability_of_improvement(mu, sigma, best), expected, rtol=1e-12)
    log_expected = norm.logcdf(best - 0.01, loc=mu, scale=sigma)
    ours = log_probability_of_improvement(mu, sigma, best)
    np.testing.assert_allclose(ours, log_expected, rtol=1e-12)
    # far below the target PI underflows, its logarithm does not
    assert float(probability_of_improvement(60.0, 1.0, 0.0)) == 0.0
    far = float(log_probability_of_improvement(60.0, 1.0, 0.0, xi=0.0))
    assert far == pytest.approx(float(norm.logcdf(-60.0)), rel=1e-13)


def test_confidence_bounds_are_the_band_edges(rng):
    mu, sigma, _ = _random_posterior(rng)
    kappa = float(norm.ppf(0.975))
    upper, lower = norm.interval(0.95, loc=mu, scale=sigma)[::-1]
    np.testing.assert_allclose(upper_confidence_bound(mu, sigma, kappa), upper, rtol=1e-12)
    np.testing.assert_allclose(lower_confidence_bound(mu, sigma, kappa), lower, rtol=1e-12)
    assert float(lower_confidence_bound(1.0, 2.0)) == pytest.approx(1.0 - 1.96 * 2.0)
    result = lower_confidence_bound(mu, sigma, 2.5, return_gradient=True)
    np.testing.assert_array_equal(result.d_mu, 1.0)
    np.testing.assert_array_equal(result.d_sigma, -2.5)


# --------------------------------------------------------------------------- scikit-optimize


@pytest.fixture(scope="module")
def fitted_skopt_gp():
    require("skopt")
    from skopt.learning import GaussianProcessRegressor
    from skopt.learning.gaussian_process.kernels import ConstantKernel, Matern

    rng = np.random.default_rng(3)
    X = rng.uniform(-2.0, 2.0, size=(8, 1))
    y = X[:, 0] ** 2 + 0.3 * np.sin(5 * X[:, 0])
    kernel = ConstantKernel(1.0) * Matern(length_scale=0.7, nu=2.5)
    model = GaussianProcessRegressor(kernel=kernel, alpha=1e-6, optimizer=None, normalize_y=True)
    return model.fit(X, y), float(y.min())


def test_agrees_with_skopt_values_and_chained_gradients(fitted_skopt_gp):
    """skopt's gaussian_ei/pi/lcb (same minimisation convention) where sigma > 0."""
    from skopt.acquisition import gaussian_ei, gaussian_lcb, gaussian_pi

    model, best = fitted_skopt_gp
    for x in np.linspace(-1.9, 1.9, 9):
        X = np.array([[x]])
        mu, sigma, mu_grad, sigma_grad = model.predict(
            X, return_std=True, return_mean_grad=True, return_std_grad=True
        )
        assert sigma[0] > 0
        cases = [
            (gaussian_ei(X, model, best, 0.05, return_grad=True), expected_improvement, 0.05),
            (gaussian_pi(X, model, best, 0.05, return_grad=True), probability_of_improvement, 0.05),
            (gaussian_lcb(X, model, 1.5, return_grad=True), lower_confidence_bound, None),
        ]
        for (reference, reference_grad), function, xi in cases:
            args = (mu, sigma, best, xi) if xi is not None else (mu, sigma, 1.5)
            ours = function(*args, return_gradient=True)
            chained = ours.d_mu * mu_grad + ours.d_sigma * sigma_grad
            np.testing.assert_allclose(ours.value, reference, rtol=1e-10, atol=1e-300)
            np.testing.assert_allclose(chained, reference_grad, rtol=1e-8, atol=1e-300)


# --------------------------------------------------------------------------- gradients


def _central_difference(function, mu, sigma, *args, step=1e-5):
    h_mu, h_sigma = step * np.maximum(1.0, np.abs(mu)), step * sigma
    d_mu = (function(mu + h_mu, sigma, *args) - function(mu - h_mu, sigma, *args)) / (2 * h_mu)
    d_sigma = (function(mu, sigma + h_sigma, *args) - function(mu, sigma - h_sigma, *args)) / (
        2 * h_sigma
    )
    return d_mu, d_sigma


@pytest.mark.parametrize("function", IMPROVEMENT_FUNCTIONS)
def test_improvement_gradients_match_finite_differences(function, rng):
    mu, sigma, best = _random_posterior(rng, 100)
    result = function(mu, sigma, best, 0.02, return_gradient=True)
    assert isinstance(result, ValueAndGradient)
    np.testing.assert_array_equal(result.value, function(mu, sigma, best, 0.02))
    d_mu, d_sigma = _central_difference(function, mu, sigma, best, 0.02)
    np.testing.assert_allclose(result.d_mu, d_mu, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.d_sigma, d_sigma, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("function", BOUNDS)
def test_bound_gradients_match_finite_differences(function, rng):
    mu, sigma, _ = _random_posterior(rng, 20)
    result = function(mu, sigma, 0.7, return_gradient=True)
    d_mu, d_sigma = _central_difference(function, mu, sigma, 0.7)
    np.testing.assert_allclose(result.d_mu, d_mu, rtol=1e-8)
    np.testing.assert_allclose(result.d_sigma, d_sigma, rtol=1e-7)


def test_pytorch_autograd_agrees_with_the_closed_form_gradients(torch):
    mu_values = np.array([0.5, 1.0, 2.0, 10.0, 1000.0, -3.0])
    sigma_values = np.array([0.5, 0.3, 0.1, 0.25, 1.0, 2.0])
    for function in IMPROVEMENT_FUNCTIONS + BOUNDS:
        mu = torch.tensor(mu_values, requires_grad=True)
        sigma = torch.tensor(sigma_values, requires_grad=True)
        extra = (torch.tensor(0.0, dtype=torch.float64), 0.01) if function not in BOUNDS else (2.0,)
        value = function(mu, sigma, *extra)
        assert isinstance(value, torch.Tensor)
        value.sum().backward()
        numpy_extra = (0.0, 0.01) if function not in BOUNDS else (2.0,)
        ours = function(mu_values, sigma_values, *numpy_extra, return_gradient=True)
        np.testing.assert_allclose(value.detach().numpy(), ours.value, rtol=1e-12)
        # (torch's backward of log_ndtr loses a few digits at z = -1000)
        np.testing.assert_allclose(mu.grad.numpy(), ours.d_mu, rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(sigma.grad.numpy(), ours.d_sigma, rtol=1e-9, atol=1e-300)


# --------------------------------------------------------------------------- log EI far away


def _mpmath_log_ei(z: float, sigma: float = 1.0) -> tuple[float, float, float]:
    """log EI and its derivatives at z with sigma, in enough digits to survive cancellation."""
    with mpmath.workdps(40 + int(2 * math.log10(abs(z) + 1))):
        z_, s = mpmath.mpf(z), mpmath.mpf(sigma)
        h = mpmath.npdf(z_) + z_ * mpmath.ncdf(z_)
        ei = s * h
        return float(mpmath.log(ei)), float(-mpmath.ncdf(z_) / ei), float(mpmath.npdf(z_) / ei)


def test_log_expected_improvement_matches_mpmath_from_the_data_to_far_away():
    z = np.concatenate([np.linspace(-5.0, 8.0, 27), -np.logspace(0.5, 7, 40), [-40.0, -1e3]])
    sigma = 0.7
    ours = log_expected_improvement(-z * sigma, sigma, 0.0, xi=0.0, return_gradient=True)
    reference = np.array([_mpmath_log_ei(float(v), sigma) for v in z])
    np.testing.assert_allclose(ours.value, reference[:, 0], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ours.d_mu, reference[:, 1], rtol=1e-12)
    np.testing.assert_allclose(ours.d_sigma, reference[:, 2], rtol=1e-12)


def test_log_expected_improvement_is_the_log_of_ei_where_ei_is_representable(rng):
    mu, sigma, best = _random_posterior(rng)
    mu = np.concatenate([mu, [8.0, 30.0]])  # z down to about -35: EI tiny but not 0
    sigma = np.concatenate([sigma, [0.9, 0.9]])
    keep = (best - mu) / sigma > -36.0
    mu, sigma = mu[keep], sigma[keep]
    ei = expected_improvement(mu, sigma, best)
    assert np.all(ei > 0)
    assert ei.min() < 1e-200
    np.testing.assert_allclose(log_expected_improvement(mu, sigma, best), np.log(ei), rtol=1e-12)


@pytest.mark.parametrize("center", [-40.0, -1e3, -1e6])
def test_log_expected_improvement_is_monotone_and_smooth_far_away(center):
    z = center + np.linspace(-1.0, 1.0, 2001)
    result = log_expected_improvement(-z, 1.0, 0.0, xi=0.0, return_gradient=True)
    assert np.all(np.isfinite(result.value))
    assert np.all(np.isfinite(result.d_mu))
    assert np.all(np.diff(result.value) > 0)  # a larger z (a lower mean) is better
    slope = -result.d_mu  # d/dz = -d/dmu at sigma = 1: x + 2/x - 6/x^3 + ..., x = -z
    x = -z
    np.testing.assert_allclose(slope, x + 2 / x - 6 / x**3, rtol=1e3 / center**6 + 1e-12)
    assert np.all(np.diff(slope) < 0)  # smooth: the slope itself varies monotonically
    if center == -40.0:
        assert np.all(expected_improvement(-z, 1.0, 0.0, xi=0.0) == 0.0)  # EI is blind here


# --------------------------------------------------------------------------- sigma = 0


def test_sigma_zero_is_the_noise_free_limit():
    mu = np.array([0.5, 1.0, 1.5])  # improvement d = 0.5, 0, -0.5
    best, sigma = 1.0, np.zeros(3)
    ei = expected_improvement(mu, sigma, best, 0.0, return_gradient=True)
    np.testing.assert_array_equal(ei.value, [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(ei.d_mu, [-1.0, -0.5, 0.0])
    np.testing.assert_allclose(ei.d_sigma, [0.0, norm.pdf(0.0), 0.0], rtol=1e-15)
    pi = probability_of_improvement(mu, sigma, best, 0.0, return_gradient=True)
    np.testing.assert_array_equal(pi, [[1.0, 0.5, 0.0], [0.0] * 3, [0.0] * 3])
    log_pi = log_probability_of_improvement(mu, sigma, best, 0.0)
    np.testing.assert_allclose(log_pi, [0.0, math.log(0.5), -math.inf])
    log_ei = log_expected_improvement(mu, sigma, best, 0.0, return_gradient=True)
    np.testing.assert_array_equal(log_ei.value, [math.log(0.5), -math.inf, -math.inf])
    np.testing.assert_array_equal(log_ei.d_mu, [-2.0, 0.0, 0.0])
    np.testing.assert_array_equal(log_ei.d_sigma, 0.0)
    for function in BOUNDS:
        np.testing.assert_array_equal(function(mu, sigma), mu)
    # the limit is approached continuously
    small = expected_improvement(mu, 1e-12, best, 0.0)
    np.testing.assert_allclose(small, ei.value, atol=1e-12)


@pytest.mark.parametrize("function", IMPROVEMENT_FUNCTIONS)
def test_no_nan_at_sigma_zero_or_tiny(function):
    mu = np.array([-1e300, -1.0, 0.0, 1.0, 1e300])
    for sigma in (0.0, 1e-300):
        result = function(mu, sigma, 0.0, 0.0, return_gradient=True)
        for part in result:
            assert not np.any(np.isnan(part)), (function.__name__, sigma, result)


# --------------------------------------------------------------------------- dtypes and backends


@pytest.mark.parametrize("function", IMPROVEMENT_FUNCTIONS + BOUNDS)
def test_float32_in_float32_out(function, rng):
    mu = np.concatenate([rng.normal(size=50), [5.0, 40.0, 1e3]])
    sigma = np.concatenate([rng.uniform(0.1, 2.0, size=50), [0.5, 1.0, 1.0]])
    extra = (0.0, 0.01) if function not in BOUNDS else (1.5,)
    single = function(mu.astype(np.float32), sigma.astype(np.float32), *extra, return_gradient=True)
    double = function(mu, sigma, *extra, return_gradient=True)
    for ours, reference in zip(single, double, strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, reference, rtol=3e-5, atol=1e-30)


@pytest.mark.parametrize("function", IMPROVEMENT_FUNCTIONS + BOUNDS)
def test_every_backend_returns_its_kind(function, backend):
    mu, sigma = np.array([0.2, 1.0, 30.0]), np.array([0.5, 0.0, 0.4])
    extra = (0.5, 0.01) if function not in BOUNDS else (1.5,)
    result = function(backend.asarray(mu), backend.asarray(sigma), *extra, return_gradient=True)
    for ours, reference in zip(
        result, function(mu, sigma, *extra, return_gradient=True), strict=True
    ):
        assert backend.is_native(ours)
        np.testing.assert_allclose(backend.to_numpy(ours), reference, rtol=1e-12)


def test_arguments_broadcast():
    value = expected_improvement(np.zeros((3, 1)), np.ones(4), np.array([0.0, 1.0, 2.0, 3.0]))
    assert value.shape == (3, 4)
    assert expected_improvement(0.0, 1.0, 0.0).shape == ()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: expected_improvement(0.0, -1.0, 0.0), ValidationError, "sigma must be non-neg"),
        (lambda: expected_improvement(np.nan, 1.0, 0.0), NonFiniteError, "mu must be finite"),
        (lambda: expected_improvement(0.0, np.inf, 0.0), NonFiniteError, "sigma must be finite"),
        (lambda: log_expected_improvement(0.0, 1.0, np.inf), NonFiniteError, "best must be finite"),
        (lambda: probability_of_improvement(0.0, 1.0, 0.0, -0.1), ValidationError, "xi must be"),
        (lambda: expected_improvement(0.0, 1.0, 0.0, "0.1"), ArrayTypeError, "xi must be a real"),
        (lambda: expected_improvement([0.0, 1.0], [1.0] * 3, 0.0), ShapeError, "mu and sigma"),
        (lambda: expected_improvement(1j, 1.0, 0.0), ArrayTypeError, "mu must be an array"),
        (lambda: upper_confidence_bound(0.0, 1.0, -1.0), ValidationError, "kappa must be"),
        (lambda: lower_confidence_bound(0.0, 1.0, math.nan), ValidationError, "kappa must be"),
        (lambda: lower_confidence_bound(0.0, -2.0), ValidationError, "got -2"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- invariants

values = st.floats(-1e3, 1e3, allow_nan=False)
sigmas = st.one_of(st.just(0.0), st.floats(1e-6, 1e3))
margins = st.floats(0.0, 1.0)


@given(values, sigmas, values, margins)
def test_improvement_invariants(mu, sigma, best, xi):
    d = best - mu - xi
    ei = float(expected_improvement(mu, sigma, best, xi))
    assert ei >= max(d, 0.0) >= 0.0
    assert ei <= max(d, 0.0) + sigma * norm.pdf(0.0) * (1 + 1e-12)  # h(-|z|) <= phi(0)
    pi = float(probability_of_improvement(mu, sigma, best, xi))
    assert 0.0 <= pi <= 1.0
    log_pi = float(log_probability_of_improvement(mu, sigma, best, xi))
    assert log_pi <= 0.0  # (NaN would fail this too)
    log_ei = float(log_expected_improvement(mu, sigma, best, xi))
    assert not math.isnan(log_ei)
    if ei > 1e-300:
        assert log_ei == pytest.approx(math.log(ei), rel=1e-9, abs=1e-9)


@given(values, st.floats(1e-3, 1e2), values, margins)
def test_more_uncertainty_or_a_lower_mean_never_hurts(mu, sigma, best, xi):
    ei = expected_improvement(mu, sigma, best, xi, return_gradient=True)
    assert ei.d_mu <= 0.0
    assert ei.d_sigma >= 0.0
    log_ei = log_expected_improvement(mu, sigma, best, xi, return_gradient=True)
    assert np.isfinite(log_ei.value)
    assert -math.inf < log_ei.d_mu < 0.0
    assert log_ei.d_sigma >= 0.0
