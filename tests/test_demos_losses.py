"""The surrogate-losses and regression-losses demos, and the surrogate-losses entry's claims."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import norm
from sklearn.linear_model import QuantileRegressor

from mlequations.catalog import load_catalog
from mlequations.catalog.verify import check_entry
from mlequations.demos import run_demo
from mlequations.demos.regression_losses import (
    least_absolute_deviations,
    noisy_line_with_outliers,
)
from mlequations.demos.surrogate_losses import (
    MARGINS,
    THRESHOLDS,
    population_error,
    risks,
    toy_data,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOUNDS = ("hinge", "logistic_bits", "exponential")


@pytest.fixture(scope="module")
def surrogate(tmp_path_factory):
    return run_demo("surrogate-losses", tmp_path_factory.mktemp("surrogate"))


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    return run_demo("regression-losses", tmp_path_factory.mktemp("regression"))


def assert_png(result) -> None:
    (path,) = result.files
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert path.stat().st_size > 10_000


# --------------------------------------------------------------------------- surrogate losses


def test_three_surrogates_bound_the_0_1_loss_and_the_hinge_at_zero_does_not(surrogate):
    assert_png(surrogate)
    values = surrogate.values
    assert values["hinge_min_gap"] == 0.0
    assert values["exponential_min_gap"] == 0.0
    assert values["logistic_bits_min_gap"] == pytest.approx(0.0, abs=1e-15)
    assert values["hinge_at_zero_min_gap"] == -1.0
    # the same by closed forms, off the grid too
    y = np.concatenate([MARGINS, np.linspace(-50.0, 50.0, 1001)])
    step = (y <= 0).astype(float)
    for bound in (np.maximum(0, 1 - y), np.logaddexp(0, -y) / math.log(2), np.exp(-y)):
        assert np.all(bound >= step)


def test_risks_are_the_means_and_stay_above_the_error_rate(surrogate):
    x, t = toy_data()
    risk = risks(x, t, np.array([-0.5, 0.0, 0.7]))
    margins = (2 * t - 1) * 2.0 * (x - 0.7)
    assert risk["zero_one"][2] == np.mean(margins <= 0)
    assert risk["hinge"][2] == pytest.approx(np.mean(np.maximum(0, 1 - margins)), rel=1e-14)
    for name in BOUNDS:
        assert np.all(risk[name] >= risk["zero_one"])
        assert surrogate.values[f"{name}_risk_min_gap"] > 0.0


def test_surrogate_minimisers_are_near_the_bayes_threshold(surrogate):
    values = surrogate.values
    assert values["bayes_error"] == pytest.approx(norm.cdf(-1.0), rel=1e-14)
    for c in (-0.3, 0.0, 0.4):
        direct = 0.5 * (norm.cdf(c, loc=1.0) + norm.sf(c, loc=-1.0))
        assert population_error(c) == pytest.approx(direct, rel=1e-14)
    x, t = toy_data()
    signs = 2 * t - 1
    logistic = minimize_scalar(
        lambda c: np.mean(np.logaddexp(0, -signs * 2.0 * (x - c))), bounds=(-1.5, 1.5)
    )
    step = THRESHOLDS[1] - THRESHOLDS[0]
    assert values["logistic_bits_best_threshold"] == pytest.approx(logistic.x, abs=step)
    for name in BOUNDS:
        assert abs(values[f"{name}_best_threshold"]) < 0.1
        assert values[f"{name}_population_error"] - values["bayes_error"] < 1e-3
    # the training error's own minimiser generalises worse on this sample
    assert values["zero_one_population_error"] > values["logistic_bits_population_error"] + 0.01


def test_the_surrogate_losses_entry_example():
    entry = load_catalog()["surrogate-losses"]
    assert check_entry(entry).ok
    t_signed, scores = np.array([1, -1, 1, -1]), np.array([-1.0, 0.2, 0.5, -2.0])
    y = t_signed * scores
    np.testing.assert_array_equal(y, entry.example.args[0])
    error_rate = np.mean(y <= 0)
    means = [
        np.mean(np.maximum(0, 1 - y)),
        np.mean(np.logaddexp(0, -y)) / math.log(2),
        np.mean(np.exp(-y)),
    ]
    np.testing.assert_allclose(means, [0.925, 0.9783, 1.1704], atol=1e-4)  # the description's
    assert error_rate == 0.5
    assert min(means) > error_rate
    assert np.log(2) == pytest.approx(0.69, abs=5e-3)  # the natural-log value at y = 0


# --------------------------------------------------------------------------- regression losses


def test_mse_picks_the_mean_and_mae_the_median(regression):
    assert_png(regression)
    values = regression.values
    _, t = noisy_line_with_outliers()
    assert len(t) % 2 == 1  # an odd count: the median is one target
    assert values["mse_best_constant"] == pytest.approx(np.mean(t), abs=1e-6)
    assert values["mae_best_constant"] == pytest.approx(np.median(t), abs=1e-6)
    assert values["mean"] - values["median"] > 0.3  # the outliers pull the mean only


def test_least_squares_and_least_absolute_deviation_lines(regression):
    values = regression.values
    x, t = noisy_line_with_outliers()
    slope, intercept = np.polyfit(x, t, 1)
    assert values["least_squares_slope"] == pytest.approx(slope, rel=1e-10)
    assert values["least_squares_intercept"] == pytest.approx(intercept, rel=1e-10)
    reference = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(x[:, None], t)
    ours = least_absolute_deviations(x, t)
    assert ours[1] == pytest.approx(reference.coef_[0], abs=1e-6)
    assert ours[0] == pytest.approx(reference.intercept_, abs=1e-6)
    assert np.sum(np.abs(t - ours[0] - ours[1] * x)) <= np.sum(np.abs(t - intercept - slope * x))
    assert abs(values["least_absolute_slope"] - 2.0) < 0.2
    assert values["least_squares_slope"] > 4.0
