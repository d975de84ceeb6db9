"""Ridge and lasso against scikit-learn's, side by side in one process.

Run: ``.venv/bin/python benchmarks/bench_models_linear.py [--samples 100000] [--features 50]
[--repeat 7]``

Each row times ``fit(X, t)`` followed by ``predict(X)`` for our estimator and for
scikit-learn's with the same settings on the same float64 data, alternating the two
``--repeat`` times, and prints the medians and the ratio ours / scikit-learn (below 1
we are faster) with the largest coefficient difference. The lasso runs twice: on
independent features (it converges in a few sweeps, so fixed costs dominate) and on
strongly correlated ones (an AR(1) chain across the features, correlation 0.95: tens
of sweeps, so the per-coordinate update dominates). Targets of issue 4: ridge <= 1.2x,
lasso <= 2x.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import Lasso, Ridge

from mlequations.models.regularized import LassoRegression, RidgeRegression


def fit_predict_time(estimator: Any, X: np.ndarray, t: np.ndarray) -> float:
    start = time.perf_counter()
    estimator.fit(X, t).predict(X)
    return time.perf_counter() - start


def compare(
    ours: Callable[[], Any], theirs: Callable[[], Any], X: np.ndarray, t: np.ndarray, repeat: int
) -> tuple[float, float, float, Any]:
    """Median seconds of ours and theirs (alternating), and the largest |coef_ difference|."""
    fit_predict_time(ours(), X, t)  # warm up imports and caches
    fit_predict_time(theirs(), X, t)
    our_times, their_times = [], []
    for _ in range(repeat):
        our_model, their_model = ours(), theirs()
        our_times.append(fit_predict_time(our_model, X, t))
        their_times.append(fit_predict_time(their_model, X, t))
    difference = float(np.max(np.abs(our_model.coef_ - their_model.coef_)))
    return float(np.median(our_times)), float(np.median(their_times)), difference, our_model


def correlated_regression(n: int, d: int, rho: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Features x_j = rho x_{j-1} + sqrt(1 - rho^2) z_j; every fifth one carries signal."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(n, d))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, d):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    weights = np.zeros(d)
    weights[::5] = rng.normal(size=len(weights[::5]))
    return X, X @ weights + rng.normal(size=n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n, d = args.samples, args.features
    X, t = make_regression(n, d, n_informative=10, noise=5.0, random_state=0)
    X_corr, t_corr = correlated_regression(n, d)
    rows = [
        ("ridge alpha=1", lambda: RidgeRegression(1.0), lambda: Ridge(1.0), X, t),
        ("lasso alpha=0.1", lambda: LassoRegression(0.1), lambda: Lasso(0.1), X, t),
        (
            "lasso alpha=0.01, correlated",
            lambda: LassoRegression(0.01, max_iter=10_000),
            lambda: Lasso(0.01, max_iter=10_000),
            X_corr,
            t_corr,
        ),
    ]
    print(f"fit + predict on {n} x {d} float64, median of {args.repeat} runs")
    header = f"{'case':30s} {'ours (s)':>9s} {'sklearn (s)':>11s} {'ratio':>6s} {'max|dcoef|':>11s}"
    print(header)
    print("-" * len(header))
    for name, ours, theirs, data, target in rows:
        mine, peer, difference, model = compare(ours, theirs, data, target, args.repeat)
        sweeps = f"  ({model.n_iter_} sweeps)" if hasattr(model, "n_iter_") else ""
        print(f"{name:30s} {mine:9.4f} {peer:11.4f} {mine / peer:6.2f} {difference:11.2e}{sweeps}")


if __name__ == "__main__":
    main()
