"""Y = X² with X uniform on [−1, 1]: correlation near 0, mutual information clearly positive.

Correlation measures only linear dependence, and E[X · X²] = E[X³] = 0 makes it
vanish although Y is a function of X. Mutual information, computed here from a
binned joint table, sees the dependence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.information import mutual_information
from mlequations.moments import correlation

N_SAMPLES = 20_000
N_BINS = 20


def binned_joint(x: np.ndarray, y: np.ndarray, bins: int = N_BINS) -> np.ndarray:
    """The empirical joint probability table of (x, y) on a bins × bins grid."""
    counts, _, _ = np.histogram2d(x, y, bins=bins)
    return counts / counts.sum()


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-1.0, 1.0, N_SAMPLES)
    y = x**2
    independent = rng.uniform(0.0, 1.0, N_SAMPLES)
    values = {
        "correlation": float(correlation(x, y)),
        "mutual_information": float(mutual_information(binned_joint(x, y))),
        "mutual_information_independent": float(mutual_information(binned_joint(x, independent))),
    }
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    scatter_axes, bar_axes = figure.subplots(1, 2)
    scatter_axes.scatter(x[:2000], y[:2000], s=3, alpha=0.5)
    scatter_axes.set(title="Y = X², X ~ U(−1, 1)", xlabel="X", ylabel="Y")
    labels = [
        "correlation\n(Y = X²)",
        "mutual information\n(Y = X², nats)",
        "MI of an\nindependent Y",
    ]
    bars = [
        values["correlation"],
        values["mutual_information"],
        values["mutual_information_independent"],
    ]
    drawn = bar_axes.bar(labels, bars, color=["tab:gray", "tab:blue", "tab:orange"])
    bar_axes.bar_label(drawn, fmt="%.3f")
    bar_axes.axhline(0, color="black", linewidth=0.8)
    bar_axes.set(title=f"Dependence measures ({N_SAMPLES} samples, {N_BINS}×{N_BINS} bins)")
    path = out_dir / "mi-vs-correlation.png"
    figure.savefig(path, dpi=120)
    summary = (
        f"correlation {values['correlation']:+.4f}, mutual information "
        f"{values['mutual_information']:.3f} nats (independent Y: "
        f"{values['mutual_information_independent']:.3f})"
    )
    return DemoResult((path,), summary, values)
