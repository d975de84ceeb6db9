"""Bayesian optimization: this library against scikit-optimize's ``gp_minimize``, in one process.

Run: ``.venv/bin/python benchmarks/bench_bayesopt.py [--seeds 10] [--plot regret.png]
[--output-transform none]`` (needs the ``bench`` extra; ``none`` switches off the
surrogate's output warping to show what it buys).

Each optimizer minimises Branin (30 calls), Hartmann-6 (60 calls) and the
six-hump camel (30 calls) from 10 seeds, both with 5 initial points. The table
gives, after selected calls, the median and quartiles over seeds of the
regret of the best value so far (best - true minimum), and the median wall
time per iteration. The targets: median regret no worse than scikit-optimize's
on each function, and at most half its time per iteration.

Ten seeds give a rough median: regrets after 30 calls spread over three decades,
so the median of 10 moves by about a factor of 2 from one set of seeds to another
(scikit-optimize's on Branin: 9.7e-4 over seeds 0-9, 2.5e-3 over seeds 0-49).
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlequations.bayesopt import minimize

HARTMANN_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x: list[float]) -> float:
    a, b, c = 1.0, 5.1 / (4 * np.pi**2), 5 / np.pi
    r, s, t = 6.0, 10.0, 1 / (8 * np.pi)
    return float(a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * np.cos(x[0]) + s)


def hartmann6(x: list[float]) -> float:
    inner = np.sum(HARTMANN_A * (np.asarray(x) - HARTMANN_P) ** 2, axis=1)
    return float(-np.sum(HARTMANN_ALPHA * np.exp(-inner)))


def six_hump_camel(x: list[float]) -> float:
    x1, x2 = x
    return float((4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2)


@dataclass(frozen=True)
class Problem:
    name: str
    function: Callable[[list[float]], float]
    bounds: list[tuple[float, float]]
    minimum: float
    n_calls: int


PROBLEMS = [
    Problem("Branin", branin, [(-5.0, 10.0), (0.0, 15.0)], 0.397887, 30),
    Problem("Hartmann-6", hartmann6, [(0.0, 1.0)] * 6, -3.32237, 60),
    Problem("six-hump camel", six_hump_camel, [(-3.0, 3.0), (-2.0, 2.0)], -1.0316, 30),
]


def run_ours(problem: Problem, seed: int, output_transform: str = "log_tail") -> np.ndarray:
    result = minimize(
        problem.function,
        problem.bounds,
        n_calls=problem.n_calls,
        n_initial_points=5,
        random_state=seed,
        output_transform=output_transform,
    )
    return np.asarray(result.func_vals)


def run_skopt(problem: Problem, seed: int) -> np.ndarray:
    import skopt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skopt warns about repeated points; we only time it
        result = skopt.gp_minimize(
            problem.function,
            problem.bounds,
            n_calls=problem.n_calls,
            n_initial_points=5,
            random_state=seed,
        )
    return np.asarray(result.func_vals)


def regret_curves(run: Callable, problem: Problem, seeds: int) -> tuple[np.ndarray, float]:
    """Best-so-far regret after each call (seeds x calls) and the median time per iteration."""
    curves, times = [], []
    for seed in range(seeds):
        start = time.perf_counter()
        values = run(problem, seed)
        times.append((time.perf_counter() - start) / problem.n_calls)
        curves.append(np.minimum.accumulate(values) - problem.minimum)
    return np.array(curves), float(np.median(times))


def describe(curves: np.ndarray, call: int) -> str:
    q1, median, q3 = np.percentile(curves[:, call - 1], [25, 50, 75])
    return f"{median:9.2e} [{q1:8.1e}, {q3:8.1e}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--plot", help="write the regret curves to this PNG")
    parser.add_argument("--output-transform", default="log_tail", choices=("log_tail", "none"))
    args = parser.parse_args()
    ours = functools.partial(run_ours, output_transform=args.output_transform)
    results = {}
    print(
        f"median [quartiles] of best-so-far regret over {args.seeds} seeds; seconds per iteration"
    )
    print(f"{'problem':15} {'library':14} {'after n/2':>29} {'after n':>29} {'s/iter':>8}")
    for problem in PROBLEMS:
        for label, run in (("scikit-optimize", run_skopt), ("mlequations", ours)):
            curves, per_iteration = regret_curves(run, problem, args.seeds)
            results[problem.name, label] = curves
            half = problem.n_calls // 2
            print(
                f"{problem.name:15} {label:14} {describe(curves, half):>29} "
                f"{describe(curves, problem.n_calls):>29} {per_iteration:8.3f}"
            )
    if args.plot:
        plot(results, args.plot)


def plot(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, len(PROBLEMS), figsize=(5 * len(PROBLEMS), 4), layout="constrained"
    )
    for axis, problem in zip(axes, PROBLEMS, strict=True):
        for label, colour in (("scikit-optimize", "tab:gray"), ("mlequations", "tab:blue")):
            curves = np.maximum(results[problem.name, label], 1e-12)
            calls = np.arange(1, curves.shape[1] + 1)
            q1, median, q3 = np.percentile(curves, [25, 50, 75], axis=0)
            axis.plot(calls, median, color=colour, label=label)
            axis.fill_between(calls, q1, q3, color=colour, alpha=0.2)
        axis.set(yscale="log", xlabel="calls", ylabel="best-so-far regret", title=problem.name)
        axis.legend()
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
