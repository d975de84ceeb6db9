"""Unit balls of the L1, L2 and L-infinity norms, and the inequalities that tie the norms together.

Left: the points of length at most 1 form a diamond (L1, area 2), a disc (L2,
area π) and a square (L∞, area 4); the areas are measured by counting grid
cells. Right: for random vectors in 10 dimensions, ‖x‖∞ ≤ ‖x‖₂ ≤ ‖x‖₁ ≤ √n ‖x‖₂,
and the inner product obeys Cauchy–Schwarz, |⟨x, y⟩| ≤ ‖x‖₂ ‖y‖₂: the inner
product of the normalised vectors is the cosine of their angle, in [−1, 1].
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.linalg import inner_product, norm, normalize

ORDERS = {"L1": 1, "L2": 2, "L∞": math.inf}
N_DIMENSIONS = 10
N_VECTORS = 20_000
HALF_WIDTH = 1.2
CELLS = 1201


def _lengths(cells: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid's axis and the norm of every grid point, one layer per norm."""
    axis = np.linspace(-HALF_WIDTH, HALF_WIDTH, cells)
    points = np.stack(np.meshgrid(axis, axis), axis=-1)
    return axis, np.stack([norm(points, ord=order) for order in ORDERS.values()])


def unit_ball_areas() -> dict[str, float]:
    """The area of {x : ‖x‖ ≤ 1} for each norm, by counting the cells of a fine grid."""
    axis, lengths = _lengths(CELLS)
    cell = (axis[1] - axis[0]) ** 2
    inside = np.count_nonzero(lengths <= 1.0, axis=(1, 2))
    return {name: float(count * cell) for name, count in zip(ORDERS, inside, strict=True)}


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    areas = unit_ball_areas()
    axis, lengths = _lengths(241)
    rng = np.random.default_rng(random_state)
    x, y = rng.standard_normal((2, N_VECTORS, N_DIMENSIONS))
    l1, l2, largest = (norm(x, ord=order) for order in ORDERS.values())
    cosine = inner_product(normalize(x), normalize(y))
    cauchy_schwarz_gap = norm(x) * norm(y) - np.abs(inner_product(x, y))

    figure = Figure(figsize=(11.5, 4.6), layout="constrained")
    ball_axes, ratio_axes = figure.subplots(1, 2)
    for (name, area), length, color in zip(areas.items(), lengths, ("C0", "C1", "C2"), strict=True):
        ball_axes.contour(axis, axis, length, levels=[1.0], colors=color)
        ball_axes.plot([], [], color=color, label=f"‖x‖{name[1:]} = 1 (area {area:.3f})")
    ball_axes.set(title="Unit balls in the plane", xlabel="x₁", ylabel="x₂", aspect="equal")
    ball_axes.legend(loc="lower left", fontsize=8)
    ratio_axes.hist(l1 / l2, bins=60, alpha=0.7, label="‖x‖₁ / ‖x‖₂")
    ratio_axes.hist(l2 / largest, bins=60, alpha=0.7, label="‖x‖₂ / ‖x‖∞")
    ratio_axes.axvline(1.0, color="0.3", linestyle=":")
    ratio_axes.axvline(math.sqrt(N_DIMENSIONS), color="0.3", linestyle=":", label="1 and √n")
    ratio_axes.set(title=f"{N_VECTORS:,} Gaussian vectors, n = {N_DIMENSIONS}", xlabel="ratio")
    ratio_axes.legend()
    path = out_dir / "norms.png"
    figure.savefig(path, dpi=120)

    values = {f"area_{name[1:] if name != 'L∞' else 'inf'}": area for name, area in areas.items()}
    values.update(
        {
            "min_l1_over_l2": float(np.min(l1 / l2)),
            "max_l1_over_l2": float(np.max(l1 / l2)),
            "min_l2_over_inf": float(np.min(l2 / largest)),
            "max_l2_over_inf": float(np.max(l2 / largest)),
            "max_abs_cosine": float(np.max(np.abs(cosine))),
            "min_cauchy_schwarz_gap": float(np.min(cauchy_schwarz_gap)),
            "max_normalized_length_error": float(np.max(np.abs(norm(normalize(x)) - 1.0))),
        }
    )
    summary = (
        f"unit-ball areas L1 {values['area_1']:.3f} (2), L2 {values['area_2']:.3f} (π), "
        f"L∞ {values['area_inf']:.3f} (4); ‖x‖₁/‖x‖₂ in [{values['min_l1_over_l2']:.3f}, "
        f"{values['max_l1_over_l2']:.3f}] ⊂ [1, √{N_DIMENSIONS}]; largest |cos| "
        f"{values['max_abs_cosine']:.3f}"
    )
    return DemoResult((path,), summary, values)
