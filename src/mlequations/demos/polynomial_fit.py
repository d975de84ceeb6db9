r"""Polynomials of degree M = 1, 3 and 9 on the guide's ten noisy sine points.

ERM with the quadratic loss over polynomials of degree :math:`M`,

.. math::

    \theta_{\mathcal D} = \arg\min_{\theta} \frac{1}{N} \sum_{n=1}^{N}
    \bigl(t_n - \theta^T u(x_n)\bigr)^2, \qquad u(x) = [1, x, \dots, x^M]^T,

on :math:`N = 10` points :math:`t = \sin(2\pi x) + \varepsilon`,
:math:`\varepsilon \sim \mathcal N(0, 0.1)`. A line (:math:`M = 1`) underfits:
large training and population loss. :math:`M = 9` interpolates the ten points
(training loss 0) and swings between them: it overfits. :math:`M = 3` is close
to the sine. The second panel plots, against :math:`M = 0, \dots, 9`, the
training loss, the loss on 1000 validation points, the leave-one-out
cross-validation estimate from the ten points alone, and the exact population
loss :math:`L_p = \sigma^2 + \int_0^1 (\hat t(x) - \sin 2\pi x)^2\,dx` (by
Gauss-Legendre quadrature), which the validation loss estimates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.datasets import NoisySine
from mlequations.demos import DemoResult
from mlequations.model_selection import capacity_curve, cross_validation_loss
from mlequations.models.polynomial_regression import PolynomialRegression

__all__ = ["DEGREES", "SHOWN_DEGREES", "population_loss", "run"]

N_TRAIN = 10
N_VALIDATION = 1000
TRAIN_SEED = 0
VALIDATION_SEED = 1
DEGREES = tuple(range(10))
SHOWN_DEGREES = {1: "underfit", 3: "good fit", 9: "overfit"}
POPULATION = NoisySine()


def population_loss(model: PolynomialRegression, nodes: int = 80) -> float:
    r""":math:`\sigma^2 + \int_0^1 (\hat t(x) - \sin 2\pi x)^2 dx` by Gauss-Legendre quadrature."""
    points, weights = np.polynomial.legendre.leggauss(nodes)
    x = ((points + 1.0) / 2.0).reshape(-1, 1)
    excess = (model.predict(x) - POPULATION.regression_function(x)) ** 2
    return POPULATION.noise_variance + float(np.sum(weights / 2.0 * excess))


def _plot_fits(axes_row, X, t, models) -> None:
    grid = np.linspace(0.0, 1.0, 400).reshape(-1, 1)
    for axes, (degree, label) in zip(axes_row, SHOWN_DEGREES.items(), strict=True):
        axes.plot(grid, POPULATION.regression_function(grid), color="0.6", label="sin 2πx")
        axes.plot(grid, models[degree].predict(grid), color="tab:red", label=f"M = {degree}")
        axes.scatter(X[:, 0], t, color="tab:blue", zorder=3, label=f"training (N = {len(t)})")
        axes.set(title=f"M = {degree}: {label}", xlabel="x", ylabel="t", ylim=(-2.0, 2.0))
        axes.legend(fontsize=7, loc="lower left")


def run(out_dir: Path) -> DemoResult:
    """Fit M = 0..9 on ten noisy sine points; plot M = 1, 3, 9 and the losses against M."""
    X, t = POPULATION.sample(N_TRAIN, TRAIN_SEED)
    X_val, t_val = POPULATION.sample(N_VALIDATION, VALIDATION_SEED)
    curve = capacity_curve(PolynomialRegression(), "degree", DEGREES, X, t, X_val, t_val)
    models = {m: PolynomialRegression(degree=m).fit(X, t) for m in DEGREES}
    population = np.array([population_loss(models[m]) for m in DEGREES])
    leave_one_out = np.array(
        [cross_validation_loss(PolynomialRegression(degree=m), X, t, k=N_TRAIN) for m in DEGREES]
    )
    figure = Figure(figsize=(13, 7.5), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=(1, 1.1))
    _plot_fits(top.subplots(1, 3), X, t, models)
    axes = bottom.subplots()
    shown = curve.training_loss > 1e-10  # M = 9 interpolates: training loss 0, off a log scale
    axes.semilogy(
        np.array(DEGREES)[shown], curve.training_loss[shown], "o-", label="training loss L_D"
    )
    axes.annotate(
        f"M = 9: training loss {curve.training_loss[-1]:.0e} (interpolation)",
        xy=(DEGREES[-1], 3e-7),
        ha="right",
        fontsize=8,
        color="tab:blue",
    )
    axes.semilogy(DEGREES, curve.validation_loss, "s-", label=f"validation loss ({N_VALIDATION})")
    axes.semilogy(DEGREES, leave_one_out, "^:", label="leave-one-out cross-validation")
    axes.semilogy(DEGREES, population, "k--", label="population loss L_p (exact)")
    axes.axhline(POPULATION.noise_variance, color="0.6", linestyle=":", label="noise σ² = 0.1")
    axes.set(title="Loss against the degree M", xlabel="degree M", ylabel="mean squared error")
    axes.set_ylim(bottom=1e-7)
    axes.set_xticks(DEGREES)
    axes.legend(fontsize=8)
    path = out_dir / "polynomial-fit.png"
    figure.savefig(path, dpi=110)
    values: dict[str, float] = {}
    for m in SHOWN_DEGREES:
        values[f"training_loss_M{m}"] = float(curve.training_loss[m])
        values[f"validation_loss_M{m}"] = float(curve.validation_loss[m])
        values[f"population_loss_M{m}"] = float(population[m])
    values["best_degree_validation"] = float(curve.best_value)
    values["best_degree_cross_validation"] = float(DEGREES[int(np.argmin(leave_one_out))])
    summary = (
        f"validation loss M=1: {values['validation_loss_M1']:.3f}, M=3: "
        f"{values['validation_loss_M3']:.3f}, M=9: {values['validation_loss_M9']:.3g} "
        f"(training loss {values['training_loss_M9']:.1e}); best M by validation "
        f"{curve.best_value}, by leave-one-out {int(values['best_degree_cross_validation'])}"
    )
    return DemoResult((path,), summary, values)
