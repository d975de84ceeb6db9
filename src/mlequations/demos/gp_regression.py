r"""Gaussian-process regression of the guide's noisy sine under RBF and Matérn kernels.

Ten points :math:`t = \sin(2\pi x) + \varepsilon`, :math:`\varepsilon \sim N(0, 0.1)` (the
guide's regression data, as in the polynomial-fit demo) are fitted by a Gaussian
process with the kernel

.. math::

    k(x, x') = s^2\, \kappa\!\left(\frac{|x - x'|}{\ell}\right) + \sigma_n^2\,\mathbb 1(x = x'),

for :math:`\kappa` the RBF :math:`e^{-r^2/2}` and the Matérn kernels of smoothness
:math:`\nu = 5/2, 3/2, 1/2` (:math:`\nu = 1/2` is :math:`e^{-r}`, whose samples are
continuous but nowhere differentiable). :math:`s^2`, :math:`\ell` and :math:`\sigma_n^2`
maximise the log marginal likelihood

.. math::

    \log p(t \mid X) = -\tfrac12 t^T K^{-1} t - \tfrac12 \log\det K - \tfrac n2 \log 2\pi .

Each panel shows the posterior mean of :math:`f`, its 95% band, three functions
drawn from the posterior (smooth under the RBF, rough under Matérn 1/2), the data
and the true :math:`\sin 2\pi x`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.bayesopt.plots import latent_samples
from mlequations.datasets import NoisySine
from mlequations.demos import DemoResult
from mlequations.models.gaussian_process import GaussianProcessRegressor
from mlequations.models.kernels import RBF, ConstantKernel, Matern, WhiteKernel

__all__ = ["KERNELS", "fit_models", "run"]

N_TRAIN = 10
TRAIN_SEED = 0
N_SAMPLES = 3
POPULATION = NoisySine()
#: Panel name -> the kernel's shape κ (scaled by s² and plus white noise in the model).
KERNELS = {
    "rbf": ("RBF", lambda: RBF(0.3, (1e-2, 1e2))),
    "matern52": ("Matérn ν = 5/2", lambda: Matern(0.3, (1e-2, 1e2), nu=2.5)),
    "matern32": ("Matérn ν = 3/2", lambda: Matern(0.3, (1e-2, 1e2), nu=1.5)),
    "matern12": ("Matérn ν = 1/2", lambda: Matern(0.3, (1e-2, 1e2), nu=0.5)),
}


def fit_models() -> tuple[np.ndarray, np.ndarray, dict[str, GaussianProcessRegressor]]:
    """The ten training points and a fitted Gaussian process per kernel of :data:`KERNELS`."""
    X, t = POPULATION.sample(N_TRAIN, TRAIN_SEED)
    models = {}
    for name, (_, shape) in KERNELS.items():
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * shape() + WhiteKernel(0.1, (1e-4, 1.0))
        model = GaussianProcessRegressor(kernel, n_restarts_optimizer=3, random_state=0)
        models[name] = model.fit(X, t)
    return X, t, models


def hyperparameters(model: GaussianProcessRegressor) -> dict[str, float]:
    """:math:`s^2`, :math:`\\ell` and :math:`\\sigma_n^2` of a fitted model (θ is their log)."""
    signal, length_scale, noise = np.exp(model.kernel_.theta)
    return {"signal_variance": signal, "length_scale": length_scale, "noise_variance": noise}


def run(out_dir: Path) -> DemoResult:
    """Fit the four kernels; draw each posterior with samples; report fits and likelihoods."""
    X, t, models = fit_models()
    grid = np.linspace(0.0, 1.0, 300)[:, None]
    truth = POPULATION.regression_function(grid)
    figure = Figure(figsize=(12, 8), layout="constrained")
    values: dict[str, float] = {}
    for axes, (name, model) in zip(figure.subplots(2, 2).ravel(), models.items(), strict=True):
        mean, std = model.predict(grid, return_std=True, latent=True)
        samples = latent_samples(model, grid, N_SAMPLES, random_state=1)
        fitted = hyperparameters(model)
        axes.fill_between(
            grid[:, 0], mean - 1.96 * std, mean + 1.96 * std, alpha=0.2, label="95% band of f"
        )
        axes.plot(grid, samples, linewidth=0.8, alpha=0.7)
        axes.plot(grid, mean, color="tab:blue", linewidth=2, label="posterior mean")
        axes.plot(grid, truth, "k--", linewidth=1, label="sin 2πx")
        axes.plot(X[:, 0], t, "o", color="tab:red", label=f"data (N = {N_TRAIN})")
        lml = float(model.log_marginal_likelihood_value_)
        axes.set(
            title=(
                f"{KERNELS[name][0]}: ℓ = {fitted['length_scale']:.3f}, s² = "
                f"{fitted['signal_variance']:.2f}, σ²ₙ = {fitted['noise_variance']:.3f}, "
                f"log p = {lml:.2f}"
            ),
            xlabel="x",
            ylabel="t",
            ylim=(-2.5, 2.5),
        )
        axes.title.set_fontsize(9)
        axes.legend(fontsize=7, loc="lower left")
        for key, value in fitted.items():
            values[f"{name}_{key}"] = float(value)
        values[f"{name}_log_marginal_likelihood"] = lml
        values[f"{name}_rmse_to_sine"] = float(np.sqrt(np.mean((mean - truth) ** 2)))
    path = out_dir / "gp-regression.png"
    figure.savefig(path, dpi=100)
    best = max(KERNELS, key=lambda name: values[f"{name}_log_marginal_likelihood"])
    summary = "; ".join(
        f"{KERNELS[name][0]}: log p = {values[f'{name}_log_marginal_likelihood']:.2f}, "
        f"RMSE to sine {values[f'{name}_rmse_to_sine']:.3f}"
        for name in KERNELS
    )
    values["best_kernel_index"] = float(list(KERNELS).index(best))
    return DemoResult((path,), f"{summary}; highest evidence: {KERNELS[best][0]}", values)
