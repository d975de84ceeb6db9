r"""The surrogate losses of classification: convex upper bounds of the 0-1 loss of the margin.

With labels :math:`t^{\pm} \in \{-1, +1\}` and a score :math:`s`, the margin
:math:`y = t^{\pm} s` is positive exactly when the decision is right, and the
0-1 (detection-error) loss is :math:`\mathbb 1(y \le 0)`. It is flat almost
everywhere, so gradient descent cannot use it; training minimises a convex
surrogate instead, each an upper bound of the 0-1 loss:

.. math::

    \mathbb 1(y \le 0) \;\le\; \max(0, 1 - y), \qquad
    \mathbb 1(y \le 0) \;\le\; \log_2\bigl(1 + e^{-y}\bigr)
    = \frac{\log(1 + e^{-y})}{\log 2}, \qquad
    \mathbb 1(y \le 0) \;\le\; e^{-y},

with equality at :math:`y = 0` (hinge, logistic in bits, exponential). The
logistic loss needs the factor :math:`1/\log 2` to be a bound; the perceptron's
hinge-at-zero loss :math:`\max(0, -y)` is 0 at :math:`y = 0` and bounds
nothing. The left panel draws the curves and measures
:math:`\min_y (\text{surrogate} - \text{0-1})` on a grid: 0 for the three
bounds, :math:`-1` for the hinge at zero.

Because every per-example loss is a bound, so is every average: the right panel
moves the threshold :math:`c` of the classifier :math:`s = 2(x - c)` over 200
points of two Gaussian classes (:math:`x \sim \mathcal N(\pm 1, 1)`, whose
Bayes threshold is 0 and whose true log-odds are exactly :math:`2x`) and plots
the training error rate, a step function of :math:`c` whose minimum falls
wherever the sample happens to put it, under the smooth, convex surrogate
risks, and the population error rate
:math:`\tfrac12[\Phi(c - 1) + \Phi(-c - 1)]`, smallest at the Bayes threshold
:math:`c = 0` (:math:`\Phi(-1) \approx 0.1587`). The surrogates' minimisers land
near 0 with a population error within about :math:`10^{-3}` of the Bayes error,
while the minimiser of the training error itself (:math:`c = 0.37` on this
sample) does worse (0.1748): minimising a convex surrogate is not only easier,
it also overfits the sample less.

Examples
--------
>>> gaps = bound_gaps()
>>> gaps["hinge"], gaps["hinge_at_zero"]
(0.0, -1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.special import ndtr

from mlequations.demos import DemoResult
from mlequations.margin_losses import (
    detection_error_loss,
    exponential_loss,
    hinge_at_zero_loss,
    hinge_loss,
    logistic_loss,
)

__all__ = [
    "MARGINS",
    "SURROGATES",
    "THRESHOLDS",
    "bound_gaps",
    "population_error",
    "risks",
    "run",
    "toy_data",
]

Loss = Callable[[np.ndarray], np.ndarray]


def _logistic_bits(margin: np.ndarray) -> np.ndarray:
    return logistic_loss(margin) / math.log(2.0)


#: name -> (label, per-example loss of the margin); the last one is not a bound.
SURROGATES: dict[str, tuple[str, Loss]] = {
    "hinge": ("hinge max(0, 1 − y)", hinge_loss),
    "logistic_bits": ("logistic log₂(1 + e^(−y))", _logistic_bits),
    "exponential": ("exponential e^(−y)", exponential_loss),
    "hinge_at_zero": ("hinge at zero max(0, −y) (perceptron)", hinge_at_zero_loss),
}
BOUNDS = ("hinge", "logistic_bits", "exponential")
MARGINS = np.arange(-400, 601) / 200.0  # [-2, 3] in steps of 0.005, with 0 and 1 exactly
THRESHOLDS = np.arange(-300, 301) / 200.0  # [-1.5, 1.5], with 0 exactly
N_PER_CLASS = 100
SLOPE = 2.0


def bound_gaps(margins: np.ndarray = MARGINS) -> dict[str, float]:
    """min over ``margins`` of (surrogate − 0-1 loss): 0 or more for a bound."""
    zero_one = detection_error_loss(margins)
    return {name: float(np.min(loss(margins) - zero_one)) for name, (_, loss) in SURROGATES.items()}


def toy_data(random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """100 points of N(−1, 1) with t = 0 and 100 of N(+1, 1) with t = 1."""
    generator = np.random.default_rng(random_state)
    x = np.concatenate(
        [generator.normal(-1.0, 1.0, N_PER_CLASS), generator.normal(1.0, 1.0, N_PER_CLASS)]
    )
    t = np.repeat([0, 1], N_PER_CLASS)
    return x, t


def risks(
    x: np.ndarray, t: np.ndarray, thresholds: np.ndarray = THRESHOLDS
) -> dict[str, np.ndarray]:
    """The mean 0-1 loss and mean surrogates of s = 2(x − c) for every threshold c."""
    margins = (2 * t[None, :] - 1) * SLOPE * (x[None, :] - thresholds[:, None])
    result = {"zero_one": detection_error_loss(margins, reduction="mean", axis=1)}
    for name, (_, loss) in SURROGATES.items():
        result[name] = np.mean(loss(margins), axis=1)
    return result


def population_error(threshold: np.ndarray | float) -> np.ndarray:
    """The error rate of step(x − c) on the two classes N(±1, 1) in equal proportion."""
    c = np.asarray(threshold, dtype=float)
    return 0.5 * (ndtr(c - 1.0) + ndtr(-c - 1.0))


def _plot(risk: dict[str, np.ndarray], path: Path) -> None:
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    curve_axes, risk_axes = figure.subplots(1, 2)
    curve_axes.plot(
        MARGINS, detection_error_loss(MARGINS), color="black", label="0-1 loss 1(y ≤ 0)"
    )
    for name, (label, loss) in SURROGATES.items():
        style = "--" if name == "hinge_at_zero" else "-"
        curve_axes.plot(MARGINS, loss(MARGINS), style, label=label)
        if name in BOUNDS:
            risk_axes.plot(THRESHOLDS, risk[name], label=f"mean {label.split()[0]}")
    curve_axes.axvline(0.0, color="0.8", linewidth=0.8)
    curve_axes.set(
        title="Losses of the margin y = t± s",
        xlabel="margin y (right decision for y > 0)",
        ylabel="loss",
        ylim=(-0.1, 4.0),
    )
    curve_axes.legend(fontsize=8)
    risk_axes.plot(THRESHOLDS, risk["zero_one"], color="black", label="training error rate")
    risk_axes.plot(
        THRESHOLDS, population_error(THRESHOLDS), "--", color="0.4", label="population error rate"
    )
    for name in ("zero_one", *BOUNDS):
        best = THRESHOLDS[np.argmin(risk[name])]
        risk_axes.axvline(best, color="0.75", linewidth=0.8, linestyle=":")
    risk_axes.set(
        title="Risks of the classifier s = 2(x − c) (dotted: minimisers)",
        xlabel="threshold c",
        ylabel="mean loss over 200 points (log scale)",
        yscale="log",
    )
    risk_axes.legend(fontsize=8)
    figure.savefig(path, dpi=110)


def run(out_dir: Path) -> DemoResult:
    """Draw the losses and the risks, and measure how each bounds the 0-1 loss."""
    values = {f"{name}_min_gap": gap for name, gap in bound_gaps().items()}
    x, t = toy_data()
    risk = risks(x, t)
    for name in ("zero_one", *SURROGATES):
        values[f"{name}_best_threshold"] = float(THRESHOLDS[np.argmin(risk[name])])
        values[f"{name}_min_risk"] = float(np.min(risk[name]))
        if name != "zero_one":
            values[f"{name}_risk_min_gap"] = float(np.min(risk[name] - risk["zero_one"]))
        values[f"{name}_population_error"] = float(
            population_error(values[f"{name}_best_threshold"])
        )
    values["bayes_error"] = float(population_error(0.0))
    path = out_dir / "surrogate-losses.png"
    _plot(risk, path)
    summary = (
        "min (surrogate − 0-1 loss): "
        + ", ".join(f"{name} {values[f'{name}_min_gap']:+.3g}" for name in SURROGATES)
        + "; population error at each surrogate's minimiser: "
        + ", ".join(f"{name} {values[f'{name}_population_error']:.4f}" for name in BOUNDS)
        + f" (Bayes error {values['bayes_error']:.4f})"
    )
    return DemoResult((path,), summary, values)
