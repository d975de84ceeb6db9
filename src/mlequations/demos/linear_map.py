"""What a matrix does to the plane: the unit circle becomes an ellipse.

Left: the guide's affine map y = A x + b with A = [[2, 1], [1, 3]], b = [0, 1].
The circle ‖x‖ = 1 becomes an ellipse centred at b whose semi-axes are the
singular values of A; A is symmetric, so its eigenvectors are those axes. The
guide's point x = [1, 2] lands on y = [4, 8] (each y_i is the inner product of
row i of A with x, plus b_i). Right: the guide's non-symmetric matrix
[[4, 2], [1, 3]] with eigenvalues 5 and 2: its eigenvectors are only stretched
(A v = λ v) but are not perpendicular and are not the axes of the ellipse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.decompositions import eig, svd
from mlequations.demos import DemoResult
from mlequations.linalg import inner_product, linear_transform

SYMMETRIC = np.array([[2.0, 1.0], [1.0, 3.0]])
OFFSET = np.array([0.0, 1.0])
GUIDE_POINT = np.array([1.0, 2.0])
NON_SYMMETRIC = np.array([[4.0, 2.0], [1.0, 3.0]])
N_POINTS = 3600


def _circle() -> np.ndarray:
    angle = np.linspace(0.0, 2.0 * np.pi, N_POINTS, endpoint=False)
    return np.stack([np.cos(angle), np.sin(angle)], axis=-1)


def _draw(axes, matrix: np.ndarray, offset: np.ndarray, title: str) -> np.ndarray:
    circle = _circle()
    image = linear_transform(matrix, circle, offset)  # one row per point of the circle
    axes.plot(circle[:, 0], circle[:, 1], color="0.6", label="unit circle")
    axes.plot(image[:, 0], image[:, 1], color="C0", label="its image A x + b")
    eigenvalues, eigenvectors = eig(matrix)
    for k in range(2):
        tip = offset + eigenvalues[k] * eigenvectors[:, k]
        axes.annotate("", tip, offset, arrowprops={"arrowstyle": "->", "color": "C3"})
        axes.plot(*eigenvectors[:, k], "o", color="C3", markersize=4)
    axes.plot([], [], color="C3", label="eigenvector v → λ v")
    axes.set(title=title, xlabel="first coordinate", ylabel="second coordinate", aspect="equal")
    return image - offset


def run(out_dir: Path) -> DemoResult:
    figure = Figure(figsize=(11.5, 5.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    stretched = _draw(left, SYMMETRIC, OFFSET, "y = A x + b, A = [[2, 1], [1, 3]], b = [0, 1]")
    guide_output = linear_transform(SYMMETRIC, GUIDE_POINT, OFFSET)
    left.plot(*GUIDE_POINT, "s", color="C2")
    left.plot(*guide_output, "s", color="C2", label="x = [1, 2] → y = [4, 8]")
    left.legend(loc="upper left", fontsize=8)
    _draw(right, NON_SYMMETRIC, np.zeros(2), "A = [[4, 2], [1, 3]]: eigenvalues 5 and 2")
    right.legend(loc="upper left", fontsize=8)
    path = out_dir / "linear-map.png"
    figure.savefig(path, dpi=120)

    lengths = np.linalg.norm(stretched, axis=-1)
    singular_values = svd(SYMMETRIC).S
    eigenvalues, eigenvectors = eig(NON_SYMMETRIC)
    residual = NON_SYMMETRIC @ eigenvectors - eigenvectors * eigenvalues
    values = {
        "max_stretch": float(np.max(lengths)),
        "min_stretch": float(np.min(lengths)),
        "sigma_1": float(singular_values[0]),
        "sigma_2": float(singular_values[1]),
        "guide_y1": float(guide_output[0]),
        "guide_y2": float(guide_output[1]),
        "row_inner_products_y2": float(inner_product(SYMMETRIC[1], GUIDE_POINT) + OFFSET[1]),
        "eigenvalue_1": float(eigenvalues[0]),
        "eigenvalue_2": float(eigenvalues[1]),
        "eigen_residual": float(np.max(np.abs(residual))),
        "eigenvector_cosine": float(abs(eigenvectors[:, 0] @ eigenvectors[:, 1])),
    }
    summary = (
        f"the unit circle is stretched by {values['min_stretch']:.4f} to "
        f"{values['max_stretch']:.4f} (singular values {values['sigma_2']:.4f}, "
        f"{values['sigma_1']:.4f}); x = [1, 2] -> y = [{values['guide_y1']:g}, "
        f"{values['guide_y2']:g}]; [[4, 2], [1, 3]] has eigenvalues {values['eigenvalue_1']:.4f} "
        f"and {values['eigenvalue_2']:.4f}"
    )
    return DemoResult((path,), summary, values)
