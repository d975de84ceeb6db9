"""The demos of issue 5: the guide's Bayesian optimization and GP regression, checked independently.

References: SciPy's root finder for the black box's true minimum, and scikit-learn's
``GaussianProcessRegressor`` with the demo's fitted kernel held fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize as scipy_optimize
from sklearn.gaussian_process import GaussianProcessRegressor as SklearnGP
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

from mlequations.demos import bayes_opt, gp_regression, run_demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > 10_000, path


def forrester(x: float) -> float:
    return (6 * x - 2) ** 2 * math.sin(12 * x - 4)


# --------------------------------------------------------------------------- bayes-opt


@pytest.fixture(scope="module")
def bayes_opt_result(tmp_path_factory):
    return run_demo("bayes-opt", tmp_path_factory.mktemp("bayes-opt"))


def test_bayes_opt_writes_the_posteriors_and_the_convergence(bayes_opt_result):
    names = [path.name for path in bayes_opt_result.files]
    assert names == ["bayes-opt-posteriors.png", "bayes-opt-convergence.png"]
    for path in bayes_opt_result.files:
        assert_png(path)
    assert "8 EI iterations" in bayes_opt_result.summary


def test_bayes_opt_true_minimum_matches_scipy():
    # f'(x) = 0 <=> sin(12x - 4) + (6x - 2) cos(12x - 4) = 0 near 0.76
    root = scipy_optimize.brentq(
        lambda x: math.sin(12 * x - 4) + (6 * x - 2) * math.cos(12 * x - 4), 0.7, 0.8, xtol=1e-15
    )
    assert abs(bayes_opt.TRUE_MINIMIZER - root) < 1e-12
    assert abs(bayes_opt.TRUE_MINIMUM - forrester(root)) < 1e-13
    grid = np.linspace(0.0, 1.0, 100001)
    assert np.min([forrester(x) for x in grid]) >= bayes_opt.TRUE_MINIMUM - 1e-12  # global


def test_bayes_opt_finds_the_global_minimum_in_13_evaluations(bayes_opt_result):
    values = bayes_opt_result.values
    assert values["n_evaluations"] == 13
    assert values["best_value"] == pytest.approx(forrester(values["best_x"]), rel=1e-14)
    assert values["regret"] == pytest.approx(values["best_value"] - bayes_opt.TRUE_MINIMUM)
    assert 0 <= values["regret"] < 1e-3
    assert abs(values["best_x"] - bayes_opt.TRUE_MINIMIZER) < 0.01
    assert values["best_initial_value"] > values["best_value"] + 0.5  # EI beat random search


def test_bayes_opt_runs_5_random_points_then_8_ei_iterations():
    result = bayes_opt.optimize_black_box()
    assert len(result.models) == 8  # one posterior per iteration, one panel each
    assert [len(model.X_train_) for model in result.models] == list(range(5, 13))
    assert result.specs["acquisition"] == "ei"
    np.testing.assert_array_equal(result.func_vals, [forrester(x) for x in result.x_iters[:, 0]])
    rerun = bayes_opt.optimize_black_box()
    np.testing.assert_array_equal(rerun.x_iters, result.x_iters)  # reproducible


# --------------------------------------------------------------------------- gp-regression


@pytest.fixture(scope="module")
def gp_result(tmp_path_factory):
    return run_demo("gp-regression", tmp_path_factory.mktemp("gp-regression"))


SKLEARN_SHAPES = {
    "rbf": lambda ell: RBF(ell),
    "matern52": lambda ell: Matern(ell, nu=2.5),
    "matern32": lambda ell: Matern(ell, nu=1.5),
    "matern12": lambda ell: Matern(ell, nu=0.5),
}


@pytest.mark.parametrize("name", list(gp_regression.KERNELS))
def test_gp_regression_agrees_with_scikit_learn(gp_result, name):
    values = gp_result.values
    X, t, models = gp_regression.fit_models()
    kernel = ConstantKernel(values[f"{name}_signal_variance"]) * SKLEARN_SHAPES[name](
        values[f"{name}_length_scale"]
    ) + WhiteKernel(values[f"{name}_noise_variance"])
    reference = SklearnGP(kernel, optimizer=None, alpha=1e-10).fit(X, t)
    assert values[f"{name}_log_marginal_likelihood"] == pytest.approx(
        reference.log_marginal_likelihood_value_, rel=1e-9
    )
    grid = np.linspace(0.0, 1.0, 300)[:, None]
    mean, std = reference.predict(grid, return_std=True)
    ours, our_std = models[name].predict(grid, return_std=True)
    np.testing.assert_allclose(ours, mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(our_std, std, rtol=1e-8, atol=1e-10)
    rmse = np.sqrt(np.mean((mean - np.sin(2 * np.pi * grid[:, 0])) ** 2))
    assert values[f"{name}_rmse_to_sine"] == pytest.approx(rmse, rel=1e-8)
    # The fitted hyperparameters maximise the evidence: its gradient vanishes (interior).
    _, gradient = reference.log_marginal_likelihood(reference.kernel_.theta, eval_gradient=True)
    assert np.max(np.abs(gradient)) < 1e-3


def test_gp_regression_reports_and_draws_every_kernel(gp_result):
    assert_png(gp_result.files[0])
    values = gp_result.values
    evidence = [values[f"{name}_log_marginal_likelihood"] for name in gp_regression.KERNELS]
    assert values["best_kernel_index"] == int(np.argmax(evidence))
    for name in gp_regression.KERNELS:
        assert 0.05 < values[f"{name}_length_scale"] < 1.0  # a sine of period 1
        assert values[f"{name}_rmse_to_sine"] < 0.35
    assert "highest evidence" in gp_result.summary
