"""A screening test read through Bayes' theorem: the posterior against the prevalence.

The guide's test has 99% sensitivity and a false-positive rate of 2% (or 5%). The
probability of disease after a positive result, P(D | T+) = P(T+ | D) P(D) / P(T+)
with P(T+) from the law of total probability, is only 1/3 at a prevalence of 1%:
most positives of a rare disease are false alarms. The figure shows the posterior
for every prevalence, and the expected counts among 10,000 people tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import brentq

from mlequations.demos import DemoResult
from mlequations.probability import bayes_posterior, bayes_theorem, total_probability

SENSITIVITY = 0.99
FALSE_POSITIVE_RATES = (0.02, 0.05)
GUIDE_PREVALENCE = 0.01
POPULATION = 10_000


def posterior_of_disease(prevalence: np.ndarray, false_positive_rate: float) -> np.ndarray:
    """P(D | T+) for each prevalence: Bayes' theorem with P(T+) by total probability."""
    prior = np.stack([prevalence, 1.0 - prevalence], axis=-1)
    likelihood = np.array([SENSITIVITY, false_positive_rate])
    evidence = total_probability(prior, likelihood)
    return bayes_theorem(SENSITIVITY, prevalence, evidence)


def even_odds_prevalence(false_positive_rate: float) -> float:
    """The prevalence at which a positive result makes the disease as likely as not."""
    return float(brentq(lambda p: posterior_of_disease(p, false_positive_rate) - 0.5, 1e-6, 0.999))


def run(out_dir: Path) -> DemoResult:
    prevalence = np.geomspace(1e-4, 0.5, 400)
    figure = Figure(figsize=(11, 4.3), layout="constrained")
    curve_axes, count_axes = figure.subplots(1, 2)
    values: dict[str, float] = {}
    for rate in FALSE_POSITIVE_RATES:
        curve_axes.semilogx(prevalence, posterior_of_disease(prevalence, rate), label=f"{rate:.0%}")
        at_guide = bayes_posterior([GUIDE_PREVALENCE, 1 - GUIDE_PREVALENCE], [SENSITIVITY, rate])
        values[f"posterior_fp{round(rate * 100)}"] = float(at_guide[0])
        values[f"even_odds_prevalence_fp{round(rate * 100)}"] = even_odds_prevalence(rate)
    curve_axes.axvline(GUIDE_PREVALENCE, color="0.6", linestyle=":")
    curve_axes.axhline(0.5, color="0.8", linewidth=0.8)
    curve_axes.set(
        title="P(disease | positive test), sensitivity 99%",
        xlabel="prevalence P(D) (log scale)",
        ylabel="posterior P(D | T+)",
    )
    curve_axes.legend(title="false-positive rate")
    rate = FALSE_POSITIVE_RATES[0]
    sick = POPULATION * GUIDE_PREVALENCE
    true_positives, false_positives = sick * SENSITIVITY, (POPULATION - sick) * rate
    count_axes.bar(["true positives", "false positives"], [true_positives, false_positives])
    count_axes.set(
        title=f"{POPULATION:,} people, prevalence 1%, false positives {rate:.0%}",
        ylabel="expected number of positive tests",
    )
    for position, count in enumerate((true_positives, false_positives)):
        count_axes.annotate(f"{count:.0f}", (position, count), ha="center", va="bottom")
    path = out_dir / "bayes-screening.png"
    figure.savefig(path, dpi=120)
    values["true_positives"] = true_positives
    values["false_positives"] = false_positives
    summary = (
        f"at 1% prevalence a positive test means disease with probability "
        f"{values['posterior_fp2']:.4f} (2% false positives) or {values['posterior_fp5']:.4f} "
        f"(5%); {true_positives:.0f} true against {false_positives:.0f} false positives "
        f"per {POPULATION:,} people"
    )
    return DemoResult((path,), summary, values)
