"""The probability demos: Bayes on a screening test, the guide's joint table, the distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlequations.demos import run_demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probability-demos")
    names = ("bayes-screening", "joint-distribution", "distributions")
    return {name: run_demo(name, folder) for name in names}


def test_each_demo_writes_its_figure(results):
    for name, result in results.items():
        (path,) = result.files
        assert path.name == f"{name}.png"
        assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_screening_posterior_matches_bayes_by_hand(results):
    values = results["bayes-screening"].values
    sensitivity, prevalence = 0.99, 0.01
    for rate in (2, 5):
        evidence = sensitivity * prevalence + rate / 100 * (1 - prevalence)
        assert values[f"posterior_fp{rate}"] == pytest.approx(
            sensitivity * prevalence / evidence, rel=1e-12
        )
        # Even odds: sensitivity * p = rate * (1 - p).
        even = rate / 100 / (sensitivity + rate / 100)
        assert values[f"even_odds_prevalence_fp{rate}"] == pytest.approx(even, rel=1e-9)
    assert values["posterior_fp2"] == pytest.approx(1 / 3, rel=1e-12)
    assert values["true_positives"] == pytest.approx(99.0)
    assert values["false_positives"] == pytest.approx(198.0)


def test_joint_table_marginals_conditionals_and_predictors(results):
    values = results["joint-distribution"].values
    joint = np.array([[0.45, 0.05], [0.10, 0.40]])
    assert values["p_x1"] == pytest.approx(joint[1].sum(), abs=1e-15)
    assert values["p_t1"] == pytest.approx(joint[:, 1].sum(), abs=1e-15)
    assert values["p_t1_given_x1"] == pytest.approx(0.4 / 0.5, abs=1e-15)
    assert values["p_x1_given_t0"] == pytest.approx(0.10 / 0.55, abs=1e-15)
    assert values["max_rebuild_error"] < 1e-15
    assert values["dependence"] == pytest.approx(0.45 - 0.5 * 0.55, abs=1e-15)
    assert values["independent"] == 0.0
    # Brute force over the four hard predictors: P(t_hat(x) != t).
    losses = [
        sum(joint[x, t] for x in (0, 1) for t in (0, 1) if (a, b)[x] != t)
        for a in (0, 1)
        for b in (0, 1)
    ]
    assert values["min_zero_one_loss"] == pytest.approx(min(losses), abs=1e-15)
    assert values["map_loss"] == pytest.approx(0.15, abs=1e-15)
    assert values["max_zero_one_loss"] == pytest.approx(0.85, abs=1e-15)
    # The log loss is minimised by the posterior 0.8, where it is H(t | x).
    conditional_entropy = 0.5 * stats.entropy([0.9, 0.1]) + 0.5 * stats.entropy([0.2, 0.8])
    assert values["best_soft_a"] == pytest.approx(0.8, abs=1e-6)
    assert values["min_log_loss"] == pytest.approx(conditional_entropy, rel=1e-12)
    assert values["posterior_log_loss"] == pytest.approx(conditional_entropy, rel=1e-12)


def test_distributions_expectations_and_log_space(results):
    values = results["distributions"].values
    assert values["expectation_discrete"] == pytest.approx(0.2 * 1 + 0.7 * 4, rel=1e-12)
    assert values["expectation_continuous"] == pytest.approx(1.0 + 4.0, rel=1e-10)
    # Monte Carlo within five standard errors: Var(x^2) = E[x^4] - E[x^2]^2.
    discrete_se = math.sqrt((0.2 + 0.7 * 16 - 9.0) / 100_000)
    assert abs(values["monte_carlo_discrete"] - 3.0) < 5 * discrete_se
    continuous_variance = stats.norm(1.0, 2.0).moment(4) - 25.0
    assert abs(values["monte_carlo_continuous"] - 5.0) < 5 * math.sqrt(continuous_variance / 1e5)
    assert values["gaussian_total_mass"] == pytest.approx(1.0, abs=1e-10)
    assert values["log_pdf_at_tail"] == pytest.approx(stats.norm.logpdf(40.0), rel=1e-14)
    assert values["pdf_at_tail"] == 0.0  # exp(-800.9) underflows
    assert values["bernoulli_p1"] == pytest.approx(stats.bernoulli.pmf(1, 0.45))
    assert values["categorical_p2"] == pytest.approx(0.7)
    assert values["one_hot_row_sums_min"] == values["one_hot_row_sums_max"] == 1.0
