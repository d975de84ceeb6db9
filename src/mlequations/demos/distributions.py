"""The guides' distributions, their expectations, and why densities are computed in log space.

Left: the Bernoulli, categorical and Gaussian distributions of the guides, with a
one-hot encoding of three labels. Middle: the expectation E[x²] of x ~ Cat([0.1,
0.2, 0.7]) on {0, 1, 2} is 3, and the running average of x² over independent
draws settles on it (law of large numbers); so does the average for x ~ N(1, 4),
whose E[x²] = μ² + σ² = 5. Right: far in the tail the Gaussian density underflows
to exactly 0 (its logarithm becomes −inf beyond |x| ≈ 38.6), while the log-density
is a parabola that stays exact.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.distributions import (
    bernoulli_pmf,
    categorical_pmf,
    gaussian_log_pdf,
    gaussian_pdf,
    one_hot,
)
from mlequations.moments import expectation, expectation_continuous

CATEGORIES = np.array([0.0, 1.0, 2.0])
Q = np.array([0.1, 0.2, 0.7])
MEAN, VARIANCE = 1.0, 4.0
N_DRAWS = 100_000
TAIL = 40.0


def _square(x):
    return x**2


def _draw_distributions(figure_axes) -> np.ndarray:
    pmf_axes, density_axes = figure_axes
    pmf_axes.bar([-0.2, 0.8], bernoulli_pmf([0.0, 1.0], 0.45), 0.35, label="Bern(0.45)")
    pmf_axes.bar(CATEGORIES + 0.2, categorical_pmf([0, 1, 2], Q), 0.35, label="Cat(0.1, 0.2, 0.7)")
    pmf_axes.set(title="Probability mass functions", xlabel="x", ylabel="P(x)", xticks=[0, 1, 2])
    pmf_axes.set(ylim=(0.0, 1.0))
    pmf_axes.legend(loc="upper right")
    labels = np.array([2, 0, 1])
    encoded = one_hot(labels, 3)
    inset = pmf_axes.inset_axes([0.05, 0.64, 0.22, 0.22])
    inset.imshow(encoded, cmap="Greys", vmin=0, vmax=1)
    inset.set(xticks=[], yticks=[])
    inset.set_title("one-hot of 2, 0, 1", fontsize=8)
    grid = np.linspace(-6.0, 8.0, 500)
    for mean, variance in ((0.0, 1.0), (MEAN, VARIANCE)):
        label = f"N({mean:g}, {variance:g})"
        density_axes.plot(grid, gaussian_pdf(grid, mean, variance), label=label)
    density_axes.set(title="Gaussian densities", xlabel="x", ylabel="density")
    density_axes.legend()
    return encoded


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    rng = np.random.default_rng(random_state)
    discrete = rng.choice(CATEGORIES, size=N_DRAWS, p=Q)
    continuous = rng.normal(MEAN, math.sqrt(VARIANCE), size=N_DRAWS)
    counts = np.arange(1, N_DRAWS + 1)
    running_discrete = np.cumsum(discrete**2) / counts
    running_continuous = np.cumsum(continuous**2) / counts
    exact_discrete = float(expectation(CATEGORIES, Q, f=_square))
    exact_continuous = float(
        expectation_continuous(lambda x: gaussian_pdf(x, MEAN, VARIANCE), _square)
    )

    figure = Figure(figsize=(15, 4.3), layout="constrained")
    pmf_axes, density_axes, average_axes, tail_axes = figure.subplots(1, 4)
    encoded = _draw_distributions((pmf_axes, density_axes))
    shown = np.unique(np.geomspace(1, N_DRAWS, 400).astype(int)) - 1  # a log-spaced subset
    for running, exact, label in (
        (running_discrete, exact_discrete, "x ~ Cat, E[x²] = 3"),
        (running_continuous, exact_continuous, "x ~ N(1, 4), E[x²] = 5"),
    ):
        line = average_axes.semilogx(counts[shown], running[shown], label=label)[0]
        average_axes.axhline(exact, color=line.get_color(), linestyle=":")
    average_axes.set(title="Running average of x² → E[x²]", xlabel="draws n", ylabel="mean of x²")
    average_axes.legend()
    tail = np.linspace(-60.0, 60.0, 1201)
    with np.errstate(divide="ignore"):
        log_of_density = np.log(gaussian_pdf(tail))
    tail_axes.plot(tail, gaussian_log_pdf(tail), label="gaussian_log_pdf(x)", linewidth=3)
    tail_axes.plot(tail, log_of_density, label="log(gaussian_pdf(x))", linestyle="--")
    tail_axes.set(title="N(0, 1) in log space", xlabel="x", ylabel="log density")
    tail_axes.legend(loc="lower center")
    path = out_dir / "distributions.png"
    figure.savefig(path, dpi=120)

    grid = np.linspace(MEAN - 40.0, MEAN + 40.0, 20_001)
    values = {
        "expectation_discrete": exact_discrete,
        "expectation_continuous": exact_continuous,
        "monte_carlo_discrete": float(running_discrete[-1]),
        "monte_carlo_continuous": float(running_continuous[-1]),
        "gaussian_total_mass": float(np.trapezoid(gaussian_pdf(grid, MEAN, VARIANCE), grid)),
        "log_pdf_at_tail": float(gaussian_log_pdf(TAIL)),
        "pdf_at_tail": float(gaussian_pdf(TAIL)),
        "bernoulli_p1": float(bernoulli_pmf(1.0, 0.45)),
        "categorical_p2": float(categorical_pmf(2, Q)),
        "one_hot_row_sums_min": float(encoded.sum(axis=1).min()),
        "one_hot_row_sums_max": float(encoded.sum(axis=1).max()),
    }
    summary = (
        f"E[x²] = {exact_discrete:.4f} (Cat) and {exact_continuous:.4f} (N(1, 4)); "
        f"{N_DRAWS:,} draws average {values['monte_carlo_discrete']:.4f} and "
        f"{values['monte_carlo_continuous']:.4f}; at x = {TAIL:g} the density underflows to "
        f"{values['pdf_at_tail']:g} while its log is {values['log_pdf_at_tail']:.4f}"
    )
    return DemoResult((path,), summary, values)
