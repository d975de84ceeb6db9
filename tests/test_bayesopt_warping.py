"""The surrogate's output warping: identity below the median, a logarithm above it.

References: SciPy's Box-Cox transform with lambda = 0 (``boxcox1p``) and its inverse
for the compressed branch, the median and minimum computed by NumPy, central finite
differences for the derivative, and the invariants of a warping (strictly increasing,
so the order of the values and the minimiser are kept; continuous with g'(t) = 1).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import boxcox1p, inv_boxcox1p

from mlequations import ValidationError
from mlequations.bayesopt import BayesianOptimizer, minimize, plot_gp_1d
from mlequations.bayesopt.warping import OUTPUT_TRANSFORMS, TailCompression, fit_output_transform


def camel(x: np.ndarray) -> float:
    x1, x2 = float(x[0]), float(x[1])
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


@pytest.fixture
def heavy_tailed(rng):
    """Values like an objective's: most near the minimum, a few orders of magnitude above."""
    return np.concatenate([rng.normal(0.0, 1.0, 40), np.exp(rng.uniform(2.0, 9.0, 10))])


def test_warping_matches_box_cox_above_the_median_and_is_identity_below(heavy_tailed):
    g = TailCompression.fit(heavy_tailed)
    t = np.median(heavy_tailed)
    s = t - heavy_tailed.min()
    assert (g.threshold, g.scale) == (t, s)
    z = g.transform(heavy_tailed)
    below = heavy_tailed <= t
    np.testing.assert_array_equal(z[below], heavy_tailed[below])
    expected = t + s * boxcox1p((heavy_tailed[~below] - t) / s, 0.0)
    np.testing.assert_allclose(z[~below], expected, rtol=1e-14)
    assert z.max() < t + s * 12  # e^9 = 8103 is compressed to within a dozen scales


def test_inverse_matches_box_cox_inverse_and_round_trips(heavy_tailed):
    g = TailCompression.fit(heavy_tailed)
    z = g.transform(heavy_tailed)
    np.testing.assert_allclose(g.inverse(z), heavy_tailed, rtol=1e-12, atol=1e-12)
    grid = np.linspace(g.threshold, g.threshold + 30 * g.scale, 50)
    expected = g.threshold + g.scale * inv_boxcox1p((grid - g.threshold) / g.scale, 0.0)
    np.testing.assert_allclose(g.inverse(grid), expected, rtol=1e-13)
    # Far beyond the data the inverse overflows to inf, without a warning (an error here).
    assert g.inverse(np.array([g.threshold + 1e6 * g.scale]))[0] == math.inf


def test_warping_is_increasing_and_keeps_the_minimiser(heavy_tailed, rng):
    g = TailCompression.fit(heavy_tailed)
    grid = np.sort(rng.uniform(heavy_tailed.min() - 5, heavy_tailed.max() + 5, 2000))
    assert np.all(np.diff(g.transform(grid)) > 0)
    z = g.transform(heavy_tailed)
    np.testing.assert_array_equal(
        np.argsort(z, kind="stable"), np.argsort(heavy_tailed, kind="stable")
    )
    assert np.argmin(z) == np.argmin(heavy_tailed)
    assert z.min() == heavy_tailed.min()  # the incumbent of the acquisition is unchanged


def test_derivative_matches_finite_differences_and_is_continuous_at_the_threshold(heavy_tailed):
    g = TailCompression.fit(heavy_tailed)
    t, h = g.threshold, 1e-6
    points = np.array([t - 3.0, t - 1e-3, t + 1e-3, t + 2.5 * g.scale, t + 100 * g.scale])
    numeric = (g.transform(points + h) - g.transform(points - h)) / (2 * h)
    np.testing.assert_allclose(g.derivative(points), numeric, rtol=1e-6)
    np.testing.assert_allclose(g.derivative([t - 1e-9, t + 1e-9]), [1.0, 1.0], atol=1e-8)
    assert abs(g.transform([t + 1e-9])[0] - (t + 1e-9)) < 1e-15  # g continuous at t


@pytest.mark.parametrize(
    "values",
    [np.array([2.0, 2.0, 2.0, 5.0]), np.array([3.0]), np.array([-1.0, -1.0, 4.0])],
)
def test_ties_with_the_minimum_give_the_identity(values):
    assert TailCompression.fit(values).is_identity  # at least half the values are the minimum
    np.testing.assert_array_equal(TailCompression.fit(values).transform(values), values)


def test_none_is_the_identity():
    g = fit_output_transform("none", np.array([0.0, 1.0, 1e9]))
    np.testing.assert_array_equal(g.transform([1e9, -3.0]), [1e9, -3.0])
    np.testing.assert_array_equal(g.derivative([1e9]), [1.0])
    assert OUTPUT_TRANSFORMS == ("log_tail", "none")


@pytest.mark.parametrize("output_transform", OUTPUT_TRANSFORMS)
def test_surrogate_is_fitted_to_values_warped_as_the_initial_design_says(output_transform):
    bounds = [(-3.0, 3.0), (-2.0, 2.0)]
    result = minimize(camel, bounds, n_calls=9, random_state=0, output_transform=output_transform)
    assert result.specs["output_transform"] == output_transform
    assert len(result.output_transforms) == len(result.models) == 4
    # g is fitted to the 5 values of the initial design and then stays fixed.
    expected = TailCompression.fit(result.func_vals[:5])
    for model, warping in zip(result.models, result.output_transforms, strict=True):
        seen = result.func_vals[: len(model.X_train_)]
        fitted = model.y_train_ * model.y_scale_ + model.y_mean_
        if output_transform == "none":
            assert warping.is_identity
            np.testing.assert_allclose(fitted, seen, rtol=1e-12)
        else:
            assert (warping.threshold, warping.scale) == (expected.threshold, expected.scale)
            np.testing.assert_allclose(fitted, expected.transform(seen), rtol=1e-12)
            assert fitted.max() < seen.max()  # the camel's edge values are compressed
            assert warping.transform(seen).min() == seen.min()  # and the incumbent is not


def test_warping_waits_until_the_values_determine_it():
    optimizer = BayesianOptimizer([(0.0, 1.0)], n_initial_points=1, random_state=0)
    optimizer.tell([[0.5]], [2.0])
    optimizer.ask()  # one value: s = 0, the identity for now
    assert optimizer.output_transforms[-1].is_identity
    optimizer.tell([[0.9], [0.1]], [2.0, 50.0])
    optimizer.ask()  # median 2 = min: still the identity
    optimizer.tell([[0.3]], [0.0])
    optimizer.ask()  # values 0, 2, 2, 50: t = 2, s = 2
    assert (optimizer.output_transforms[-1].threshold, optimizer.output_transforms[-1].scale) == (
        2.0,
        2.0,
    )
    optimizer.tell([[0.7]], [-100.0])
    optimizer.ask()  # fixed from now on
    assert optimizer.output_transforms[-1] == optimizer.output_transforms[-2]


def test_unwarped_plot_draws_the_gp_mean():
    def wave(x):
        return float(np.sin(5 * x[0]) + 0.5 * x[0])

    result = minimize(wave, [(0.0, 3.0)], n_calls=7, random_state=0, output_transform="none")
    top, _ = plot_gp_1d(result, model_index=0, n_samples=0)
    line = {line.get_label(): line for line in top.lines}["GP mean"]
    unit = result.space.to_unit(line.get_xdata()[:, None])
    np.testing.assert_allclose(line.get_ydata(), result.models[0].predict(unit, latent=True))


@pytest.mark.parametrize("output_transform", OUTPUT_TRANSFORMS)
def test_output_transform_is_saved_and_a_resumed_run_matches(tmp_path, output_transform):
    bounds = [(-3.0, 3.0), (-2.0, 2.0)]
    settings = {"random_state": 4, "output_transform": output_transform}
    uninterrupted = minimize(camel, bounds, n_calls=10, **settings)
    optimizer = BayesianOptimizer(bounds, **settings)
    optimizer.run(camel, n_calls=7)
    path = optimizer.save(tmp_path / "state.json")
    saved = json.loads(path.read_text())["output_warping"]
    if output_transform == "none":
        assert saved is None
    else:
        fitted = TailCompression.fit(uninterrupted.func_vals[:5])
        assert saved == [fitted.threshold, fitted.scale]  # exact floats
    resumed = BayesianOptimizer.load(path)
    assert resumed.output_transform == output_transform
    result = resumed.run(camel, n_calls=3)
    np.testing.assert_array_equal(result.x_iters, uninterrupted.x_iters)
    assert result.output_transforms == uninterrupted.output_transforms[-3:]


def test_a_state_without_output_warping_loads(tmp_path):
    optimizer = BayesianOptimizer([(0.0, 1.0)], random_state=0)
    optimizer.tell([[0.2], [0.6]], [1.0, 3.0])
    path = optimizer.save(tmp_path / "old.json")
    document = json.loads(path.read_text())
    del document["output_warping"]  # as written before the warping existed
    path.write_text(json.dumps(document))
    np.testing.assert_array_equal(BayesianOptimizer.load(path).x_iters, [[0.2], [0.6]])


def test_unknown_output_transform_is_refused():
    with pytest.raises(ValidationError, match="output_transform must be one of"):
        BayesianOptimizer([(0.0, 1.0)], output_transform="yeo-johnson")
