"""Layer 1 probability: Bayes' rule, total probability, joint tables and independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special
from scipy.stats.contingency import expected_freq
from sklearn.preprocessing import normalize

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.probability import (
    bayes_posterior,
    bayes_theorem,
    chain_rule,
    conditional,
    is_independent,
    marginal,
    total_probability,
)
from support import (
    assert_backend_matches_numpy,
    assert_float32_kept,
    random_simplex,
    random_table,
    random_tensors,
)

GUIDE_TABLE = np.array([[0.45, 0.05], [0.10, 0.40]])  # rows x1, columns x2


positive_vectors = hnp.arrays(
    np.float64,
    st.integers(2, 6),
    elements=st.floats(0.01, 1.0),
)


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize(("false_positive", "expected"), [(0.02, 0.3333), (0.05, 0.1667)])
def test_disease_test_examples(false_positive, expected):
    prevalence, sensitivity = 0.01, 0.99
    p_positive = total_probability([prevalence, 1 - prevalence], [sensitivity, false_positive])
    exact = sensitivity * prevalence / (sensitivity * prevalence + false_positive * 0.99)
    assert float(p_positive) == pytest.approx(0.99 * 0.01 + false_positive * 0.99, rel=1e-12)
    posterior = bayes_theorem(sensitivity, prevalence, p_positive)
    assert float(posterior) == pytest.approx(exact, rel=1e-12)
    assert round(float(posterior), 4) == expected
    both = bayes_posterior([prevalence, 1 - prevalence], [sensitivity, false_positive])
    np.testing.assert_allclose(both, [exact, 1 - exact], rtol=1e-12)


def test_guide_joint_bernoulli_table():
    np.testing.assert_allclose(marginal(GUIDE_TABLE, axis=1), [0.5, 0.5])  # x1 ~ Bern(0.5)
    np.testing.assert_allclose(marginal(GUIDE_TABLE, axis=0), [0.55, 0.45])  # x2 ~ Bern(0.45)
    given_x2 = conditional(GUIDE_TABLE, given_axis=1)
    assert round(float(given_x2[1, 0]), 4) == 0.1818
    np.testing.assert_allclose(given_x2, normalize(GUIDE_TABLE, norm="l1", axis=0), rtol=1e-12)
    assert not is_independent(GUIDE_TABLE)


# --------------------------------------------------------------------------- Bayes' rule


def test_bayes_theorem_matches_the_definition_of_conditional_probability(rng):
    for _ in range(20):
        joint = random_table(rng, (2, 2))  # rows A in {0, 1}, columns B in {0, 1}
        p_a = joint[1].sum()
        p_b = joint[:, 1].sum()
        p_b_given_a = joint[1, 1] / p_a
        assert float(bayes_theorem(p_b_given_a, p_a, p_b)) == pytest.approx(
            joint[1, 1] / p_b, rel=1e-12
        )


def test_bayes_posterior_matches_softmax_of_log_scores(rng):
    prior = random_simplex(rng, (4, 5))
    likelihood = rng.random((4, 5))
    reference = special.softmax(np.log(prior) + np.log(likelihood), axis=-1)
    np.testing.assert_allclose(bayes_posterior(prior, likelihood), reference, rtol=1e-12)
    np.testing.assert_allclose(
        bayes_posterior(prior.T, likelihood.T, axis=0), reference.T, rtol=1e-12
    )


def test_bayes_posterior_survives_tiny_likelihoods():
    posterior = bayes_posterior([0.5, 0.5], [1e-320, 3e-320])
    np.testing.assert_allclose(posterior, [0.25, 0.75], rtol=1e-2)
    assert np.all(np.isfinite(posterior))


def test_total_probability_matches_numpy(rng):
    prior = random_simplex(rng, 6)
    likelihood = rng.random((3, 6))  # three outcomes of B, broadcast over the prior
    np.testing.assert_allclose(total_probability(prior, likelihood), likelihood @ prior)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0.9, 0.5, 0.3), ProbabilityError, "p_b must be at least p_b_given_a \\* p_a"),
        ((0.9, -0.1, 0.3), ValidationError, r"p_a must lie in \[0.0, 1.0\], got -0.1"),
        ((0.9, 0.1, 0.0), ValidationError, "p_b must be positive, got 0"),
        ((np.nan, 0.1, 0.3), NonFiniteError, "p_b_given_a must be finite, got NaN"),
        (([0.1, 0.2], 0.1, [0.3, 0.3, 0.3]), ShapeError, "must broadcast together"),
        (([], 0.1, 0.3), EmptyInputError, "p_b_given_a must not be empty"),
    ],
)
def test_bayes_theorem_errors(args, error, message):
    with pytest.raises(error, match=message):
        bayes_theorem(*args)


@pytest.mark.parametrize(
    ("prior", "likelihood", "error", "message"),
    [
        ([0.5, 0.4], [0.1, 0.2], ProbabilityError, "prior must sum to 1 along axis -1, got 0.9"),
        ([1.2, -0.2], [0.1, 0.2], ProbabilityError, "prior must hold non-negative"),
        ([np.nan, 1.0], [0.1, 0.2], ProbabilityError, "prior must hold finite probabilities"),
        ([0.5, 0.5], [-0.1, 0.2], ValidationError, "likelihood must be non-negative, got -0.1"),
        ([0.5, 0.5], [0.1, 0.2, 0.3], ShapeError, r"prior \(2,\) and likelihood \(3,\)"),
        # The prior is checked as given: one number does not stretch over 4 hypotheses.
        ([0.25], [1.0, 2.0, 3.0, 4.0], ShapeError, r"prior \(1,\) and likelihood \(4,\)"),
        ([0.5, 0.5], [0.3], ShapeError, r"prior \(2,\) and likelihood \(1,\)"),
        ([0.5, 0.5], 0.3, ShapeError, r"likelihood has no axis -1 to sum over"),
        ([[0.5, 0.5]] * 2, np.ones((3, 2)), ShapeError, "prior and likelihood must broadcast"),
        ([1.0, 0.0], [0.0, 0.7], ProbabilityError, "the evidence is impossible"),
        ([], [], EmptyInputError, "prior must not be empty"),
    ],
)
def test_bayes_posterior_errors(prior, likelihood, error, message):
    with pytest.raises(error, match=message):
        bayes_posterior(prior, likelihood)


@pytest.mark.parametrize(
    ("prior", "likelihood", "message"),
    [
        ([0.5], [0.2, 0.3], r"prior \(1,\) and likelihood \(2,\)"),  # returned 0.25
        ([1.0], [0.2, 0.3], r"prior \(1,\) and likelihood \(2,\)"),
        ([0.5, 0.5], [0.2], r"prior \(2,\) and likelihood \(1,\)"),
        ([0.5, 0.5], np.ones((2, 1)), r"prior \(2,\) and likelihood \(2, 1\)"),
        (1.0, 0.5, "prior and likelihood must have an axis -1 to sum over, got only scalars"),
    ],
)
def test_total_probability_needs_one_likelihood_per_hypothesis(prior, likelihood, message):
    with pytest.raises(ShapeError, match=message):
        total_probability(prior, likelihood)


def test_the_hypothesis_axis_counts_in_the_broadcast_shape(rng):
    prior = random_simplex(rng, 3)
    likelihood = rng.random((3, 4))  # rows: hypotheses, columns: four observations
    np.testing.assert_allclose(
        total_probability(prior[:, None], likelihood, axis=0), prior @ likelihood, rtol=1e-12
    )
    posterior = bayes_posterior(prior[:, None], likelihood, axis=0)
    np.testing.assert_allclose(
        posterior, special.softmax(np.log(prior)[:, None] + np.log(likelihood), axis=0)
    )
    with pytest.raises(ShapeError, match=r"prior has no axis 0 to sum over: its shape is \(3,\)"):
        total_probability(prior, likelihood, axis=0)
    with pytest.raises(ProbabilityError, match=r"prior must sum to 1 along axis 0, got 1\.5"):
        total_probability([[0.5], [1.0]], likelihood[:2], axis=0)


def test_bayes_theorem_handles_densities_near_the_float_limit():
    # p_b * (1 + tolerance) overflowed before, with a RuntimeWarning.
    assert float(bayes_theorem(1.79e308, 1.0, 1.7976925e308)) == pytest.approx(
        1.79 / 1.7976925, rel=1e-12
    )
    with pytest.raises(ProbabilityError, match="p_b must be at least"):
        bayes_theorem(1e300, 1.0, 1e-300)


@given(positive_vectors, st.randoms(use_true_random=False))
def test_posterior_is_the_conditional_of_the_chain_rule_joint(weights, random):
    prior = weights / weights.sum()
    likelihood_table = np.asarray([[random.uniform(0.01, 1.0) for _ in range(3)] for _ in prior])
    likelihood_table /= likelihood_table.sum(axis=1, keepdims=True)  # p(b | a), rows sum to 1
    joint = chain_rule(prior, likelihood_table)
    for b in range(3):
        np.testing.assert_allclose(
            bayes_posterior(prior, likelihood_table[:, b]),
            conditional(joint, given_axis=1)[:, b],
            rtol=1e-9,
        )
    np.testing.assert_allclose(marginal(joint, axis=1), prior, rtol=1e-12)


# --------------------------------------------------------------------------- joint tables


def test_marginal_and_conditional_on_a_three_way_table(rng):
    joint = random_table(rng, (2, 3, 4))
    np.testing.assert_allclose(marginal(joint, axis=(0, 2)), joint.sum(axis=(0, 2)))
    np.testing.assert_allclose(marginal(joint, axis=-1), joint.sum(axis=2))
    given = conditional(joint, given_axis=1)
    np.testing.assert_allclose(given.sum(axis=(0, 2)), np.ones(3))
    np.testing.assert_allclose(given * joint.sum(axis=(0, 2))[None, :, None], joint)


def test_chain_rule_inverts_conditional(rng):
    joint = random_table(rng, (3, 4))
    rebuilt = chain_rule(marginal(joint, axis=1), conditional(joint, given_axis=0))
    np.testing.assert_allclose(rebuilt, joint, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: marginal([[0.5, 0.4], [0.1, 0.1]], 0), ProbabilityError, "over all elements"),
        (lambda: marginal([0.5, 0.5], 0), ShapeError, r"at least 2 axes\), got shape \(2,\)"),
        (lambda: marginal(GUIDE_TABLE, 2), ShapeError, r"axis must be in \[-2, 2\)"),
        (lambda: marginal(GUIDE_TABLE, (0, -2)), ShapeError, "must not repeat"),
        (lambda: conditional([[0.5, 0.0], [0.5, 0.0]], 1), ProbabilityError, "index 1 along"),
        (lambda: conditional(GUIDE_TABLE, 1.0), ArrayTypeError, "given_axis must be an integer"),
        (lambda: conditional(np.zeros((0, 2)), 0), EmptyInputError, "joint must not be empty"),
        (lambda: chain_rule([0.5, 0.5], [[1.0, 0.0]]), ShapeError, r"shape \(2, M\)"),
        (lambda: chain_rule([[0.5, 0.5]], [[1.0]]), ShapeError, "p_x1 must be a vector"),
        (
            lambda: chain_rule([0.5, 0.5], [[0.9, 0.2], [0.2, 0.8]]),
            ProbabilityError,
            "p_x2_given_x1 must sum to 1 along axis -1, got 1.1",
        ),
        (lambda: is_independent(GUIDE_TABLE, atol=-1.0), ValidationError, "atol must be"),
        (lambda: is_independent(GUIDE_TABLE, atol=np.nan), ValidationError, "or None, got nan"),
    ],
)
def test_joint_table_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_is_independent_matches_scipy_expected_frequencies(rng):
    independent = np.multiply.outer(random_simplex(rng, 3), random_simplex(rng, 4))
    assert is_independent(independent)
    np.testing.assert_allclose(expected_freq(independent), independent)
    dependent = random_table(rng, (3, 4))
    assert is_independent(dependent) is bool(
        np.allclose(expected_freq(dependent), dependent, rtol=0, atol=1e-8)
    )
    three_way = np.einsum("i,j,k->ijk", *(random_simplex(rng, n) for n in (2, 3, 2)))
    assert is_independent(three_way)
    assert not is_independent(three_way + np.asarray([1e-3, -1e-3])[:, None, None])


def test_float32_products_of_marginals_are_independent(rng):
    # With the old default atol=1e-8, below float32 resolution, many were "dependent".
    for _ in range(200):
        a, b = rng.random(rng.integers(2, 12)), rng.random(rng.integers(2, 12))
        table = np.outer(a / a.sum(), b / b.sum())
        assert np.allclose(expected_freq(table), table, rtol=1e-12, atol=0)  # independent
        assert is_independent(table.astype(np.float32))
    big = np.multiply.outer(random_simplex(rng, 300), random_simplex(rng, 200))
    assert is_independent(big.astype(np.float32))
    three_way = np.einsum("i,j,k->ijk", *(random_simplex(rng, n) for n in (4, 5, 6)))
    assert is_independent(three_way.astype(np.float32))


def test_float32_dependence_above_rounding_is_still_found():
    table = np.outer([0.3, 0.7], [0.4, 0.6]).astype(np.float32)
    table[0] += np.float32(1e-5) * np.float32([1, -1])  # marginals unchanged in x1
    assert not np.allclose(expected_freq(table.astype(np.float64)), table, rtol=1e-6, atol=0)
    assert not is_independent(table)


def test_explicit_atol_is_an_absolute_tolerance():
    gap = np.abs(GUIDE_TABLE - expected_freq(GUIDE_TABLE)).max()  # 0.175
    assert is_independent(GUIDE_TABLE, atol=gap + 1e-12)
    assert not is_independent(GUIDE_TABLE, atol=gap - 1e-12)
    table32 = np.outer([0.3, 0.7], [0.4, 0.6]).astype(np.float32)
    assert is_independent(table32, atol=1e-6)
    rounding = np.abs(table32 - expected_freq(table32.astype(np.float64))).max()
    assert rounding > 0
    assert not is_independent(table32, atol=0.0)


def test_a_total_of_one_within_tolerance_is_not_dependence():
    table = np.outer([0.3, 0.7], [0.4, 0.6]) * (1 + 3e-7)  # accepted as summing to 1
    assert is_independent(table)


@given(positive_vectors, positive_vectors)
def test_outer_products_are_independent(a, b):
    joint = np.outer(a / a.sum(), b / b.sum())
    assert is_independent(joint / joint.sum(), atol=1e-12)


# --------------------------------------------------------------------------- array API and dtypes

CASES = {
    "bayes_theorem": (bayes_theorem, [[0.99, 0.5], [0.01, 0.2], [0.0297, 0.3]], {}),
    "total_probability": (total_probability, [[0.01, 0.99], [0.99, 0.05]], {}),
    "bayes_posterior": (bayes_posterior, [[0.01, 0.99], [0.99, 0.05]], {}),
    "marginal": (marginal, [GUIDE_TABLE], {"axis": 0}),
    "conditional": (conditional, [GUIDE_TABLE], {"given_axis": 1}),
    "chain_rule": (chain_rule, [[0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]]], {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backends_return_their_kind_and_numpy_values(backend, name):
    assert_backend_matches_numpy(backend, *CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    assert_float32_kept(*CASES[name])


def test_is_independent_runs_on_every_backend(backend, rng):
    assert is_independent(backend.asarray(np.outer([0.2, 0.8], [0.3, 0.7]))) is True
    assert is_independent(backend.asarray(GUIDE_TABLE)) is False
    for _ in range(20):
        table = np.multiply.outer(random_simplex(rng, 7), random_simplex(rng, 9))
        assert is_independent(backend.asarray(table, dtype="float32")) is True


# --------------------------------------------------------------------------- autograd


def test_gradcheck_on_unconstrained_inputs(torch):
    tensor = random_tensors(torch)
    checks = [
        (lambda lik: bayes_posterior(torch.tensor([0.2, 0.3, 0.5]), lik), (tensor(3),)),
        (lambda lik: bayes_theorem(lik, 0.1, 0.5), (tensor(3, low=0.5),)),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)


def test_gradients_with_respect_to_probabilities(torch):
    prior = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64, requires_grad=True)
    likelihood = torch.tensor([0.9, 0.4, 0.1], dtype=torch.float64)
    total_probability(prior, likelihood).backward()
    torch.testing.assert_close(prior.grad, likelihood)  # dP(B)/dP(A_i) = P(B|A_i)

    first = torch.tensor([0.5, 0.5], dtype=torch.float64, requires_grad=True)
    given_first = torch.tensor([[0.9, 0.1], [0.2, 0.8]], dtype=torch.float64)
    weights = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    (chain_rule(first, given_first) * weights).sum().backward()
    torch.testing.assert_close(first.grad, (given_first * weights).sum(dim=1))

    table = torch.tensor([[0.45, 0.05], [0.1, 0.4]], dtype=torch.float64, requires_grad=True)
    (marginal(table, axis=0) * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum().backward()
    torch.testing.assert_close(table.grad, torch.tensor([[1.0, 2.0], [1.0, 2.0]]).double())

    joint = torch.tensor([[0.45, 0.05], [0.1, 0.4]], dtype=torch.float64, requires_grad=True)
    conditional(joint, given_axis=1)[1, 0].backward()
    # d/dp (p10 / (p00 + p10)): p00 / s^2 for p10, -p10 / s^2 for p00.
    expected = torch.tensor([[-0.1 / 0.55**2, 0.0], [0.45 / 0.55**2, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(joint.grad, expected)
