"""Bayesian optimization finds known minima, never repeats a point, and refuses bad input.

References: the closed-form minima of x², Branin and six-hump camel (confirmed by
SciPy's local minimiser), finite differences for the chained acquisition gradients, a
dense grid for the acquisition maximiser, and the layer-1 acquisition functions for
what the plots draw.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize as scipy_optimize
from scipy.spatial.distance import pdist

from mlequations import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.acquisition import log_expected_improvement
from mlequations.bayesopt import (
    BayesianOptimizer,
    DeadlineStopper,
    DeltaXStopper,
    DeltaYStopper,
    SearchSpace,
    minimize,
    plot_convergence,
    plot_gp_1d,
)
from mlequations.bayesopt import progress as progress_module
from mlequations.bayesopt.acquisition_search import maximize_acquisition
from mlequations.bayesopt.criteria import ACQUISITIONS, acquisition_on_cube
from mlequations.bayesopt.surrogate import fit_surrogate

BRANIN_BOUNDS = [(-5.0, 10.0), (0.0, 15.0)]
CAMEL_BOUNDS = [(-3.0, 3.0), (-2.0, 2.0)]


def square(x: np.ndarray) -> float:
    return float(x[0] ** 2)


def branin(x: np.ndarray) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return float((x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10)


def six_hump_camel(x: np.ndarray) -> float:
    x1, x2 = float(x[0]), float(x[1])
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


def local_minimum(func, start) -> float:
    """The minimum SciPy's BFGS reaches from ``start``: the independent reference value."""
    return float(scipy_optimize.minimize(func, start, method="BFGS", tol=1e-12).fun)


# --------------------------------------------------------------------------- finding minima


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimize_finds_the_minimum_of_a_square(seed):
    result = minimize(square, [(-2.0, 2.0)], n_calls=12, random_state=seed)
    assert abs(result.x[0]) < 0.01
    assert result.fun == pytest.approx(square(result.x))
    assert result.fun < 1e-4
    assert result.x_iters.shape == (12, 1)
    assert result.func_vals.shape == (12,)
    assert len(result.models) == 12 - 5  # one surrogate per model-based suggestion


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimize_finds_branin_within_0_01_in_40_calls(seed):
    reference = local_minimum(branin, [3.0, 2.0])
    assert reference == pytest.approx(0.397887, abs=1e-6)
    result = minimize(branin, BRANIN_BOUNDS, n_calls=40, random_state=seed)
    assert result.fun - reference < 0.01
    assert result.fun == branin(result.x)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimize_finds_six_hump_camel_within_0_01_in_50_calls(seed):
    reference = local_minimum(six_hump_camel, [0.1, -0.7])
    assert reference == pytest.approx(-1.0316, abs=1e-4)
    result = minimize(six_hump_camel, CAMEL_BOUNDS, n_calls=50, random_state=seed)
    assert result.fun - reference < 0.01
    # The two global minima are (±0.0898, ∓0.7126).
    assert np.min(np.abs(np.abs(result.x) - [0.0898, 0.7126])) < 0.05


@pytest.mark.parametrize("acquisition", ACQUISITIONS)
def test_every_acquisition_makes_progress(acquisition):
    xi = 0.1 if acquisition == "pi" else 0.0  # PI with xi = 0 creeps in tiny sure steps
    result = minimize(
        square, [(-2.0, 2.0)], n_calls=12, acquisition=acquisition, xi=xi, random_state=0
    )
    assert result.fun < np.min(result.func_vals[:5])  # beat the initial design
    assert result.fun < 0.01


def test_same_seed_same_run_and_generator_seeds_work():
    first = minimize(branin, BRANIN_BOUNDS, n_calls=8, random_state=7)
    second = minimize(branin, BRANIN_BOUNDS, n_calls=8, random_state=7)
    np.testing.assert_array_equal(first.x_iters, second.x_iters)
    other = minimize(branin, BRANIN_BOUNDS, n_calls=8, random_state=np.random.default_rng(7))
    assert not np.array_equal(first.x_iters, other.x_iters)


# --------------------------------------------------------------------------- initial design


def test_sobol_initial_design_is_stratified_within_bounds():
    optimizer = BayesianOptimizer([(10.0, 18.0)], n_initial_points=8, random_state=4)
    points = []
    for _ in range(8):
        x = optimizer.ask()
        optimizer.tell(x, 0.0)
        points.append(x[0])
    # A scrambled Sobol set of 8 points has exactly one point in each eighth of the range.
    assert sorted(np.floor(np.array(points) - 10.0).astype(int).tolist()) == list(range(8))


def test_random_initial_design_is_uniform_and_seeded():
    def design(seed):
        optimizer = BayesianOptimizer(
            [(0.0, 1.0)] * 3, n_initial_points=64, random_state=seed, initial_design="random"
        )
        return optimizer._initial_points

    np.testing.assert_array_equal(design(1), design(1))
    assert not np.array_equal(design(1), design(2))
    assert np.all((design(1) >= 0) & (design(1) < 1))


def test_search_space_maps_to_and_from_the_unit_cube(rng):
    space = SearchSpace([(-5.0, 10.0), (1e-3, 1e-2)])
    X = space.from_unit(rng.random((20, 2)))
    np.testing.assert_allclose(space.from_unit(space.to_unit(X)), X, rtol=1e-14)
    np.testing.assert_allclose(space.to_unit([[-5.0, 1e-2]]), [[0.0, 1.0]])


# --------------------------------------------------------------------------- acquisition search


@pytest.fixture(scope="module")
def surrogate():
    rng = np.random.default_rng(0)
    U = rng.random((12, 3))
    y = np.sin(3 * U[:, 0]) + U[:, 1] ** 2 - U[:, 2] + 0.05 * rng.standard_normal(12)
    model, _ = fit_surrogate(U, y, rng, None)
    return model, U, y


@pytest.mark.parametrize("name", ACQUISITIONS)
def test_chained_acquisition_gradient_matches_finite_differences(surrogate, name):
    model, _, y = surrogate
    # best = the median: some points have EI ~ 1, others are far below it (log EI ~ -70).
    acquisition = acquisition_on_cube(model, name, float(np.median(y)), 0.0, 1.96)
    points = np.random.default_rng(1).random((5, 3))
    _, gradient = acquisition(points)
    step = 1e-5
    for j in range(3):
        shift = np.zeros(3)
        shift[j] = step
        numerical = (acquisition(points + shift)[0] - acquisition(points - shift)[0]) / (2 * step)
        np.testing.assert_allclose(gradient[:, j], numerical, rtol=1e-6, atol=1e-9)


def test_acquisition_maximiser_matches_a_dense_grid():
    U = np.array([[0.05], [0.3], [0.45], [0.8], [0.95]])
    y = np.sin(12 * U[:, 0])
    model, _ = fit_surrogate(U, y, np.random.default_rng(0), None)
    acquisition = acquisition_on_cube(model, "log_ei", float(y.min()), 0.0, 1.96)
    grid = np.linspace(0.0, 1.0, 20001)[:, None]
    grid_best = float(np.max(acquisition(grid)[0]))
    found = maximize_acquisition(acquisition, U, U[[np.argmin(y)]], np.random.default_rng(2))
    assert acquisition(found[None, :])[0][0] >= grid_best - 1e-9


def test_duplicate_suggestion_is_replaced_by_the_best_fresh_point():
    # A symmetric valley: the posterior mean is smallest exactly at the evaluated u = 0.5,
    # so LCB with kappa = 0 (pure exploitation of the mean) peaks on an evaluated point.
    optimizer = BayesianOptimizer([(0.0, 1.0)], acquisition="lcb", kappa=0.0, random_state=0)
    optimizer.tell([[0.1], [0.3], [0.5], [0.7], [0.9]], [1.0, 0.5, 0.0, 0.5, 1.0])
    x = optimizer.ask()
    grid = np.linspace(0.0, 1.0, 10001)[:, None]
    assert grid[np.argmin(optimizer.models[-1].predict(grid)), 0] == pytest.approx(0.5, abs=1e-4)
    assert 1e-6 <= abs(x[0] - 0.5) < 0.05  # the best point that is no duplicate


def test_duplicates_are_never_evaluated_in_a_greedy_run():
    calls = []

    def recorded_square(x):
        calls.append(x.copy())
        return square(x)

    result = minimize(
        recorded_square, [(-2.0, 2.0)], n_calls=20, acquisition="lcb", kappa=0.0, random_state=0
    )
    assert len(calls) == 20
    assert np.min(pdist(result.space.to_unit(result.x_iters))) >= 1e-6


# --------------------------------------------------------------------------- ask and tell


def test_ask_is_stable_until_told_and_tell_accepts_batches():
    optimizer = BayesianOptimizer([(0.0, 1.0), (0.0, 2.0)], n_initial_points=2, random_state=0)
    first = optimizer.ask()
    np.testing.assert_array_equal(optimizer.ask(), first)
    result = optimizer.tell([[0.1, 0.2], [0.5, 1.5], [0.9, 0.1]], [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(result.x, [0.5, 1.5])
    assert result.fun == 1.0
    assert len(result.func_vals) == 3
    assert not np.array_equal(optimizer.ask(), first)  # told: a fresh, model-based point


def test_x0_is_evaluated_first_and_y0_is_used_without_calls():
    calls = []

    def recorded(x):
        calls.append(x.copy())
        return branin(x)

    x0 = [[0.0, 0.0], [1.0, 1.0]]
    result = minimize(recorded, BRANIN_BOUNDS, n_calls=6, x0=x0, random_state=0)
    np.testing.assert_array_equal(np.array(calls[:2]), x0)
    assert len(calls) == 6
    calls.clear()
    result = minimize(
        recorded, BRANIN_BOUNDS, n_calls=4, x0=x0, y0=[branin(p) for p in x0], random_state=0
    )
    assert len(calls) == 4
    assert len(result.func_vals) == 6


def test_nonfinite_value_raises_an_error_naming_the_point():
    def broken(x):
        return math.nan if x[0] > 0 else float(x[0] ** 2)

    with pytest.raises(
        NonFiniteError, match=r"returned nan at x = \[1\.48811\]; it must be finite"
    ):
        minimize(broken, [(-2.0, 2.0)], n_calls=10, random_state=0)


def test_penalize_keeps_failed_evaluations_and_never_repeats_them():
    def partly_broken(x):
        return math.inf if x[0] > 1.0 else float((x[0] - 0.5) ** 2)

    result = minimize(
        partly_broken, [(-2.0, 2.0)], n_calls=15, on_nonfinite="penalize", random_state=0
    )
    failed = ~np.isfinite(result.func_vals)
    assert np.any(failed)
    assert np.all(result.x_iters[failed, 0] > 1.0)
    assert np.isfinite(result.fun)
    assert abs(result.x[0] - 0.5) < 0.05
    assert np.min(pdist(result.x_iters)) > 0


# --------------------------------------------------------------------------- callbacks


def test_callback_returning_true_stops_and_every_callback_runs():
    seen = []
    stop_at_7 = lambda r: len(r.func_vals) == 7  # noqa: E731
    record = lambda r: seen.append(r.fun)  # noqa: E731
    result = minimize(
        square, [(-2.0, 2.0)], n_calls=20, random_state=0, callback=[stop_at_7, record]
    )
    assert len(result.func_vals) == 7
    assert len(seen) == 7
    assert seen == np.minimum.accumulate(result.func_vals).tolist()


def test_delta_y_stopper_stops_when_the_best_values_agree():
    result = minimize(
        square, [(-2.0, 2.0)], n_calls=30, random_state=0, callback=DeltaYStopper(1e-3, n_best=3)
    )
    assert len(result.func_vals) < 30
    best = np.sort(result.func_vals)[:3]
    assert best[-1] - best[0] < 1e-3


def test_deadline_stopper_leaves_time_for_the_longest_iteration():
    ticks = iter(range(100))  # every clock reading is one second later
    stopper = DeadlineStopper(10.0, clock=lambda: float(next(ticks)))
    result = minimize(square, [(-2.0, 2.0)], n_calls=20, random_state=0, callback=stopper)
    assert len(result.func_vals) == 9  # after 9 s, 1 s is left: no more than one iteration
    assert stopper.iteration_times == [1.0] * 9


def test_delta_x_stopper_stops_when_points_repeat_closely():
    result = minimize(
        square, [(-2.0, 2.0)], n_calls=30, random_state=0, callback=DeltaXStopper(1e-3)
    )
    assert len(result.func_vals) < 30
    assert np.linalg.norm(result.x_iters[-1] - result.x_iters[-2]) < 1e-3


def test_verbose_shows_a_bar_only_on_a_terminal(capsys, monkeypatch):
    minimize(square, [(-2.0, 2.0)], n_calls=6, random_state=0, verbose=1)
    assert capsys.readouterr().err == ""  # pytest's stderr is no terminal
    monkeypatch.setattr(progress_module, "shows_progress", lambda verbose: verbose > 0)
    minimize(square, [(-2.0, 2.0)], n_calls=6, random_state=0, verbose=1)
    err = capsys.readouterr().err
    assert "Bayesian optimization" in err
    assert "6/6" in err
    assert "best=" in err
    minimize(square, [(-2.0, 2.0)], n_calls=6, random_state=0, verbose=0)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- plots


@pytest.fixture(scope="module")
def run_1d():
    def wave(x):
        return float(np.sin(5 * x[0]) + 0.5 * x[0])

    return wave, minimize(wave, [(0.0, 3.0)], n_calls=8, random_state=0)


def test_plot_gp_1d_draws_the_posterior_and_the_acquisition(run_1d):
    wave, result = run_1d
    top, bottom = plot_gp_1d(result, func=wave, model_index=1, n_samples=2)
    model, warping = result.models[1], result.output_transforms[1]
    assert not warping.is_identity
    by_label = {line.get_label(): line for line in top.lines}
    grid = by_label["GP median"].get_xdata()
    unit = result.space.to_unit(grid[:, None])
    mean, std = model.predict(unit, return_std=True, latent=True)
    # The model is of g(y): its median and band are drawn through g⁻¹, in f's units.
    np.testing.assert_allclose(by_label["GP median"].get_ydata(), warping.inverse(mean))
    band = top.collections[0].get_paths()[0].vertices[:, 1]
    low, high = (warping.inverse(mean + sign * 1.959963984540054 * std) for sign in (-1, 1))
    np.testing.assert_allclose([band.min(), band.max()], [low.min(), high.max()])
    np.testing.assert_allclose(by_label["objective"].get_ydata(), [wave([g]) for g in grid])
    seen = len(model.X_train_)
    assert seen == 6
    assert by_label[f"{seen} observations"].get_xdata().size == seen
    assert by_label["next point"].get_xdata()[0] == result.x_iters[seen, 0]
    expected = log_expected_improvement(
        mean, np.maximum(std, 1e-9 * model.y_scale_), result.func_vals[:seen].min(), 0.0
    )
    np.testing.assert_allclose(bottom.lines[0].get_ydata(), expected, rtol=1e-12)
    assert len(top.collections) == 1  # the 95% band


def test_plot_convergence_draws_the_running_minimum(run_1d):
    _, result = run_1d
    ax = plot_convergence(result, result, labels=["a", "b"], true_minimum=-1.0)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.minimum.accumulate(result.func_vals))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "true minimum"]


def test_plots_refuse_what_they_cannot_draw(run_1d):
    _, result = run_1d
    two_d = minimize(branin, BRANIN_BOUNDS, n_calls=6, random_state=0)
    with pytest.raises(ValidationError, match="1-D search space, got 2"):
        plot_gp_1d(two_d)
    with pytest.raises(ValidationError, match="model_index must lie in"):
        plot_gp_1d(result, model_index=5)
    with pytest.raises(ValidationError, match="at least one result"):
        plot_convergence()
    with pytest.raises(ValidationError, match="one label per result"):
        plot_convergence(result, labels=["a", "b"])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("bounds", "error", "message"),
    [
        ([(1.0, 1.0)], ValidationError, r"bounds\[0\] must have low < high, got \(1, 1\)"),
        ([(0.0, 1.0), (3.0, 2.0)], ValidationError, r"bounds\[1\] must have low < high"),
        ([0.0, 1.0], ShapeError, r"shape \(n_dims, 2\), got shape \(2,\)"),
        ([(0.0, 1.0, 2.0)], ShapeError, r"got shape \(1, 3\)"),
        ([], ShapeError, r"got shape \(0,\)"),
        ([(0.0, math.inf)], NonFiniteError, r"bounds\[0\] must be finite"),
        ([("a", "b")], ShapeError, "pairs of real numbers"),
        ("bounds", ArrayTypeError, "sequence of"),
    ],
)
def test_bad_bounds_are_refused(bounds, error, message):
    with pytest.raises(error, match=message):
        minimize(square, bounds, n_calls=10)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"n_calls": 3}, ValidationError, "n_calls must be >= n_initial_points = 5, got 3"),
        ({"n_calls": 0}, ValidationError, "n_calls must be >= 1, got 0"),
        ({"n_calls": 2.5}, ArrayTypeError, "n_calls must be an integer"),
        ({"n_initial_points": 0}, ValidationError, "n_initial_points must be >= 1"),
        ({"acquisition": "ucb"}, ValidationError, "acquisition must be one of"),
        ({"initial_design": "halton"}, ValidationError, "initial_design must be one of"),
        ({"on_nonfinite": "skip"}, ValidationError, "on_nonfinite must be one of"),
        ({"random_state": "seed"}, ArrayTypeError, "random_state must be None"),
        ({"random_state": -1}, ValidationError, "random_state must be >= 0"),
        ({"xi": -0.1}, ValidationError, "xi must be a non-negative finite number"),
        ({"kappa": math.nan}, ValidationError, "kappa must be a non-negative finite number"),
        ({"x0": [[0.0, 1.0]]}, ShapeError, r"x0 must have shape \(1,\) or \(n_points, 1\)"),
        ({"x0": [3.0]}, ValidationError, "x0 must lie within the bounds"),
        ({"x0": [[0.0], [1.0]], "y0": [1.0]}, ShapeError, "one value per point of x"),
        ({"y0": [1.0]}, ValidationError, "y0 must come with x0"),
        ({"x0": [[0.1 * i] for i in range(12)]}, ValidationError, "n_calls must be >= len"),
        ({"x0": [[0.0]], "y0": ["a"]}, ArrayTypeError, "y must be a real number"),
        ({"callback": 3}, TypeError, "callback must be a callable or a sequence"),
        ({"callback": [print, 3]}, TypeError, r"callback\[1\] must be callable"),
        ({"verbose": -1}, ValidationError, "verbose must be >= 0"),
        ({"n_candidates": 0}, ValidationError, "n_candidates must be >= 1"),
    ],
)
def test_bad_arguments_are_refused(arguments, error, message):
    settings = {"n_calls": 10, "random_state": 0} | arguments
    with pytest.raises(error, match=message):
        minimize(square, [(-2.0, 2.0)], **settings)


def test_bad_objectives_and_tells_are_refused():
    with pytest.raises(TypeError, match="func must be callable, got int"):
        minimize(3, [(-2.0, 2.0)], n_calls=10)
    with pytest.raises(ArrayTypeError, match=r"func must return a real number, got str at x = \["):
        minimize(lambda x: "low", [(-2.0, 2.0)], n_calls=10, random_state=0)
    optimizer = BayesianOptimizer([(0.0, 1.0), (0.0, 1.0)], random_state=0)
    with pytest.raises(ShapeError, match=r"x must have shape \(2,\) or \(n_points, 2\)"):
        optimizer.tell([0.5], 1.0)
    with pytest.raises(ShapeError, match=r"one value per point of x \(2\), got shape \(3,\)"):
        optimizer.tell([[0.1, 0.1], [0.2, 0.2]], [1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError, match=r"returned inf at x = \[0\.5, 0\.5\]"):
        optimizer.tell([0.5, 0.5], math.inf)
    assert len(optimizer.func_vals) == 0  # a refused tell adds nothing
    for stopper, message in [
        (lambda: DeltaYStopper(0.0), "delta must be a positive finite number"),
        (lambda: DeltaYStopper(0.1, n_best=1), "n_best must be >= 2"),
        (lambda: DeadlineStopper(-1.0), "total_time must be a positive finite number"),
    ]:
        with pytest.raises(ValidationError, match=message):
            stopper()
