"""A convex bowl against a saddle: the Hessian's eigenvalues decide.

Left: the guide's least squares loss g(a, b) = Σ (a + b xₙ − tₙ)² / 6 on the
points (1, 1), (2, 2), (3, 3). Its Hessian [[1, 2], [2, 14/3]] is constant with
eigenvalues 0.12 and 5.55, both positive: the function is convex, its level sets
are ellipses and the only stationary point is the global minimum. Right: the
guide's θ1² + 2θ2² − θ3² restricted to (θ1, θ3): the Hessian diag(2, −2) has a
negative eigenvalue, so the stationary point at 0 is a saddle, not a minimum.
The definition of convexity is checked directly too: g at the midpoint of two
points never exceeds the average of the two values for the bowl, and does for
the saddle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.calculus import hessian_is_positive_semidefinite, is_convex, numerical_hessian
from mlequations.demos import DemoResult
from mlequations.symbolic import symbolic_hessian

FUNCTIONS = {
    "bowl": ("((a + b - 1)**2 + (a + 2*b - 2)**2 + (a + 3*b - 3)**2) / 6", ["a", "b"]),
    "saddle": ("theta1**2 - theta3**2", ["theta1", "theta3"]),
}
#: The stationary point of each function, and the half-width of the plotted square around it.
CENTRES = {"bowl": (np.array([0.0, 1.0]), 7.0), "saddle": (np.array([0.0, 0.0]), 3.0)}
N_PAIRS = 5000


def _numeric(name: str):
    if name == "bowl":
        return lambda v: (
            ((v[0] + v[1] - 1) ** 2 + (v[0] + 2 * v[1] - 2) ** 2 + (v[0] + 3 * v[1] - 3) ** 2) / 6
        )
    return lambda v: v[0] ** 2 - v[1] ** 2


def midpoint_gap(name: str, rng: np.random.Generator) -> float:
    """max over random pairs of g((u + v) / 2) − (g(u) + g(v)) / 2; ≤ 0 for a convex g."""
    function = _numeric(name)
    u, v = rng.uniform(-3.0, 3.0, (2, N_PAIRS, 2))
    gaps = function(((u + v) / 2).T) - (function(u.T) + function(v.T)) / 2
    return float(np.max(gaps))


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    rng = np.random.default_rng(random_state)
    figure = Figure(figsize=(11.5, 4.8), layout="constrained")
    values: dict[str, float] = {}
    for axes, (name, (expression, variables)) in zip(
        figure.subplots(1, 2), FUNCTIONS.items(), strict=True
    ):
        hessian = symbolic_hessian(expression, variables, at=[0.0, 0.0]).value
        eigenvalues, eigenvectors = np.linalg.eigh(hessian)
        centre, half_width = CENTRES[name]
        first, second = np.meshgrid(
            *(np.linspace(c - half_width, c + half_width, 201) for c in centre)
        )
        surface = _numeric(name)(np.stack([first, second]))
        levels = np.geomspace(0.02, 30, 14) if name == "bowl" else 25
        axes.contour(first, second, surface, levels=levels, cmap="viridis")
        for value, vector in zip(eigenvalues, eigenvectors.T, strict=True):
            color, tip = ("C3" if value < 0 else "C2"), centre + 0.5 * half_width * vector
            arrow = {"arrowstyle": "<->", "color": color}
            axes.annotate("", tip, centre - 0.5 * half_width * vector, arrowprops=arrow)
            axes.annotate(f"λ = {value:.3g}", tip, color=color)
        verdict = "convex" if is_convex(expression, variables) else "not convex"
        axes.set(title=f"{name}: Hessian eigenvalues {eigenvalues.round(3).tolist()}, {verdict}")
        axes.set(xlabel=variables[0], ylabel=variables[1], aspect="equal")
        numerical = numerical_hessian(_numeric(name), np.array([0.5, -0.5]))
        values[f"{name}_min_eigenvalue"] = float(eigenvalues[0])
        values[f"{name}_max_eigenvalue"] = float(eigenvalues[1])
        values[f"{name}_is_convex"] = float(is_convex(expression, variables))
        values[f"{name}_numerical_psd"] = float(hessian_is_positive_semidefinite(numerical))
        values[f"{name}_numerical_hessian_error"] = float(np.max(np.abs(numerical - hessian)))
        values[f"{name}_midpoint_gap"] = midpoint_gap(name, rng)
    path = out_dir / "convexity.png"
    figure.savefig(path, dpi=120)
    summary = (
        f"bowl: eigenvalues {values['bowl_min_eigenvalue']:.4f}, "
        f"{values['bowl_max_eigenvalue']:.4f}, convex, largest midpoint gap "
        f"{values['bowl_midpoint_gap']:.2e}; saddle: eigenvalues "
        f"{values['saddle_min_eigenvalue']:g}, {values['saddle_max_eigenvalue']:g}, not convex, "
        f"midpoint gap up to {values['saddle_midpoint_gap']:.3f}"
    )
    return DemoResult((path,), summary, values)
