"""The guide's jointly Bernoulli table: marginals, conditionals, dependence and the best predictors.

The table p(x, t) = [[0.45, 0.05], [0.10, 0.40]] (rows x, columns t) is read
three ways. Its row and column sums are the marginals; dividing a row by its sum
gives the conditional p(t | x), which differs from p(t), so x and t are
dependent (the table is not the outer product of its marginals). Used for
prediction, the MAP rule t̂(x) = argmax p(t | x) has the least 0-1 population
loss of the four possible hard predictors (0.15), and among the soft predictors
q(t = 1 | x = 1) = a the population log loss is smallest at the posterior a = 0.8.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import minimize_scalar

from mlequations.demos import DemoResult
from mlequations.inference import (
    optimal_hard_predictor,
    optimal_soft_predictor,
    population_log_loss,
    population_loss,
)
from mlequations.probability import chain_rule, conditional, is_independent, marginal

JOINT = np.array([[0.45, 0.05], [0.10, 0.40]])


def log_loss_of(a: float) -> float:
    """Population log loss of the soft predictor that is exact for x = 0 and gives a for x = 1."""
    predictor = np.array([[0.9, 0.1], [1.0 - a, a]])
    return float(population_log_loss(JOINT, predictor))


def _draw_table(axes, joint: np.ndarray, p_x: np.ndarray, p_t: np.ndarray) -> None:
    axes.imshow(joint, cmap="Blues", vmin=0.0, vmax=0.6)
    for (i, j), value in np.ndenumerate(joint):
        axes.text(j, i, f"p(x={i}, t={j})\n{value:.2f}", ha="center", va="center")
    for i, value in enumerate(p_x):
        axes.text(1.65, i, f"p(x={i})\n= {value:.2f}", ha="left", va="center", color="C3")
    for j, value in enumerate(p_t):
        axes.text(j, 1.75, f"p(t={j}) = {value:.2f}", ha="center", va="center", color="C3")
    axes.set(title="Joint table and its marginals", xticks=[0, 1], yticks=[0, 1])
    axes.set(xlabel="t", ylabel="x", xlim=(-0.5, 2.3), ylim=(2.0, -0.5))


def run(out_dir: Path) -> DemoResult:
    p_x, p_t = marginal(JOINT, axis=1), marginal(JOINT, axis=0)
    posterior = conditional(JOINT, given_axis=0)  # row i is p(t | x = i)
    rebuilt = chain_rule(p_x, posterior)
    predictors = [np.array(p, dtype=float) for p in itertools.product((0, 1), repeat=2)]
    losses = [float(population_loss(JOINT, p)) for p in predictors]
    best = optimal_hard_predictor(JOINT)
    fit = minimize_scalar(
        log_loss_of, bounds=(0.01, 0.99), method="bounded", options={"xatol": 1e-9}
    )

    figure = Figure(figsize=(14, 4.3), layout="constrained")
    table_axes, conditional_axes, loss_axes = figure.subplots(1, 3)
    _draw_table(table_axes, JOINT, p_x, p_t)
    width = 0.27
    for offset, (label, bars) in enumerate(
        [("p(t | x = 0)", posterior[0]), ("p(t | x = 1)", posterior[1]), ("p(t)", p_t)]
    ):
        conditional_axes.bar(np.arange(2) + (offset - 1) * width, bars, width, label=label)
    conditional_axes.set(title="Conditionals differ from the marginal: dependent", xlabel="t")
    conditional_axes.set(xticks=[0, 1], ylabel="probability")
    conditional_axes.legend()
    names = [f"t̂(0)={int(p[0])}, t̂(1)={int(p[1])}" for p in predictors]
    colors = ["C2" if np.array_equal(p, best) else "C0" for p in predictors]
    loss_axes.barh(names, losses, color=colors)
    for position, value in enumerate(losses):
        loss_axes.annotate(
            f"{value:.2f}",
            (value, position),
            va="center",
            xytext=(3, 0),
            textcoords="offset points",
        )
    loss_axes.set(title="0-1 population loss (MAP rule in green)")
    loss_axes.set(xlabel="P(t̂(x) ≠ t)", xlim=(0, 1))
    path = out_dir / "joint-distribution.png"
    figure.savefig(path, dpi=120)

    values = {
        "p_x1": float(p_x[1]),
        "p_t1": float(p_t[1]),
        "p_t1_given_x0": float(posterior[0, 1]),
        "p_t1_given_x1": float(posterior[1, 1]),
        "p_x1_given_t0": float(conditional(JOINT, given_axis=1)[1, 0]),
        "max_rebuild_error": float(np.max(np.abs(rebuilt - JOINT))),
        "dependence": float(np.max(np.abs(JOINT - np.outer(p_x, p_t)))),
        "independent": float(is_independent(JOINT)),
        "min_zero_one_loss": min(losses),
        "max_zero_one_loss": max(losses),
        "map_loss": float(population_loss(JOINT, best)),
        "best_soft_a": float(fit.x),
        "min_log_loss": float(fit.fun),
        "posterior_log_loss": float(population_log_loss(JOINT, optimal_soft_predictor(JOINT))),
    }
    summary = (
        f"p(t=1) = {values['p_t1']:.2f} but p(t=1 | x=1) = {values['p_t1_given_x1']:.2f}: "
        f"dependent (largest gap to the product of marginals {values['dependence']:.3f}); "
        f"MAP predictor loss {values['map_loss']:.2f} (worst {values['max_zero_one_loss']:.2f}); "
        f"log loss smallest at q = {values['best_soft_a']:.4f} "
        f"with {values['min_log_loss']:.4f} nats"
    )
    return DemoResult((path,), summary, values)
