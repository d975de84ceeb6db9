r"""Ridge and lasso on the diabetes data: the coefficients against the penalty, and its choice.

Both add a penalty on the size of :math:`\theta` to least squares (features
standardised, intercept unpenalised):

.. math::

    \text{ridge: } \lVert t - X\theta \rVert^2 + \lambda \lVert \theta \rVert_2^2, \qquad
    \text{lasso: } \frac{1}{2N} \lVert t - X\theta \rVert^2 + \alpha \lVert \theta \rVert_1 .

Ridge shrinks every coefficient smoothly towards zero,
:math:`\theta(\lambda) = V \operatorname{diag}\bigl(s_i / (s_i^2 + \lambda)\bigr) U^T t`
from the SVD :math:`X = U S V^T`, but none becomes exactly zero. The lasso's
corner at zero sets coefficients exactly to zero one after another as
:math:`\alpha` grows, and from

.. math::

    \alpha_{\max} = \frac{1}{N} \max_j \lvert x_j^T (t - \bar t) \rvert

on, all of them (the soft threshold :math:`N\alpha` then exceeds every
correlation): the first feature to enter the model as :math:`\alpha` falls is
the one most correlated with the target (body-mass index here). Which penalty
to use is a question for validation (see the polynomial-fit demo): the training
loss always prefers no penalty at all.

Examples
--------
>>> X, t = standardized_diabetes()
>>> X.shape, bool(np.allclose(X.std(axis=0), 1.0))
((442, 10), True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.datasets import load_diabetes
from mlequations.demos import DemoResult
from mlequations.models.regularized import LassoRegression, RidgeRegression

__all__ = [
    "LASSO_ALPHAS",
    "RIDGE_LAMBDAS",
    "lasso_alpha_max",
    "lasso_path",
    "ridge_path",
    "run",
    "standardized_diabetes",
]

RIDGE_LAMBDAS = np.geomspace(1e-1, 1e5, 40)
LASSO_ALPHAS = np.geomspace(0.03, 50.0, 40)
COUNTED_ALPHAS = (1.0, 10.0, 40.0)
FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def standardized_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's diabetes data with every feature scaled to mean 0 and variance 1."""
    X, t = load_diabetes()
    return (X - X.mean(axis=0)) / X.std(axis=0), t


def lasso_alpha_max(X: np.ndarray, t: np.ndarray) -> float:
    r""":math:`\max_j |x_j^T (t - \bar t)| / N`, the smallest α whose lasso is all zeros."""
    centred = X - X.mean(axis=0)
    return float(np.max(np.abs(centred.T @ (t - t.mean()))) / len(t))


def ridge_path(X: np.ndarray, t: np.ndarray, lambdas: np.ndarray = RIDGE_LAMBDAS) -> np.ndarray:
    """Ridge coefficients, one row per λ."""
    return np.array([RidgeRegression(alpha=lam).fit(X, t).coef_ for lam in lambdas])


def lasso_path(X: np.ndarray, t: np.ndarray, alphas: np.ndarray = LASSO_ALPHAS) -> np.ndarray:
    """Lasso coefficients, one row per α."""
    return np.array([LassoRegression(alpha=a, tol=1e-6).fit(X, t).coef_ for a in alphas])


def _plot(ridge: np.ndarray, lasso: np.ndarray, alpha_max: float, path: Path) -> None:
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    ridge_axes, lasso_axes = figure.subplots(1, 2)
    for j, name in enumerate(FEATURES):
        ridge_axes.semilogx(RIDGE_LAMBDAS, ridge[:, j], label=name)
        lasso_axes.semilogx(LASSO_ALPHAS, lasso[:, j], label=name)
    ridge_axes.set(
        title="Ridge: every coefficient shrinks, none reaches 0",
        xlabel="λ (log scale)",
        ylabel="coefficient (target units per standard deviation)",
    )
    lasso_axes.axvline(alpha_max, color="0.5", linestyle=":", label=f"α_max = {alpha_max:.1f}")
    lasso_axes.set(title="Lasso: coefficients become exactly 0", xlabel="α (log scale)")
    for axes in (ridge_axes, lasso_axes):
        axes.axhline(0.0, color="0.8", linewidth=0.8)
    lasso_axes.legend(fontsize=7, ncol=2)
    figure.savefig(path, dpi=110)


def run(out_dir: Path) -> DemoResult:
    """Trace both paths, find α_max and choose both penalties by cross-validation."""
    X, t = standardized_diabetes()
    ridge, lasso = ridge_path(X, t), lasso_path(X, t)
    alpha_max = lasso_alpha_max(X, t)
    values = {
        "lasso_alpha_max": alpha_max,
        "lasso_first_feature": float(np.argmax(np.abs((X - X.mean(0)).T @ (t - t.mean())))),
        "ridge_smallest_lambda_norm": float(np.linalg.norm(ridge[0])),
        "ridge_largest_lambda_norm": float(np.linalg.norm(ridge[-1])),
        "ridge_exact_zeros": float(np.sum(ridge == 0.0)),
    }
    for alpha in COUNTED_ALPHAS:
        coef = LassoRegression(alpha=alpha, tol=1e-6).fit(X, t).coef_
        values[f"lasso_nonzero_alpha_{alpha:g}"] = float(np.count_nonzero(coef))
    path = out_dir / "regularization-path.png"
    _plot(ridge, lasso, alpha_max, path)
    summary = (
        f"lasso: all coefficients 0 from α_max = {alpha_max:.3f}, first feature "
        f"{FEATURES[int(values['lasso_first_feature'])]}; nonzero at α = "
        + ", ".join(f"{a:g}: {values[f'lasso_nonzero_alpha_{a:g}']:.0f}" for a in COUNTED_ALPHAS)
        + f"; ridge ‖θ‖ from {values['ridge_smallest_lambda_norm']:.1f} to "
        f"{values['ridge_largest_lambda_norm']:.2f}, exact zeros {values['ridge_exact_zeros']:.0f}"
    )
    return DemoResult((path,), summary, values)
