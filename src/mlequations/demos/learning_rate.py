"""Gradient descent on a quadratic bowl with a too-small, a good and a too-large step size.

The loss L(θ) = ½ θᵀ H θ with H = diag(1, 10) has curvature 1 along θ1 and 10
along θ2. Gradient descent with step γ multiplies each coordinate by (1 − γ h)
per step, so it converges iff γ < 2 / max(h) = 0.2: γ = 0.02 crawls, γ = 0.15
converges quickly, γ = 0.21 oscillates with growing amplitude.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.optimize import gradient_descent

CURVATURES = np.array([1.0, 10.0])
STEP_SIZES = {"too small (γ = 0.02)": 0.02, "good (γ = 0.15)": 0.15, "too large (γ = 0.21)": 0.21}
START = np.array([-4.0, 1.5])
N_STEPS = 40


def loss(theta: np.ndarray) -> float:
    return 0.5 * float(np.sum(CURVATURES * theta**2))


def gradient(theta: np.ndarray) -> np.ndarray:
    return CURVATURES * theta


def run(out_dir: Path) -> DemoResult:
    runs = {
        label: gradient_descent(gradient, START, step, N_STEPS, tol=0.0, loss=loss)
        for label, step in STEP_SIZES.items()
    }
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    contour_axes, loss_axes = figure.subplots(1, 2)
    grid1, grid2 = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-3, 3, 200))
    bowl = 0.5 * (CURVATURES[0] * grid1**2 + CURVATURES[1] * grid2**2)
    contour_axes.contour(grid1, grid2, bowl, levels=np.geomspace(0.05, 60, 12), colors="0.75")
    for label, result in runs.items():
        inside = np.all(np.abs(result.trajectory) <= [5, 3], axis=1)
        shown = result.trajectory[: int(np.argmin(inside)) or None]  # up to leaving the frame
        contour_axes.plot(shown[:, 0], shown[:, 1], "o-", markersize=3, label=label)
        loss_axes.semilogy(result.losses, label=label)
    contour_axes.set(title="Trajectories on L(θ) = ½(θ₁² + 10θ₂²)", xlabel="θ₁", ylabel="θ₂")
    contour_axes.legend(loc="lower right", fontsize=8)
    loss_axes.set(title="Loss against step", xlabel="step", ylabel="L(θ) (log scale)")
    loss_axes.legend(fontsize=8)
    path = out_dir / "learning-rate.png"
    figure.savefig(path, dpi=120)
    final = {label: float(result.losses[-1]) for label, result in runs.items()}
    summary = ", ".join(f"{label}: final loss {value:.3g}" for label, value in final.items())
    return DemoResult((path,), summary, final)
