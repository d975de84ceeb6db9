"""The regularization-path and signal-propagation demos against closed forms and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Lasso

from mlequations.demos import run_demo
from mlequations.demos.regularization_path import (
    LASSO_ALPHAS,
    RIDGE_LAMBDAS,
    lasso_path,
    ridge_path,
    standardized_diabetes,
)
from mlequations.demos.signal_propagation import (
    DEPTH,
    DROPOUT_RATES,
    DROPOUT_SAMPLES,
    SCHEMES,
    WIDTH,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(result) -> None:
    (path,) = result.files
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert path.stat().st_size > 10_000


@pytest.fixture(scope="module")
def regularization(tmp_path_factory):
    return run_demo("regularization-path", tmp_path_factory.mktemp("regularization"))


@pytest.fixture(scope="module")
def propagation(tmp_path_factory):
    return run_demo("signal-propagation", tmp_path_factory.mktemp("propagation"))


# --------------------------------------------------------------------------- ridge and lasso


def test_ridge_path_is_the_svd_closed_form(regularization):
    assert_png(regularization)
    X, t = standardized_diabetes()
    Xc, tc = X - X.mean(axis=0), t - t.mean()
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    lambdas = RIDGE_LAMBDAS[::13]
    expected = np.array([Vt.T @ (s / (s**2 + lam) * (U.T @ tc)) for lam in lambdas])
    np.testing.assert_allclose(ridge_path(X, t, lambdas), expected, rtol=1e-8, atol=1e-10)
    values = regularization.values
    assert values["ridge_exact_zeros"] == 0.0
    least_squares = np.linalg.lstsq(Xc, tc, rcond=None)[0]
    assert values["ridge_smallest_lambda_norm"] < np.linalg.norm(least_squares)
    assert values["ridge_smallest_lambda_norm"] == pytest.approx(
        np.linalg.norm(expected[0]), rel=1e-8
    )


def test_lasso_alpha_max_zeroes_everything_and_bmi_enters_first(regularization):
    values = regularization.values
    X, t = standardized_diabetes()
    correlations = (X - X.mean(axis=0)).T @ (t - t.mean())
    alpha_max = np.max(np.abs(correlations)) / len(t)
    assert values["lasso_alpha_max"] == pytest.approx(alpha_max, rel=1e-12)
    assert values["lasso_first_feature"] == 2.0  # bmi
    # (a tight tol: at the default, scikit-learn accepts theta = 0 just below alpha_max)
    above = Lasso(alpha=alpha_max * (1 + 1e-9), tol=1e-12).fit(X, t).coef_
    below = Lasso(alpha=alpha_max * 0.99, tol=1e-12).fit(X, t).coef_
    assert np.count_nonzero(above) == 0
    assert np.flatnonzero(below).tolist() == [2]
    for alpha in (1.0, 10.0, 40.0):
        reference = Lasso(alpha=alpha, tol=1e-10).fit(X, t).coef_
        assert values[f"lasso_nonzero_alpha_{alpha:g}"] == np.count_nonzero(reference)


def test_lasso_path_matches_scikit_learn():
    X, t = standardized_diabetes()
    alphas = LASSO_ALPHAS[::8]
    reference = np.array(
        [Lasso(alpha=a, tol=1e-12, max_iter=100_000).fit(X, t).coef_ for a in alphas]
    )
    np.testing.assert_allclose(lasso_path(X, t, alphas), reference, atol=0.05)


# --------------------------------------------------------------------------- signal propagation


def test_mean_square_grows_by_n_sigma_squared_over_two_per_layer(propagation):
    assert_png(propagation)
    values = propagation.values
    for scheme, (_, variance, normalize) in SCHEMES.items():
        factor = values[f"{scheme}_factor_per_layer"]
        if normalize:
            # layer norm makes the pre-activations standard: E[ReLU(a)^2] = 1/2 at every layer
            assert values[f"{scheme}_final_mean_square"] == pytest.approx(0.5, rel=0.15)
        else:
            assert factor == pytest.approx(WIDTH * variance / 2, rel=0.15), scheme
    # Kaiming stays within a random walk of 1 (the factor varies about 20% per layer at width 128)
    assert 1e-2 < values["kaiming_final_mean_square"] < 1e2
    assert values["xavier_final_mean_square"] < 2.0 ** (-DEPTH / 2)  # halves per layer
    assert values["normal_1_final_mean_square"] > 1e40
    assert values["normal_0.01_final_mean_square"] < 1e-40


def test_inverted_dropout_keeps_the_mean_and_adds_p_over_1_minus_p(propagation):
    values = propagation.values
    for p in DROPOUT_RATES:
        standard_error = np.sqrt(p / (1 - p) / DROPOUT_SAMPLES)
        assert values[f"dropout_mean_p{p:g}"] == pytest.approx(1.0, abs=5 * standard_error + 1e-15)
        assert values[f"dropout_variance_p{p:g}"] == pytest.approx(p / (1 - p), rel=0.04, abs=1e-12)
