"""Layer 1 information theory (entropies, mutual information): references, invariants, edges."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special, stats
from sklearn.metrics import mutual_info_score
from sklearn.tree import DecisionTreeClassifier

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.information import (
    binary_entropy,
    conditional_entropy,
    entropy,
    information_gain,
    joint_entropy,
    mutual_information,
)
from support import (
    assert_cases_match_numpy,
    normalise,
    random_distributions,
    weight_elements,
    weight_vectors,
)

RTOL = 1e-10


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize("base", [None, 2, 10])
def test_entropy_matches_scipy(rng, base):
    p = random_distributions(rng, (6, 5))
    np.testing.assert_allclose(entropy(p, base=base), stats.entropy(p, base=base, axis=1), RTOL)
    np.testing.assert_allclose(
        entropy(p.T, base=base, axis=0), stats.entropy(p, base=base, axis=1), RTOL
    )


def test_binary_entropy_matches_scipy_entr(rng):
    p = np.concatenate([rng.random(50), [0.0, 0.25, 0.5, 1.0]])
    reference = special.entr(p) + special.entr(1 - p)
    np.testing.assert_allclose(binary_entropy(p), reference, RTOL, atol=1e-15)
    np.testing.assert_allclose(binary_entropy(p, base=2), reference / math.log(2), RTOL, 1e-15)


def test_binary_entropy_is_accurate_for_tiny_p():
    for p in (1e-12, 1e-20, 1e-300):
        with mpmath.workdps(40):
            x = mpmath.mpf(p)
            exact = -x * mpmath.log(x) - (1 - x) * mpmath.log(1 - x)
        assert float(binary_entropy(p)) == pytest.approx(float(exact), rel=1e-14)


def test_joint_and_conditional_entropy_match_scipy(rng):
    joint = rng.random((3, 4, 2))
    joint /= joint.sum()
    assert float(joint_entropy(joint)) == pytest.approx(stats.entropy(joint.ravel()), rel=RTOL)
    # H(Y | X) as the P(x)-weighted entropy of each conditional distribution P(Y | x).
    table = joint.sum(axis=2)
    rows = table.sum(axis=1)
    expected = sum(rows[i] * stats.entropy(table[i] / rows[i]) for i in range(3))
    assert float(conditional_entropy(table, given_axis=0)) == pytest.approx(expected, rel=RTOL)
    columns = table.sum(axis=0)
    expected = sum(columns[j] * stats.entropy(table[:, j] / columns[j]) for j in range(4))
    assert float(conditional_entropy(table, given_axis=-1)) == pytest.approx(expected, rel=RTOL)
    # Several remaining variables: H(Y, Z | X) = H(X, Y, Z) - H(X).
    chain = stats.entropy(joint.ravel()) - stats.entropy(joint.sum(axis=(1, 2)))
    assert float(conditional_entropy(joint, given_axis=0)) == pytest.approx(chain, rel=1e-9)


@pytest.mark.parametrize("tiny", [1e-9, 1e-20, 1e-300])
def test_mutual_information_with_a_nearly_impossible_cell_is_exact_and_silent(tiny):
    # P(y | x) / P(y) is tiny in the first cell, where log1p((a - b) / b) would be log1p(-1).
    joint = np.array([[tiny, 0.5 - tiny], [0.25, 0.25]])
    independent = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    expected = special.rel_entr(joint, independent).sum()
    assert float(mutual_information(joint)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tiny", [1e-9, 1e-20])
def test_mutual_information_gradient_is_finite_for_a_nearly_impossible_cell(torch, dtype, tiny):
    joint = np.array([[tiny, 0.5 - tiny], [0.25, 0.25]], dtype=dtype)
    table = torch.tensor(joint, requires_grad=True)
    mutual_information(table).backward()
    # With every cell a free variable, dI/dP(x, y) = log(P(x, y) / (P(x) P(y))) - 1.
    exact = joint.astype(np.float64)
    independent = exact.sum(axis=1, keepdims=True) * exact.sum(axis=0, keepdims=True)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(table.grad.numpy(), np.log(exact / independent) - 1, rtol=rtol)


def test_conditional_entropy_ignores_impossible_rows():
    table = np.array([[0.5, 0.5], [0.0, 0.0]])
    assert float(conditional_entropy(table, given_axis=0, base=2)) == pytest.approx(1.0, RTOL)


def test_mutual_information_matches_scikit_learn(rng):
    counts = rng.integers(0, 6, size=(4, 3)).astype(float)
    counts[0, 0] += 1
    joint = counts / counts.sum()
    expected = mutual_info_score(None, None, contingency=counts)
    assert float(mutual_information(joint)) == pytest.approx(expected, rel=1e-9)
    # The same quantity from label samples whose contingency table is `counts`.
    x = np.repeat(np.arange(4), counts.astype(int).sum(axis=1))
    y = np.concatenate([np.repeat(np.arange(3), row) for row in counts.astype(int)])
    assert float(mutual_information(joint)) == pytest.approx(mutual_info_score(x, y), rel=1e-9)


def test_information_gain_matches_scikit_learn_and_a_decision_stump(rng):
    labels = rng.integers(0, 3, size=200)
    feature = labels + rng.normal(0, 1.2, size=200)
    groups = rng.integers(0, 4, size=200)
    assert float(information_gain(labels, groups)) == pytest.approx(
        mutual_info_score(labels, groups), rel=1e-9
    )
    stump = DecisionTreeClassifier(max_depth=1, criterion="entropy", random_state=0)
    tree = stump.fit(feature[:, None], labels).tree_
    sizes = tree.n_node_samples
    # scikit-learn's "entropy" impurity is in bits; the root is node 0, children 1 and 2.
    decrease = (
        tree.impurity[0] - (sizes[1] * tree.impurity[1] + sizes[2] * tree.impurity[2]) / (sizes[0])
    )
    gain = information_gain(labels, feature <= tree.threshold[0], base=2)
    assert float(gain) == pytest.approx(decrease, rel=1e-9)


# --------------------------------------------------------------------------- worked examples


def test_guide_examples_reproduce():
    assert float(entropy([0.5, 0.5])) == pytest.approx(math.log(2), rel=RTOL)
    biased = -0.9 * math.log(0.9) - 0.1 * math.log(0.1)
    assert float(entropy([0.9, 0.1])) == pytest.approx(biased, rel=RTOL)
    assert float(entropy([0.9, 0.1])) == pytest.approx(0.3251, abs=5e-5)  # nats
    assert float(entropy([0.9, 0.1], base=2)) == pytest.approx(0.4690, abs=5e-5)  # bits


def test_play_tennis_information_gain_of_outlook():
    play = [0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0]
    outlook = [0, 0, 1, 2, 2, 2, 1, 0, 0, 2, 0, 1, 1, 2]  # sunny, overcast, rain
    expected = (
        stats.entropy([9, 5], base=2)
        - 5 / 14 * stats.entropy([2, 3], base=2)
        - 5 / 14 * stats.entropy([3, 2], base=2)
    )
    assert float(information_gain(play, outlook, base=2)) == pytest.approx(expected, rel=RTOL)
    assert expected == pytest.approx(0.2467, abs=5e-5)


# --------------------------------------------------------------------------- invariants


@given(weight_vectors)
def test_entropy_lies_between_zero_and_log_n(weights):
    p = normalise(weights)
    h = float(entropy(p))
    assert 0.0 <= h <= math.log(p.size) + 1e-12


_tables = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    elements=weight_elements,
)


@given(_tables)
def test_mutual_information_and_conditional_entropy_chain_rules(weights):
    joint = normalise(weights)
    h_xy = float(joint_entropy(joint))
    h_x, h_y = float(entropy(joint.sum(axis=1))), float(entropy(joint.sum(axis=0)))
    mi = float(mutual_information(joint))
    assert mi >= 0.0
    assert mi == pytest.approx(h_x + h_y - h_xy, abs=1e-12)
    assert float(conditional_entropy(joint, given_axis=0)) == pytest.approx(h_xy - h_x, abs=1e-12)
    assert float(conditional_entropy(joint, given_axis=1)) == pytest.approx(h_xy - h_y, abs=1e-12)


@given(
    hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 3)),
    st.data(),
)
def test_information_gain_is_bounded_by_the_parent_entropy(labels, data):
    groups = data.draw(hnp.arrays(np.int64, labels.shape, elements=st.integers(0, 2)))
    gain = float(information_gain(labels, groups))
    parent = stats.entropy(np.bincount(labels))
    assert 0.0 <= gain <= parent + 1e-12
    assert float(information_gain(labels, labels)) == pytest.approx(parent, abs=1e-12)


@given(st.floats(0.0, 1.0))
def test_binary_entropy_is_symmetric_and_at_most_one_bit(p):
    h = float(binary_entropy(p, base=2))
    assert 0.0 <= h <= 1.0
    assert h == pytest.approx(float(binary_entropy(1 - p, base=2)), abs=1e-12)


# --------------------------------------------------------------------------- edges


def test_certain_outcomes_have_exactly_zero_entropy():
    for value in (
        entropy([1.0, 0.0]),
        joint_entropy([[0.0, 1.0], [0.0, 0.0]]),
        binary_entropy(1.0),
        binary_entropy(0.0),
    ):
        assert float(value) == 0.0
        assert math.copysign(1.0, float(value)) == 1.0  # +0.0, not -0.0


def test_batches_reduce_along_the_chosen_axis(rng):
    p = random_distributions(rng, (3, 4))
    assert entropy(p).shape == (3,)


def test_information_gain_accepts_a_boolean_split():
    labels = np.array([0, 0, 1, 1])
    x = np.array([0.1, 0.2, 0.8, 0.9])
    assert float(information_gain(labels, x <= 0.5, base=2)) == pytest.approx(1.0, rel=RTOL)
    assert float(information_gain(labels, np.zeros(4, dtype=int))) == 0.0


def test_float32_is_kept(rng):
    p = random_distributions(rng, (3, 4)).astype(np.float32)
    joint = (p / 3).astype(np.float32)
    cases = [
        (entropy, (p,)),
        (joint_entropy, (joint,)),
        (conditional_entropy, (joint, 0)),
        (mutual_information, (joint,)),
        (binary_entropy, (p,)),
        (information_gain, (np.array([0, 1, 1], np.float32), np.array([0, 0, 1], np.float32))),
    ]
    for function, args in cases:
        result = function(*args)
        assert result.dtype == np.float32, function.__name__
        expected = function(*(a.astype(np.float64) if hasattr(a, "astype") else a for a in args))
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: entropy([-0.5, 1.5]), ProbabilityError, "p must hold non-negative .* -0.5"),
        (lambda: entropy([np.nan, 1.0]), ProbabilityError, "p must hold finite .* NaN"),
        (lambda: entropy([0.2, 0.2]), ProbabilityError, "p must sum to 1 along axis -1, got 0.4"),
        (lambda: entropy([]), EmptyInputError, "p must not be empty"),
        (lambda: entropy(0.5), ShapeError, "p must have at least one dimension"),
        (lambda: entropy([[0.5, 0.5]], axis=2), ShapeError, "axis must be in"),
        (lambda: entropy("abc"), ArrayTypeError, "p must be an array of real numbers"),
        (lambda: entropy([0.5, 0.5], base=1), ValidationError, "base must be a positive .* 1"),
        (lambda: entropy([0.5, 0.5], base=-2.0), ValidationError, "base must be .* got -2.0"),
        (lambda: entropy([0.5, 0.5], base="2"), ArrayTypeError, "base must be a real number"),
        (lambda: joint_entropy([[0.5, 0.4]]), ProbabilityError, "joint must sum to 1 over all"),
        (lambda: conditional_entropy([0.5, 0.5], 0), ShapeError, "at least 2 dimensions"),
        (lambda: conditional_entropy(np.eye(2) / 2, 2), ShapeError, "given_axis must be in"),
        (lambda: mutual_information(np.ones((2, 2, 2)) / 8), ShapeError, "must be a 2-D table"),
        (lambda: information_gain([[0, 1]], [[0, 1]]), ShapeError, "labels must be 1-D"),
        (lambda: information_gain([0, 1], [0, 1, 1]), ShapeError, "labels and groups must have"),
        (lambda: information_gain([0, 0.5], [0, 1]), ValidationError, "labels must hold integers"),
        (lambda: information_gain([], []), EmptyInputError, "labels must not be empty"),
        (lambda: information_gain([0, 1], [0, np.nan]), NonFiniteError, "groups must be finite"),
        (lambda: binary_entropy(1.5), ValidationError, r"p must lie in \[0.0, 1.0\], got 1.5"),
        (lambda: binary_entropy(np.nan), NonFiniteError, "p must be finite, got NaN"),
        (lambda: binary_entropy([]), EmptyInputError, r"p must not be empty, got shape \(0,\)"),
        (lambda: mutual_information(np.empty((2, 0))), EmptyInputError, "joint must not be"),
        (lambda: conditional_entropy(np.empty((0, 2)), 0), EmptyInputError, "joint must not"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API


def _backend_cases(rng):
    p = random_distributions(rng, (2, 3))
    joint = p / 2
    return [
        (entropy, (p,), {"base": 2}),
        (binary_entropy, (p,), {}),
        (joint_entropy, (joint,), {}),
        (conditional_entropy, (joint, 1), {}),
        (mutual_information, (joint,), {}),
        (information_gain, (np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1])), {}),
    ]


def test_every_backend_returns_its_own_kind(backend, rng):
    assert_cases_match_numpy(backend, _backend_cases(rng))


def test_torch_autograd_flows(torch):
    double = torch.float64
    gen = torch.Generator().manual_seed(0)
    # Two 2x4 draws, as in test_divergences, so m and s are the same numbers there and here.
    a, _ = (torch.randn(2, 4, dtype=double, generator=gen, requires_grad=True) for _ in range(2))
    m = torch.randn(6, dtype=double, generator=gen, requires_grad=True)
    s = torch.rand(3, dtype=double, generator=gen, requires_grad=True)
    checks = [
        (lambda a: entropy(torch.softmax(a, -1), base=2), (a,)),
        (lambda m: mutual_information(torch.softmax(m, 0).reshape(2, 3)), (m,)),
        (lambda m: conditional_entropy(torch.softmax(m, 0).reshape(3, 2), 0), (m,)),
        (lambda s: binary_entropy(torch.sigmoid(s)), (s,)),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)


def test_entropy_gradient_is_finite_at_zero_probabilities(torch):
    p = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64, requires_grad=True)
    entropy(p).backward()
    expected = torch.tensor([-(math.log(0.5) + 1)] * 2 + [0.0], dtype=torch.float64)
    torch.testing.assert_close(p.grad, expected)
