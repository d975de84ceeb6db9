"""Layer 1 probability: Bayes' rule, joint tables, moments and distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, special, stats
from scipy.stats.contingency import expected_freq
from sklearn.preprocessing import OneHotEncoder, label_binarize, normalize

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
    bernoulli_pmf,
    categorical_pmf,
    chain_rule,
    conditional,
    correlation,
    covariance,
    expectation,
    expectation_continuous,
    gaussian_log_pdf,
    gaussian_pdf,
    is_independent,
    marginal,
    one_hot,
    total_probability,
)

GUIDE_TABLE = np.array([[0.45, 0.05], [0.10, 0.40]])  # rows x1, columns x2


def random_simplex(rng, shape):
    values = rng.random(shape) + 0.05
    return values / values.sum(axis=-1, keepdims=True)


def random_table(rng, shape):
    values = rng.random(shape) + 0.05
    return values / values.sum()


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


def test_guide_categorical_expectation():
    assert float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=lambda x: x**2)) == pytest.approx(3.0)
    reference = stats.rv_discrete(values=([0, 1, 2], [0.1, 0.2, 0.7])).expect(lambda x: x**2)
    assert float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=np.square)) == pytest.approx(reference)


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
        ([1.0, 0.0], [0.0, 0.7], ProbabilityError, "the evidence is impossible"),
        ([], [], EmptyInputError, "prior must not be empty"),
    ],
)
def test_bayes_posterior_errors(prior, likelihood, error, message):
    with pytest.raises(error, match=message):
        bayes_posterior(prior, likelihood)


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


@given(positive_vectors, positive_vectors)
def test_outer_products_are_independent(a, b):
    joint = np.outer(a / a.sum(), b / b.sum())
    assert is_independent(joint / joint.sum(), atol=1e-12)


# --------------------------------------------------------------------------- moments


def test_expectation_matches_scipy_rv_discrete(rng):
    values = rng.normal(size=5)
    probs = random_simplex(rng, 5)
    variable = stats.rv_discrete(values=(np.arange(5), probs))
    assert float(expectation(values, probs)) == pytest.approx(
        variable.expect(lambda k: values[k.astype(int)]), rel=1e-10
    )
    batch = random_simplex(rng, (3, 5))
    np.testing.assert_allclose(expectation(values, batch, f=np.exp), batch @ np.exp(values))
    np.testing.assert_allclose(expectation(values[:, None], batch.T, axis=0), batch @ values)


def test_expectation_ignores_values_of_probability_zero():
    def f(x):
        return np.where(x > 0, x * 5.0, np.inf)  # not finite where the probability is 0

    assert float(expectation([0.0, 1.0], [0.0, 1.0], f=f)) == 5.0
    with pytest.raises(NonFiniteError, match=r"f\(values\) must be finite, got infinity"):
        expectation([0.0, 1.0], [0.5, 0.5], f=f)


@pytest.mark.parametrize(
    ("values", "probs", "error", "message"),
    [
        ([1.0, 2.0], [0.5, 0.6], ProbabilityError, "probs must sum to 1 along axis -1, got 1.1"),
        ([1.0, np.nan], [0.5, 0.5], NonFiniteError, "values must be finite, got NaN"),
        ([1.0, 2.0, 3.0], [0.5, 0.5], ShapeError, "values and probs must broadcast"),
        ([1.0, 2.0], [-0.5, 1.5], ProbabilityError, "non-negative probabilities, got -0.5"),
    ],
)
def test_expectation_errors(values, probs, error, message):
    with pytest.raises(error, match=message):
        expectation(values, probs)


def test_expectation_continuous_matches_scipy():
    assert float(expectation_continuous(stats.norm(1, 2).pdf, lambda x: x**2)) == pytest.approx(
        stats.norm.expect(lambda x: x**2, loc=1, scale=2), rel=1e-9
    )
    assert float(expectation_continuous(stats.expon.pdf, lower=0.0)) == pytest.approx(1.0)
    uniform = expectation_continuous(lambda x: 0.5, np.exp, lower=0.0, upper=2.0)
    assert float(uniform) == pytest.approx(integrate.quad(np.exp, 0, 2)[0] / 2, rel=1e-12)
    assert float(uniform) == pytest.approx(math.expm1(2.0) / 2.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"density": lambda x: 1.0, "lower": 0.0, "upper": 2.0}, ProbabilityError, "got 2"),
        ({"density": "pdf"}, ArrayTypeError, "density must be a callable, got str"),
        ({"density": stats.norm.pdf, "f": 3.0}, ArrayTypeError, "f must be a callable"),
        ({"density": stats.norm.pdf, "lower": 1.0, "upper": 1.0}, ValidationError, "below"),
    ],
)
def test_expectation_continuous_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        expectation_continuous(**kwargs)


def test_covariance_and_correlation_match_numpy_and_scipy(rng):
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    assert float(covariance(x, y)) == pytest.approx(np.cov(x, y, bias=True)[0, 1], rel=1e-12)
    assert float(correlation(x, y)) == pytest.approx(stats.pearsonr(x, y).statistic, rel=1e-12)
    weights = random_simplex(rng, 40)
    weighted = np.cov(x, y, aweights=weights, bias=True)
    assert float(covariance(x, y, weights)) == pytest.approx(weighted[0, 1], rel=1e-12)
    assert float(correlation(x, y, weights)) == pytest.approx(
        weighted[0, 1] / np.sqrt(weighted[0, 0] * weighted[1, 1]), rel=1e-12
    )
    batch_x, batch_y = rng.normal(size=(2, 3, 10))
    expected = [np.corrcoef(a, b)[0, 1] for a, b in zip(batch_x, batch_y, strict=True)]
    np.testing.assert_allclose(correlation(batch_x, batch_y), expected, rtol=1e-12)
    np.testing.assert_allclose(correlation(batch_x.T, batch_y.T, axis=0), expected, rtol=1e-12)


@given(
    hnp.arrays(np.float64, 8, elements=st.floats(-1e3, 1e3)),
    hnp.arrays(np.float64, 8, elements=st.floats(-1e3, 1e3)),
)
def test_correlation_is_bounded_and_symmetric(x, y):
    for values in (x, y):
        assume(np.std(values) > 1e-6 * (1.0 + np.abs(values).max()))
    rho = float(correlation(x, y))
    assert -1.0 <= rho <= 1.0
    assert rho == pytest.approx(float(correlation(y, x)), abs=1e-12)
    assert float(covariance(x, x)) == pytest.approx(np.var(x), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([0.1, 0.1, 0.1], [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([1.0, 2.0], [3.0, 3.0]), ValidationError, "y has zero variance"),
        (lambda: covariance([1.0, 2.0], [1.0, 2.0, 3.0]), ShapeError, "x and y must have"),
        (lambda: covariance([], []), EmptyInputError, "x must not be empty"),
        (lambda: covariance([1.0, 2.0], [1.0, 2.0], [0.2, 0.2]), ProbabilityError, "got 0.4"),
        (lambda: covariance([1.0, np.inf], [1.0, 2.0]), NonFiniteError, "x must be finite"),
    ],
)
def test_moment_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- distributions


def test_gaussian_matches_scipy(rng):
    x = rng.normal(size=20) * 3
    mean = rng.normal(size=20)
    var = rng.random(20) + 0.1
    reference = stats.norm.pdf(x, loc=mean, scale=np.sqrt(var))
    np.testing.assert_allclose(gaussian_pdf(x, mean, var), reference, rtol=1e-12)
    np.testing.assert_allclose(
        gaussian_log_pdf(x, mean, var), stats.norm.logpdf(x, mean, np.sqrt(var)), rtol=1e-12
    )
    assert float(gaussian_pdf(1e6)) == 0.0  # far tail underflows without a warning
    assert float(gaussian_log_pdf(1e6)) == pytest.approx(stats.norm.logpdf(1e6), rel=1e-12)
    assert float(gaussian_pdf(0.0, 0.0, 1e-300)) == pytest.approx(
        stats.norm.pdf(0.0, scale=1e-150), rel=1e-12
    )


def test_bernoulli_and_categorical_match_scipy(rng):
    p = rng.random(10)
    x = (rng.random(10) < 0.5).astype(float)
    np.testing.assert_allclose(bernoulli_pmf(x, p), stats.bernoulli.pmf(x, p), rtol=1e-12)
    np.testing.assert_array_equal(bernoulli_pmf([0, 1], [0.0, 1.0]), [1.0, 1.0])
    q = random_simplex(rng, (6, 4))
    labels = rng.integers(0, 4, size=6)
    codes = np.eye(4)[labels]
    reference = [stats.multinomial.pmf(c, n=1, p=row) for c, row in zip(codes, q, strict=True)]
    np.testing.assert_allclose(categorical_pmf(labels, q), reference, rtol=1e-12)
    np.testing.assert_allclose(categorical_pmf(codes, q, encoding="one_hot"), reference)


def test_one_hot_matches_scikit_learn(rng):
    labels = rng.integers(0, 5, size=30)
    expected = label_binarize(labels, classes=list(range(5)))
    np.testing.assert_array_equal(one_hot(labels, 5), expected)
    encoder = OneHotEncoder(categories=[list(range(5))], sparse_output=False)
    np.testing.assert_array_equal(one_hot(labels, 5), encoder.fit_transform(labels[:, None]))
    assert one_hot(labels, 5).dtype == np.float64
    assert one_hot(np.asarray([[1.0, 2.0]], np.float32), 3).dtype == np.float32
    assert one_hot([[0, 1], [1, 0]], 2).shape == (2, 2, 2)


@given(hnp.arrays(np.int64, st.integers(1, 20), elements=st.integers(0, 6)))
def test_one_hot_rows_sum_to_one_and_argmax_recovers_labels(labels):
    codes = one_hot(labels, 7)
    np.testing.assert_array_equal(codes.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(codes.argmax(axis=-1), labels)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: one_hot([0, 3], 3),
            ValidationError,
            r"labels must hold labels in \[0, 2\], got 3",
        ),
        (lambda: one_hot([-1, 0], 3), ValidationError, r"in \[0, 2\], got -1"),
        (lambda: one_hot([0.5, 1], 3), ValidationError, "integer class labels, got 0.5"),
        (lambda: one_hot([np.nan], 3), NonFiniteError, "labels must be finite, got NaN"),
        (lambda: one_hot([], 3), EmptyInputError, "labels must not be empty"),
        (lambda: one_hot([0], 0), ValidationError, "num_classes must be at least 1, got 0"),
        (lambda: one_hot([0], 2.0), ArrayTypeError, "num_classes must be an integer, got float"),
        (lambda: one_hot(["a"], 2), ArrayTypeError, "labels must be an array of real numbers"),
        (lambda: bernoulli_pmf([0.5], 0.3), ValidationError, "x must be 0 or 1, got 0.5"),
        (lambda: bernoulli_pmf([1], 1.5), ValidationError, r"p must lie in \[0.0, 1.0\]"),
        (lambda: bernoulli_pmf([1], np.nan), NonFiniteError, "p must be finite, got NaN"),
        (lambda: categorical_pmf([3], [0.2, 0.8]), ValidationError, r"x must hold labels"),
        (lambda: categorical_pmf([1], [0.2, 0.7]), ProbabilityError, "q must sum to 1"),
        (lambda: categorical_pmf([1, 1], [0.2, 0.8], "one_hot"), ValidationError, "one-hot"),
        (lambda: categorical_pmf([1, 0, 0], [0.2, 0.8], "one_hot"), ShapeError, "length 2"),
        (lambda: categorical_pmf([1], [0.2, 0.8], "onehot"), ValidationError, "encoding must"),
        (lambda: categorical_pmf([0, 1], [[0.2, 0.8]] * 3), ShapeError, "broadcast"),
        (lambda: gaussian_pdf(0.0, 0.0, 0.0), ValidationError, "var must be positive, got 0"),
        (lambda: gaussian_pdf([np.inf], 0.0, 1.0), NonFiniteError, "x must be finite"),
        (lambda: gaussian_pdf([0.0, 1.0], [0.0, 1.0, 2.0]), ShapeError, "x and mean and var"),
    ],
)
def test_distribution_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API and dtypes

CASES = {
    "bayes_theorem": (bayes_theorem, [[0.99, 0.5], [0.01, 0.2], [0.0297, 0.3]], {}),
    "total_probability": (total_probability, [[0.01, 0.99], [0.99, 0.05]], {}),
    "bayes_posterior": (bayes_posterior, [[0.01, 0.99], [0.99, 0.05]], {}),
    "marginal": (marginal, [GUIDE_TABLE], {"axis": 0}),
    "conditional": (conditional, [GUIDE_TABLE], {"given_axis": 1}),
    "chain_rule": (chain_rule, [[0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]]], {}),
    "expectation": (expectation, [[0.0, 1.0, 2.0], [0.1, 0.2, 0.7]], {"f": lambda x: x * x}),
    "covariance": (covariance, [[1.0, 2.0, 4.0], [1.0, 3.0, 2.0]], {}),
    "correlation": (correlation, [[1.0, 2.0, 4.0], [1.0, 3.0, 2.0], [0.2, 0.3, 0.5]], {}),
    "gaussian_pdf": (gaussian_pdf, [[0.5, -1.0], [0.0, 1.0], [2.0, 0.5]], {}),
    "gaussian_log_pdf": (gaussian_log_pdf, [[0.5, -1.0], [0.0, 1.0], [2.0, 0.5]], {}),
    "bernoulli_pmf": (bernoulli_pmf, [[0.0, 1.0], [0.45, 0.3]], {}),
    "categorical_pmf": (categorical_pmf, [[2.0, 0.0], [0.1, 0.2, 0.7]], {}),
    "one_hot": (one_hot, [[2.0, 0.0, 1.0]], {"num_classes": 3}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backends_return_their_kind_and_numpy_values(backend, name):
    function, args, kwargs = CASES[name]
    expected = function(*(np.asarray(a) for a in args), **kwargs)
    result = function(*(backend.asarray(a) for a in args), **kwargs)
    assert backend.is_native(result)
    np.testing.assert_allclose(backend.to_numpy(result), expected, rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    function, args, kwargs = CASES[name]
    result = function(*(np.asarray(a, dtype=np.float32) for a in args), **kwargs)
    assert result.dtype == np.float32
    expected = function(*(np.asarray(a) for a in args), **kwargs)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_integer_outcomes_do_not_upcast_float32_parameters():
    q = np.asarray([0.1, 0.2, 0.7], dtype=np.float32)
    assert categorical_pmf(np.asarray([2, 0]), q).dtype == np.float32
    assert bernoulli_pmf(np.asarray([1, 0]), np.float32(0.3)).dtype == np.float32
    assert bernoulli_pmf(np.asarray([1.0, 0.0], np.float32), 0.3).dtype == np.float32


def test_is_independent_runs_on_every_backend(backend):
    assert is_independent(backend.asarray(np.outer([0.2, 0.8], [0.3, 0.7]))) is True
    assert is_independent(backend.asarray(GUIDE_TABLE)) is False


# --------------------------------------------------------------------------- autograd


def test_gradcheck_on_unconstrained_inputs(torch):
    generator = torch.Generator().manual_seed(0)

    def tensor(*shape, low=0.1):
        values = torch.rand(*shape, generator=generator, dtype=torch.float64) + low
        return values.requires_grad_()

    checks = [
        (lambda x, m, v: gaussian_pdf(x, m, v), (tensor(4), tensor(4), tensor(4))),
        (lambda x, m, v: gaussian_log_pdf(x, m, v), (tensor(4), tensor(4), tensor(4))),
        (lambda x, y: covariance(x, y), (tensor(6), tensor(6))),
        (lambda x, y: correlation(x, y), (tensor(6), tensor(6))),
        (lambda lik: bayes_posterior(torch.tensor([0.2, 0.3, 0.5]), lik), (tensor(3),)),
        (lambda lik: bayes_theorem(lik, 0.1, 0.5), (tensor(3, low=0.5),)),
        (lambda v: expectation(v, torch.tensor([0.2, 0.8]), f=torch.sin), (tensor(2),)),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)


def test_gradients_with_respect_to_probabilities(torch):
    prior = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64, requires_grad=True)
    likelihood = torch.tensor([0.9, 0.4, 0.1], dtype=torch.float64)
    total_probability(prior, likelihood).backward()
    torch.testing.assert_close(prior.grad, likelihood)  # dP(B)/dP(A_i) = P(B|A_i)

    probs = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64, requires_grad=True)
    values = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    expectation(values, probs, f=lambda v: v**2).backward()
    torch.testing.assert_close(probs.grad, values**2)

    p = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    bernoulli_pmf(torch.tensor([1.0, 0.0]), p).sum().backward()
    torch.testing.assert_close(p.grad, torch.tensor([1.0, -1.0], dtype=torch.float64))

    q = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64, requires_grad=True)
    categorical_pmf(torch.tensor([2, 0]), q).sum().backward()
    torch.testing.assert_close(q.grad, torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64))

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
