"""Decision tree and PCA against scikit-learn's, side by side in one process.

Run: ``.venv/bin/python benchmarks/bench_models_tree_pca.py [--threads 2] [--repeat 5]``

Each row times ours and scikit-learn's with the same settings on the same float64
data, alternating the two ``--repeat`` times after one warm-up each, and prints the
medians and the ratio ours / scikit-learn (below 1 we are faster) with a check that
both computed the same thing:

* ``DecisionTreeClassifier(criterion="entropy", max_depth=10)``: ``fit(X, y)`` then
  ``predict(X)`` on 100 000 x 20 ``make_classification`` data; the check is the
  training accuracy of both. Target of issue 4: <= 2x.
* ``PCA(n_components=10)``: ``fit(X)`` then ``transform(X)`` on 10 000 x 100 correlated
  Gaussian data; the check is the largest difference of the projections up to sign.
  Target of issue 4: <= 1.2x. scikit-learn's default solver picks "covariance_eigh"
  here (many more samples than features); the row with ``svd_solver="full"`` does
  the same thin SVD as ours.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import decomposition, tree
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

from mlequations.models.decision_tree import DecisionTreeClassifier
from mlequations.models.pca import PCA


def median_seconds(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int
) -> tuple[float, float, Any, Any]:
    """Median seconds of ``ours()`` and ``theirs()`` (alternating) and their last results."""
    ours(), theirs()  # warm up imports and caches
    our_times, their_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        our_result = ours()
        our_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        their_result = theirs()
        their_times.append(time.perf_counter() - start)
    return float(np.median(our_times)), float(np.median(their_times)), our_result, their_result


def row(name: str, ours: float, theirs: float, check: str) -> None:
    print(f"{name:<40} {ours:>9.3f} s {theirs:>9.3f} s {ours / theirs:>7.2f}x   {check}")


def bench_tree(repeat: int) -> None:
    X, y = make_classification(100_000, 20, n_informative=10, random_state=0)
    settings = {"criterion": "entropy", "max_depth": 10, "random_state": 0}
    ours, theirs, our_labels, their_labels = median_seconds(
        lambda: DecisionTreeClassifier(**settings).fit(X, y).predict(X),
        lambda: tree.DecisionTreeClassifier(**settings).fit(X, y).predict(X),
        repeat,
    )
    check = f"accuracy {np.mean(our_labels == y):.4f} vs {np.mean(their_labels == y):.4f}"
    row("DecisionTree entropy 100k x 20, depth 10", ours, theirs, check)


def bench_pca(repeat: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 100)) @ rng.normal(size=(100, 100))
    for label, solver in (("auto", "auto"), ("full", "full")):
        ours, theirs, projected, reference = median_seconds(
            lambda: PCA(10).fit(X).transform(X),
            lambda solver=solver: decomposition.PCA(10, svd_solver=solver).fit(X).transform(X),
            repeat,
        )
        signs = np.sign(np.sum(projected * reference, axis=0))
        check = f"max |Z - Z_sklearn| {np.max(np.abs(projected * signs - reference)):.1e}"
        row(f"PCA 10k x 100 -> 10 (sklearn {label})", ours, theirs, check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with threadpool_limits(args.threads):
        print(
            f"float64, {args.threads} BLAS threads, median of {args.repeat} runs (after 1 warm-up)"
        )
        print(f"{'':<40} {'ours':>11} {'sklearn':>11} {'ratio':>8}   agreement")
        bench_tree(args.repeat)
        bench_pca(args.repeat)


if __name__ == "__main__":
    main()
