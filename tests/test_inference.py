"""Layer 1 inference: population loss, optimal hard and soft predictors, log loss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.metrics import mean_squared_error, zero_one_loss
from sklearn.preprocessing import normalize

from mlequations._array import (
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.inference import (
    log_loss,
    optimal_hard_predictor,
    optimal_soft_predictor,
    population_log_loss,
    population_loss,
)
from support import assert_backend_matches_numpy, assert_float32_kept, random_table

GUIDE_JOINT = np.array([[0.45, 0.05], [0.10, 0.40]])  # rows x, columns t


def as_samples(joint, t_values=None):
    """The cells of a joint table as weighted samples (x index, t value, weight)."""
    n_x, n_t = joint.shape
    t_values = np.arange(n_t) if t_values is None else np.asarray(t_values)
    rows, columns = np.meshgrid(np.arange(n_x), np.arange(n_t), indexing="ij")
    return rows.ravel(), t_values[columns.ravel()], joint.ravel()


def brute_force_best(joint, loss, candidates):
    """Minimum population loss over every map from rows to candidate predictions."""
    return min(
        float(population_loss(joint, list(choice), loss, t_values=candidates))
        for choice in itertools.product(candidates, repeat=joint.shape[0])
    )


joints = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(2, 4)),
    elements=st.floats(0.0, 1.0),
).filter(lambda a: a.sum() > 0.1)


# --------------------------------------------------------------------------- worked examples


def test_guide_population_loss_examples():
    _, t, weight = as_samples(GUIDE_JOINT)
    always_one = float(population_loss(GUIDE_JOINT, [1, 1]))
    assert always_one == pytest.approx(0.55)
    assert always_one == pytest.approx(
        zero_one_loss(t, np.ones_like(t), sample_weight=weight), rel=1e-12
    )
    best = optimal_hard_predictor(GUIDE_JOINT)
    np.testing.assert_array_equal(best, [0, 1])  # t(0) = 0, t(1) = 1
    assert float(population_loss(GUIDE_JOINT, best)) == pytest.approx(0.15)
    assert float(population_loss(GUIDE_JOINT, [1, 0])) == pytest.approx(0.85)  # the guide's
    assert brute_force_best(GUIDE_JOINT, "zero_one", [0, 1]) == pytest.approx(0.15)


def test_guide_soft_predictor_example():
    posterior = optimal_soft_predictor(GUIDE_JOINT)
    np.testing.assert_allclose(posterior, [[0.9, 0.1], [0.2, 0.8]])  # q(t|1) = Bern(t|0.8)
    np.testing.assert_allclose(posterior, normalize(GUIDE_JOINT, norm="l1"), rtol=1e-12)
    assert 1 - float(posterior[1].max()) == pytest.approx(0.2)  # error probability of t(1) = 1


# --------------------------------------------------------------------------- hard prediction


def test_population_loss_matches_scikit_learn(rng):
    joint = random_table(rng, (5, 3), low=0.01)
    t_values = np.asarray([-1.0, 2.0, 5.0])
    predictor = rng.choice(t_values, size=5)
    x, t, weight = as_samples(joint, t_values)
    assert float(population_loss(joint, predictor, "zero_one", t_values)) == pytest.approx(
        zero_one_loss(t, predictor[x], sample_weight=weight), rel=1e-12
    )
    continuous = rng.normal(size=5)
    assert float(population_loss(joint, continuous, "quadratic", t_values)) == pytest.approx(
        mean_squared_error(t, continuous[x], sample_weight=weight), rel=1e-12
    )
    squared = population_loss(joint, continuous, lambda a, b: (a - b) ** 2, t_values)
    assert float(squared) == pytest.approx(
        float(population_loss(joint, continuous, "quadratic", t_values)), rel=1e-12
    )


def test_optimal_predictors_beat_every_alternative(rng):
    for _ in range(5):
        joint = random_table(rng, (3, 3), low=0.01)
        t_values = np.asarray([0.0, 1.0, 4.0])
        best = optimal_hard_predictor(joint, "zero_one", t_values)
        assert float(population_loss(joint, best, "zero_one", t_values)) == pytest.approx(
            brute_force_best(joint, "zero_one", t_values), rel=1e-12
        )
        mean = optimal_hard_predictor(joint, "quadratic", t_values)
        posterior = joint / joint.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(mean, posterior @ t_values, rtol=1e-12)
        minimum = float(population_loss(joint, mean, "quadratic", t_values))
        # The minimum is the expected posterior variance, E_x[Var(t | x)].
        variance = posterior @ t_values**2 - (posterior @ t_values) ** 2
        assert minimum == pytest.approx(joint.sum(axis=1) @ variance, rel=1e-10)
        for shift in rng.normal(size=(5, 3)) * 0.1:
            assert float(population_loss(joint, mean + shift, "quadratic", t_values)) > minimum


def test_asymmetric_loss_changes_the_optimal_decision():
    joint = np.asarray([[0.4, 0.3], [0.1, 0.2]])

    def costly_false_alarm(t, t_hat):  # loss(0, 1) = 1, loss(1, 0) = 0.1
        return np.where((t == 0) & (t_hat == 1), 1.0, np.where((t == 1) & (t_hat == 0), 0.1, 0.0))

    np.testing.assert_array_equal(optimal_hard_predictor(joint), [0, 1])
    best = optimal_hard_predictor(joint, costly_false_alarm)
    np.testing.assert_array_equal(best, [0, 0])
    assert float(population_loss(joint, best, costly_false_alarm)) == pytest.approx(
        brute_force_best(joint, costly_false_alarm, [0.0, 1.0]), rel=1e-12
    )


def test_rows_of_probability_zero_use_the_marginal_of_t():
    joint = np.asarray([[0.0, 0.0, 0.0], [0.1, 0.2, 0.3], [0.3, 0.0, 0.1]])
    marginal_t = joint.sum(axis=0)
    soft = optimal_soft_predictor(joint)
    np.testing.assert_allclose(soft[0], marginal_t)
    np.testing.assert_allclose(soft[1:], normalize(joint[1:], norm="l1"))
    assert optimal_hard_predictor(joint)[0] == np.argmax(marginal_t)
    assert float(optimal_hard_predictor(joint, "quadratic")[0]) == pytest.approx(
        marginal_t @ np.arange(3)
    )


# --------------------------------------------------------------------------- soft prediction


def test_population_log_loss_matches_scikit_learn(rng):
    joint = random_table(rng, (4, 3), low=0.01)
    q = rng.random((4, 3)) + 0.1
    q /= q.sum(axis=1, keepdims=True)
    x, t, weight = as_samples(joint)
    reference = sklearn_log_loss(t, q[x], sample_weight=weight, labels=[0, 1, 2])
    assert float(population_log_loss(joint, q)) == pytest.approx(reference, rel=1e-12)
    assert log_loss is population_log_loss


def test_the_posterior_reaches_the_conditional_entropy(rng):
    joint = random_table(rng, (3, 4), low=0.01)
    conditional_entropy = stats.entropy(joint.ravel()) - stats.entropy(joint.sum(axis=1))
    best = float(population_log_loss(joint, optimal_soft_predictor(joint)))
    assert best == pytest.approx(conditional_entropy, rel=1e-12)
    assert float(population_log_loss(GUIDE_JOINT, optimal_soft_predictor(GUIDE_JOINT))) == (
        pytest.approx(0.4127, abs=1e-4)
    )


@given(joints, st.randoms(use_true_random=False))
def test_no_soft_predictor_beats_the_posterior(raw, random):
    joint = raw / raw.sum()
    q = np.asarray([[random.uniform(0.01, 1.0) for _ in row] for row in joint])
    q /= q.sum(axis=1, keepdims=True)
    best = float(population_log_loss(joint, optimal_soft_predictor(joint)))
    assert float(population_log_loss(joint, q)) >= best - 1e-12
    assert best >= -1e-15


def test_log_loss_edges():
    deterministic = np.asarray([[0.5, 0.0], [0.0, 0.5]])
    assert float(population_log_loss(deterministic, [[1.0, 0.0], [0.0, 1.0]])) == 0.0
    assert float(population_log_loss(GUIDE_JOINT, [[1.0, 0.0], [0.0, 1.0]])) == np.inf


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: population_loss([0.5, 0.5], [0]), ShapeError, r"got shape \(2,\)"),
        (lambda: population_loss([[0.5, 0.4]], [0]), ProbabilityError, "got 0.9"),
        (lambda: population_loss([[0.5, -0.1, 0.6]], [0]), ProbabilityError, "non-negative"),
        (lambda: population_loss([[np.nan, 1.0]], [0]), ProbabilityError, "got NaN"),
        (lambda: population_loss(np.zeros((0, 2)), []), EmptyInputError, "joint must not"),
        (lambda: population_loss(GUIDE_JOINT, [0, 1, 1]), ShapeError, r"predictor must have"),
        (lambda: population_loss(GUIDE_JOINT, [0, np.nan]), NonFiniteError, "predictor must"),
        (lambda: population_loss(GUIDE_JOINT, [0, 1], "hinge"), ValidationError, "'hinge'"),
        (
            lambda: population_loss(GUIDE_JOINT, [0, 1], t_values=[0, 1, 2]),
            ShapeError,
            r"t_values must have shape \(2,\)",
        ),
        (
            lambda: population_loss(GUIDE_JOINT, [0, 1], lambda t, h: np.where(t > h, np.inf, 0.0)),
            NonFiniteError,
            r"loss\(t, t_hat\) must be finite",
        ),
        (lambda: optimal_hard_predictor(GUIDE_JOINT, "l1"), ValidationError, "loss must be"),
        (lambda: optimal_soft_predictor([[0.2, 0.2]]), ProbabilityError, "joint must sum to 1"),
        (
            lambda: population_log_loss(GUIDE_JOINT, [[0.5, 0.5]]),
            ShapeError,
            "joint and soft_predictor must have the same shape",
        ),
        (
            lambda: population_log_loss(GUIDE_JOINT, [[0.5, 0.6], [0.5, 0.5]]),
            ProbabilityError,
            "soft_predictor must sum to 1 along axis -1, got 1.1",
        ),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API and dtypes


def _population_loss_at(joint, predictor, t_values, **kwargs):
    """population_loss with t_values by keyword, so that every argument is an array."""
    return population_loss(joint, predictor, t_values=t_values, **kwargs)


CASES = {
    "population_loss": (population_loss, [GUIDE_JOINT, [1.0, 1.0]], {}),
    "population_loss_quadratic": (
        _population_loss_at,
        [GUIDE_JOINT, [0.3, 0.7], [-1.0, 2.0]],
        {"loss": "quadratic"},
    ),
    "optimal_hard_predictor": (optimal_hard_predictor, [GUIDE_JOINT], {}),
    "optimal_hard_predictor_quadratic": (
        optimal_hard_predictor,
        [GUIDE_JOINT],
        {"loss": "quadratic"},
    ),
    "optimal_soft_predictor": (optimal_soft_predictor, [GUIDE_JOINT], {}),
    "population_log_loss": (population_log_loss, [GUIDE_JOINT, [[0.7, 0.3], [0.4, 0.6]]], {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backends_return_their_kind_and_numpy_values(backend, name):
    assert_backend_matches_numpy(backend, *CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    assert_float32_kept(*CASES[name])


def test_integer_predictions_do_not_upcast_a_float32_joint():
    joint = GUIDE_JOINT.astype(np.float32)
    assert population_loss(joint, np.asarray([0, 1])).dtype == np.float32
    t_values = np.asarray([-1, 1])
    assert optimal_hard_predictor(joint, "quadratic", t_values).dtype == np.float32


def test_autograd(torch):
    dtype = torch.float64
    joint = torch.tensor([[0.45, 0.05], [0.10, 0.40]], dtype=dtype)
    t_values = torch.tensor([0.0, 1.0], dtype=dtype)
    predictor = torch.tensor([0.3, 0.6], dtype=dtype, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda p: population_loss(joint, p, "quadratic", t_values), (predictor,)
    )
    population_loss(joint, predictor, "quadratic").backward()
    # d/dt_hat(x) sum_t p(x, t) (t - t_hat(x))^2 = 2 sum_t p(x, t) (t_hat(x) - t)
    expected = 2 * (joint.sum(dim=1) * predictor.detach() - joint @ t_values)
    torch.testing.assert_close(predictor.grad, expected)

    q = torch.tensor([[0.7, 0.3], [0.4, 0.6]], dtype=dtype, requires_grad=True)
    population_log_loss(joint, q).backward()
    torch.testing.assert_close(q.grad, -joint / q.detach())

    table = joint.clone().requires_grad_()
    optimal_soft_predictor(table)[0, 0].backward()
    row = 0.45 + 0.05
    expected = torch.tensor([[0.05 / row**2, -0.45 / row**2], [0.0, 0.0]], dtype=dtype)
    torch.testing.assert_close(table.grad, expected)
