"""The SVD compresses an image, and PCA finds the axes of a data cloud.

A grey-level photograph (scikit-learn's bundled sample image, 143 × 214 pixels
after keeping every third pixel) is a matrix. Keeping its k largest singular
values gives the best rank-k approximation (Eckart–Young): its Frobenius error
is exactly the root of the sum of the dropped σᵢ², and a few dozen of the 143
singular values already keep most of the picture. PCA is the SVD of centred
data: for a correlated Gaussian cloud its principal directions and variances are
the eigenvectors and eigenvalues of the sample covariance matrix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.datasets import load_sample_image
from threadpoolctl import threadpool_limits

from mlequations.decompositions import low_rank_approximation, pca, svd
from mlequations.demos import DemoResult

RANKS = (5, 20, 60)
CURVE_RANKS = (1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 90, 120)
COVARIANCE = np.array([[3.0, 1.5], [1.5, 1.0]])
N_POINTS = 500


def grey_image() -> np.ndarray:
    """The 'china.jpg' sample image in grey levels 0-1, every third pixel."""
    colour = load_sample_image("china.jpg")[::3, ::3].astype(float) / 255.0
    return colour @ np.array([0.299, 0.587, 0.114])


def _draw_image(figure, image: np.ndarray, approximations: dict[int, np.ndarray]) -> None:
    image_axes = figure.subplots(1, len(approximations) + 1)
    panels = {f"original (rank {min(image.shape)})": image}
    panels.update({f"rank {k}": approximation for k, approximation in approximations.items()})
    for axes, (title, picture) in zip(image_axes, panels.items(), strict=True):
        axes.imshow(np.clip(picture, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0)
        axes.set(title=title, xticks=[], yticks=[])


def _draw_pca(axes, points: np.ndarray, result) -> None:
    axes.scatter(points[:, 0], points[:, 1], s=4, alpha=0.4)
    for direction, variance in zip(result.components, result.explained_variance, strict=True):
        tip = result.mean + 2.0 * np.sqrt(variance) * direction
        axes.annotate("", tip, result.mean, arrowprops={"arrowstyle": "->", "color": "C3"})
    ratio = result.explained_variance_ratio[0]
    axes.set(title=f"PCA: first component explains {ratio:.1%}", aspect="equal")
    axes.set(xlabel="x₁", ylabel="x₂")


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    image = grey_image()
    # Matrices this small gain nothing from BLAS threads, which only contend on a busy machine.
    with threadpool_limits(limits=1):
        U, singular_values, Vt = svd(image)
        approximations = {k: low_rank_approximation(image, k) for k in RANKS}
    truncated = {k: (U[:, :k] * singular_values[:k]) @ Vt[:k] for k in CURVE_RANKS}
    measured = [np.linalg.norm(image - truncated[k]) for k in CURVE_RANKS]
    predicted = [np.sqrt(np.sum(singular_values[k:] ** 2)) for k in CURVE_RANKS]
    energy = np.cumsum(singular_values**2) / np.sum(singular_values**2)
    points = np.random.default_rng(random_state).multivariate_normal([0, 0], COVARIANCE, N_POINTS)
    result = pca(points, 2)

    figure = Figure(figsize=(14, 8), layout="constrained")
    top, bottom = figure.subfigures(2, 1)
    _draw_image(top, image, approximations)
    error_axes, pca_axes = bottom.subplots(1, 2)
    error_axes.semilogy(CURVE_RANKS, measured, "o", label="‖A − Aₖ‖_F measured")
    error_axes.semilogy(CURVE_RANKS, predicted, "-", label="√(σₖ₊₁² + … + σᵣ²) (Eckart–Young)")
    error_axes.set(title="Error of the best rank-k approximation", xlabel="rank k")
    error_axes.legend()
    _draw_pca(pca_axes, points, result)
    path = out_dir / "svd-low-rank.png"
    figure.savefig(path, dpi=100)

    covariance_eigenvalues = np.linalg.eigvalsh(np.cov(points, rowvar=False))[::-1]
    values = {
        "eckart_young_max_relative_error": float(
            np.max(np.abs(np.array(measured) / np.array(predicted) - 1.0))
        ),
        "max_difference_to_truncated_svd": float(
            max(np.max(np.abs(approximations[k] - truncated[k])) for k in RANKS)
        ),
        "energy_rank_20": float(energy[19]),
        "relative_error_rank_20": float(predicted[CURVE_RANKS.index(20)] / np.linalg.norm(image)),
        "pca_variance_1": float(result.explained_variance[0]),
        "pca_variance_2": float(result.explained_variance[1]),
        "covariance_eigenvalue_1": float(covariance_eigenvalues[0]),
        "covariance_eigenvalue_2": float(covariance_eigenvalues[1]),
        "pca_ratio_1": float(result.explained_variance_ratio[0]),
    }
    summary = (
        f"rank 20 of {min(image.shape)} keeps {values['energy_rank_20']:.2%} of the image's "
        f"energy (relative error {values['relative_error_rank_20']:.3f}); the errors match "
        f"Eckart–Young to {values['eckart_young_max_relative_error']:.1e}; PCA variances "
        f"{values['pca_variance_1']:.3f} and {values['pca_variance_2']:.3f} "
        "= the covariance eigenvalues"
    )
    return DemoResult((path,), summary, values)
