"""The bayesopt chapter: every entry agrees, and the claims of its explanations hold."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.linalg import cho_factor, cho_solve
from scipy.stats import norm

from conftest import require
from mlequations.acquisition import (
    expected_improvement,
    log_expected_improvement,
    log_probability_of_improvement,
    lower_confidence_bound,
    probability_of_improvement,
    upper_confidence_bound,
)
from mlequations.bayesopt import minimize
from mlequations.catalog import load_catalog
from mlequations.catalog.verify import check_entry

CATALOG = load_catalog()

BAYESOPT = [
    "gaussian-process",
    "expected-improvement",
    "log-expected-improvement",
    "probability-of-improvement",
    "log-probability-of-improvement",
    "upper-confidence-bound",
    "lower-confidence-bound",
    "bayesian-optimization",
]


def test_the_chapter_holds_the_promised_ids_and_agrees():
    assert [e.id for e in CATALOG.in_chapter("bayesopt")] == BAYESOPT
    for entry_id in BAYESOPT:
        result = check_entry(CATALOG[entry_id])
        assert result.ok, (entry_id, result.error, result.ours, result.reference)


def test_the_gaussian_process_example_is_the_closed_form_posterior():
    X, y, X_new = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]), np.array([1.5, 5.0])

    def rbf(a, b):
        return np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2)

    factor = cho_factor(rbf(X, X) + 1e-10 * np.eye(3), lower=True)  # alpha = 1e-10
    k_new = rbf(X, X_new)
    mean = k_new.T @ cho_solve(factor, y)
    variance = 1.0 - np.sum(k_new * cho_solve(factor, k_new), axis=0)
    np.testing.assert_allclose(mean, [0.6751, -0.0159], atol=1e-4)
    np.testing.assert_allclose(np.sqrt(variance), [0.1338, 0.9999], atol=1e-4)
    # far from the data the posterior returns to the prior N(0, 1)
    assert abs(mean[1]) < 0.02
    assert variance[1] > 0.999


def test_the_expected_improvement_example_and_its_two_terms():
    cdf, pdf = norm.cdf(1.0), norm.pdf(1.0)
    assert (round(cdf, 4), round(pdf, 4)) == (0.8413, 0.2420)
    ei = float(expected_improvement(0.5, 0.5, 1.0, xi=0.0))
    assert ei == pytest.approx(0.5 * cdf + 0.5 * pdf, rel=1e-14)
    assert ei > 0.5  # more than the improvement of the mean, thanks to sigma
    # the margin xi lowers EI, and sigma = 0 leaves the improvement of the mean
    assert float(expected_improvement(0.5, 0.5, 1.0, xi=0.1)) < ei
    assert float(expected_improvement(0.5, 0.0, 1.0, xi=0.0)) == 0.5


def test_ei_underflows_near_z_minus_38_and_log_ei_does_not():
    assert float(expected_improvement(38.0, 1.0, 0.0, xi=0.0)) > 0.0
    assert float(expected_improvement(39.0, 1.0, 0.0, xi=0.0)) == 0.0
    assert float(probability_of_improvement(37.0, 1.0, 0.0, xi=0.0)) > 0.0
    assert float(probability_of_improvement(39.0, 1.0, 0.0, xi=0.0)) == 0.0
    # "at z = -40 it is about 1e-351"
    log10_ei = float(log_expected_improvement(40.0, 1.0, 0.0, xi=0.0)) / math.log(10.0)
    assert round(log10_ei) == -351
    with mpmath.workdps(50):
        z = mpmath.mpf(-40)
        exact = mpmath.log10(mpmath.npdf(z) + z * mpmath.ncdf(z))
    assert log10_ei == pytest.approx(float(exact), rel=1e-14)
    assert float(log_probability_of_improvement(40.0, 1.0, 0.0, xi=0.0)) == pytest.approx(
        float(norm.logcdf(-40.0)), rel=1e-14
    )


def test_the_log_ei_example_terms_and_slope():
    with mpmath.workdps(50):  # log(1 - x R(x)) at x = 40, R(x) = (1 - Phi(x)) / phi(x)
        x = mpmath.mpf(40)
        last = float(mpmath.log(1 - x * mpmath.ncdf(-x) / mpmath.npdf(x)))
    terms = [math.log(0.25), -(40.0**2) / 2, -0.5 * math.log(2 * math.pi), last]
    np.testing.assert_allclose(terms, [-1.3863, -800.0, -0.9189, -7.3797], atol=1e-4)
    result = log_expected_improvement(10.0, 0.25, 0.0, xi=0.0, return_gradient=True)
    assert float(result.value) == pytest.approx(sum(terms), rel=1e-13)
    assert float(result.d_mu) == pytest.approx(-160.0, rel=2e-3)
    assert float(expected_improvement(10.0, 0.25, 0.0, xi=0.0)) == 0.0


class _FixedPosterior:
    """A model whose predict returns a given mean and standard deviation (for skopt)."""

    def __init__(self, mu, sigma):
        self.mu, self.sigma = np.asarray(mu, float), np.asarray(sigma, float)

    def predict(self, X, return_std=False):
        return (self.mu, self.sigma) if return_std else self.mu


def test_skopt_gaussian_ei_is_zero_where_log_ei_is_finite():
    require("skopt")
    from skopt.acquisition import gaussian_ei

    reference = gaussian_ei(np.zeros((1, 1)), _FixedPosterior([10.0], [0.25]), y_opt=0.0, xi=0.0)
    np.testing.assert_array_equal(reference, [0.0])
    assert np.isfinite(log_expected_improvement(10.0, 0.25, 0.0, xi=0.0))


def test_pi_and_the_confidence_bounds_read_off_the_predictive_normal():
    assert float(probability_of_improvement(0.5, 0.5, 1.0, xi=0.0)) == pytest.approx(
        norm(0.5, 0.5).cdf(1.0), rel=1e-14
    )
    # PI is a step at sigma = 0, with 1/2 exactly at the boundary
    steps = probability_of_improvement([0.5, 1.0, 1.5], 0.0, 1.0, xi=0.0)
    np.testing.assert_array_equal(steps, [1.0, 0.5, 0.0])
    kappa = float(norm.ppf(0.975))
    low, high = norm.interval(0.95, loc=0.5, scale=0.5)
    assert float(upper_confidence_bound(0.5, 0.5, kappa)) == pytest.approx(high, rel=1e-14)
    assert float(lower_confidence_bound(0.5, 0.5, kappa)) == pytest.approx(low, rel=1e-14)
    assert round(float(upper_confidence_bound(0.5, 0.5, kappa)), 4) == 1.48
    # the derivatives the UCB and LCB entries state: 1 and +-kappa
    for bound, sign in ((upper_confidence_bound, 1.0), (lower_confidence_bound, -1.0)):
        result = bound([0.5, 2.0], [0.5, 0.1], kappa, return_gradient=True)
        np.testing.assert_array_equal(result.d_mu, [1.0, 1.0])
        np.testing.assert_array_equal(result.d_sigma, [sign * kappa, sign * kappa])


def test_the_log_pi_example_underflow_asymptote_slope_and_maximiser():
    with mpmath.workdps(50):
        exact = mpmath.ncdf(-40)
        assert mpmath.mpf("3e-350") < exact < mpmath.mpf("5e-350")  # "about 4e-350"
        log_exact = float(mpmath.log(exact))
    assert float(probability_of_improvement(10.0, 0.25, 0.0, xi=0.0)) == 0.0
    result = log_probability_of_improvement(10.0, 0.25, 0.0, xi=0.0, return_gradient=True)
    assert float(result.value) == pytest.approx(log_exact, rel=1e-14)
    assert round(float(result.value), 4) == -804.6084
    asymptote = -(40.0**2) / 2 - math.log(40.0) - 0.5 * math.log(2 * math.pi)
    assert round(asymptote, 4) == -804.6078
    # d log PI / d mu = -lambda(z) / sigma, lambda = phi / Phi, about -z / sigma = -160 far out
    step = 1e-6
    forward, backward = (
        float(log_probability_of_improvement(10.0 + h, 0.25, 0.0, xi=0.0)) for h in (step, -step)
    )
    assert float(result.d_mu) == pytest.approx((forward - backward) / (2 * step), rel=1e-6)
    assert float(result.d_mu) == pytest.approx(-160.0, rel=2e-3)
    # the logarithm is increasing, so PI and log PI choose the same candidate
    mu, sigma = np.linspace(-1.0, 2.0, 31), np.linspace(0.05, 1.0, 31)[::-1]
    pi = probability_of_improvement(mu, sigma, 0.0, xi=0.01)
    log_pi = log_probability_of_improvement(mu, sigma, 0.0, xi=0.01)
    assert np.argmax(pi) == np.argmax(log_pi)
    np.testing.assert_allclose(np.exp(log_pi), pi, rtol=1e-12)


def test_the_bayesian_optimization_example_finds_the_minimum_without_repeats():
    result = minimize(lambda x: float((x[0] - 0.3) ** 2), [(-2.0, 2.0)], 12, random_state=0)
    assert result.fun < 1e-3
    assert abs(result.x[0] - 0.3) < 0.04
    assert result.x_iters.shape == (12, 1)
    assert len(np.unique(result.x_iters[:, 0])) == 12  # no point is evaluated twice
    np.testing.assert_allclose(result.func_vals, (result.x_iters[:, 0] - 0.3) ** 2, rtol=1e-12)
