"""Stochastic gradient descent with a constant, a decaying and a growing-minibatch schedule.

Least squares on 200 noisy points t = 0.5 + 1.2 x + noise. One-sample gradients
are noisy even at the optimum, so SGD with a constant learning rate keeps
jittering around the least-squares solution at a distance set by the rate. A
polynomial decay γ⁽ⁱ⁾ = γ⁽⁰⁾ / (1 + βi)^α with 0.5 < α ≤ 1 meets the Robbins–Monro
conditions (Σγ = ∞, Σγ² < ∞) and settles; so does a constant rate with a
minibatch that doubles every epoch, the guide's other remedy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.optimize import (
    constant,
    inverse_power,
    polynomial_decay,
    stochastic_gradient_descent,
)

N_SAMPLES = 200
N_EPOCHS = 25
RATE = 0.05
DECAY = {"beta": 0.02, "alpha": 0.75}


def make_data(random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(random_state)
    x = rng.uniform(0.0, 3.0, N_SAMPLES)
    t = 0.5 + 1.2 * x + rng.normal(0.0, 0.5, N_SAMPLES)
    return np.stack([np.ones(N_SAMPLES), x], axis=1), t


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    X, t = make_data(random_state)
    solution = np.linalg.lstsq(X, t)[0]

    def sample_grad(theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return X[rows].T @ (X[rows] @ theta - t[rows]) / len(rows)

    schedules = {
        "constant γ = 0.05": (constant(RATE), 1),
        "decaying 0.05 / (1 + 0.02 i)^0.75": (polynomial_decay(RATE, **DECAY), 1),
        "constant γ = 0.05, batch doubling": (constant(RATE), lambda epoch: min(2**epoch, 200)),
    }
    runs = {
        label: stochastic_gradient_descent(
            sample_grad, [0.0, 0.0], N_SAMPLES, batch, schedule, N_EPOCHS, random_state
        )
        for label, (schedule, batch) in schedules.items()
    }
    figure = Figure(figsize=(11.5, 4.3), layout="constrained")
    distance_axes, rate_axes = figure.subplots(1, 2)
    distances = {}
    for label, result in runs.items():
        distance = np.linalg.norm(result.trajectory - solution, axis=1)
        distances[label] = distance
        distance_axes.loglog(np.arange(1, distance.size + 1), distance, label=label, linewidth=1)
        rate_axes.loglog(np.arange(1, result.learning_rates.size + 1), result.learning_rates)
    distance_axes.set(title="Distance to the least-squares solution", xlabel="step i")
    distance_axes.set(ylabel="‖θ⁽ⁱ⁾ − θ*‖")
    distance_axes.legend(fontsize=8)
    rate_axes.set(title="Learning rate γ⁽ⁱ⁾", xlabel="step i", ylabel="γ")
    path = out_dir / "sgd-schedules.png"
    figure.savefig(path, dpi=120)

    constant_run, decaying_run, growing_run = runs.values()
    values = {
        "final_distance_constant": float(distances[next(iter(runs))][-1]),
        "final_distance_decaying": float(np.linalg.norm(decaying_run.theta - solution)),
        "final_distance_growing_batch": float(np.linalg.norm(growing_run.theta - solution)),
        "constant_tail_mean_distance": float(np.mean(distances[next(iter(runs))][-N_SAMPLES:])),
        "decaying_tail_mean_distance": float(
            np.mean(np.linalg.norm(decaying_run.trajectory[-N_SAMPLES:] - solution, axis=1))
        ),
        "n_steps_constant": float(constant_run.n_steps),
        "n_steps_growing_batch": float(growing_run.n_steps),
        "last_rate_decaying": float(decaying_run.learning_rates[-1]),
        "robbins_monro_constant": float(constant(RATE).satisfies_robbins_monro),
        "robbins_monro_decaying": float(polynomial_decay(RATE, **DECAY).satisfies_robbins_monro),
        "robbins_monro_inverse_power_0.75": float(inverse_power(0.75).satisfies_robbins_monro),
    }
    summary = (
        f"after {N_EPOCHS} epochs the distance to θ* is {values['final_distance_constant']:.4f} "
        f"(constant rate), {values['final_distance_decaying']:.4f} (Robbins–Monro decay) and "
        f"{values['final_distance_growing_batch']:.2e} (doubling minibatch, "
        f"{growing_run.n_steps} steps instead of {constant_run.n_steps})"
    )
    return DemoResult((path,), summary, values)
