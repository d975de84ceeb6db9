"""Losses: scikit-learn, PyTorch, SciPy and NumPy references, invariants, edges and backends."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special
from sklearn import metrics

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.losses import (
    binary_cross_entropy,
    categorical_cross_entropy,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
)
from mlequations.margin_losses import (
    classification_margin,
    detection_error_loss,
    exponential_loss,
    hinge_at_zero_loss,
    hinge_loss,
    logistic_loss,
    quadratic_loss,
    zero_one_loss,
)

MARGIN_LOSSES = [
    detection_error_loss,
    exponential_loss,
    hinge_loss,
    hinge_at_zero_loss,
    logistic_loss,
]


def _labels(rng, shape, classes=2):
    return rng.integers(0, classes, size=shape)


# --------------------------------------------------------------------------- worked examples


def test_mse_of_the_guide_is_002_not_the_printed_001():
    ours = float(mean_squared_error([1, 2, 3], [1.1, 1.9, 3.2]))
    assert ours == pytest.approx((0.1**2 + 0.1**2 + 0.2**2) / 3, rel=1e-12)
    assert ours == pytest.approx(0.02, abs=1e-12)
    assert ours == pytest.approx(metrics.mean_squared_error([1, 2, 3], [1.1, 1.9, 3.2]), rel=1e-12)
    assert mse is mean_squared_error
    assert mae is mean_absolute_error


def test_bce_of_the_guide_is_01446_and_its_printed_number_is_the_positive_only_mean():
    y, p = [1, 0, 1], [0.9, 0.1, 0.8]
    ours = float(binary_cross_entropy(y, p))
    assert ours == pytest.approx(metrics.log_loss(y, p), rel=1e-12)
    assert ours == pytest.approx(-(math.log(0.9) + math.log(0.9) + math.log(0.8)) / 3, rel=1e-12)
    assert round(ours, 4) == 0.1446
    guide_printed = 0.164252033486018
    positive_only = float(binary_cross_entropy([1, 1], [0.9, 0.8]))
    assert positive_only == pytest.approx(guide_printed, rel=1e-12)
    assert ours != pytest.approx(guide_printed, rel=1e-3)


def test_the_guides_margin_examples():
    # Network example: t = 0 and output a = -2 give margin 2 and logistic loss ≈ 0.13.
    margin = classification_margin(0, -2.0)
    assert float(margin) == 2.0
    assert float(logistic_loss(margin)) == pytest.approx(math.log1p(math.exp(-2.0)), rel=1e-14)
    assert round(float(logistic_loss(margin)), 2) == 0.13
    # Perceptron: theta = -1 on (2.1, t=1), then theta = -0.79 on (-1.5, t=0); both are wrong.
    margins = classification_margin([1, 0], [-1.0 * 2.1, -0.79 * -1.5])
    np.testing.assert_allclose(margins, [-2.1, -1.185], rtol=1e-14)
    np.testing.assert_array_equal(detection_error_loss(margins), [1.0, 1.0])
    np.testing.assert_allclose(hinge_at_zero_loss(margins), [2.1, 1.185], rtol=1e-14)


def test_quadratic_loss_of_the_guides_validation_example():
    t, t_hat = [0.0, 1.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]
    np.testing.assert_array_equal(quadratic_loss(t, t_hat), [4.0, 1.0, 0.0, 0.0])
    assert float(quadratic_loss(t, t_hat, reduction="mean")) == 5 / 4


# --------------------------------------------------------------------------- references


def test_regression_losses_match_sklearn_and_torch(rng, torch):
    y, y_hat = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    ty, ty_hat = torch.from_numpy(y), torch.from_numpy(y_hat)
    functional = torch.nn.functional
    for ours, sk, th in [
        (mean_squared_error, metrics.mean_squared_error, functional.mse_loss),
        (mean_absolute_error, metrics.mean_absolute_error, functional.l1_loss),
    ]:
        assert float(ours(y, y_hat)) == pytest.approx(float(th(ty, ty_hat)), rel=1e-12)
        for reduction in ("sum", "none"):
            expected = th(ty, ty_hat, reduction=reduction).numpy()
            np.testing.assert_allclose(ours(y, y_hat, reduction=reduction), expected, rtol=1e-12)
        per_column = sk(y, y_hat, multioutput="raw_values")
        np.testing.assert_allclose(ours(y, y_hat, axis=0), per_column, rtol=1e-12)
        np.testing.assert_allclose(ours(y, y_hat, axis=-2), per_column, rtol=1e-12)


def test_bce_on_probabilities_matches_sklearn_and_torch(rng, torch):
    y = _labels(rng, 50).astype(float)
    p = rng.uniform(0.01, 0.99, 50)
    soft = rng.uniform(0, 1, 50)
    assert float(binary_cross_entropy(y, p)) == pytest.approx(metrics.log_loss(y, p), rel=1e-12)
    for target in (y, soft):
        expected = torch.nn.functional.binary_cross_entropy(
            torch.from_numpy(p), torch.from_numpy(target), reduction="none"
        )
        ours = binary_cross_entropy(target, p, reduction="none")
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-12)


def test_bce_on_logits_matches_torch(rng, torch):
    z = rng.normal(scale=20, size=(40, 2))
    for target in (_labels(rng, (40, 2)).astype(float), rng.uniform(0, 1, (40, 2))):
        expected = torch.nn.functional.binary_cross_entropy_with_logits(
            torch.from_numpy(z), torch.from_numpy(target), reduction="none"
        )
        ours = binary_cross_entropy(target, z, from_logits=True, reduction="none")
        # PyTorch loses about eps * |z| absolutely where the loss is tiny.
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-12, atol=1e-14)
        # Exact reference: -log(sigmoid(+-z)) for hard labels and their mixture for soft ones.
        exact = -(target * special.log_expit(z) + (1 - target) * special.log_expit(-z))
        np.testing.assert_allclose(ours, exact, rtol=1e-13)


def test_cce_on_logits_matches_torch_cross_entropy(rng, torch):
    z = rng.normal(scale=5, size=(30, 4))
    labels = _labels(rng, 30, 4)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(labels))
    assert float(categorical_cross_entropy(labels, z, from_logits=True)) == pytest.approx(
        float(expected), rel=1e-12
    )
    # Class axis in the middle, as PyTorch's (N, C, d) layout.
    z3, labels3 = rng.normal(size=(5, 4, 6)), _labels(rng, (5, 6), 4)
    expected3 = torch.nn.functional.cross_entropy(
        torch.from_numpy(z3), torch.from_numpy(labels3), reduction="none"
    )
    ours3 = categorical_cross_entropy(labels3, z3, from_logits=True, axis=1, reduction="none")
    np.testing.assert_allclose(ours3, expected3.numpy(), rtol=1e-12)
    # Soft targets.
    soft = special.softmax(rng.normal(size=(30, 4)), axis=1)
    expected_soft = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(soft))
    ours_soft = categorical_cross_entropy(soft, z, from_logits=True, reduction="sum") / 30
    assert float(ours_soft) == pytest.approx(float(expected_soft), rel=1e-12)


def test_cce_on_probabilities_matches_sklearn_and_nll_loss(rng, torch):
    p = special.softmax(rng.normal(size=(25, 3)), axis=1)
    labels = _labels(rng, 25, 3)
    ours = categorical_cross_entropy(labels, p)
    assert float(ours) == pytest.approx(metrics.log_loss(labels, p, labels=[0, 1, 2]), rel=1e-12)
    nll = torch.nn.functional.nll_loss(
        torch.log(torch.from_numpy(p)), torch.from_numpy(labels), reduction="none"
    )
    np.testing.assert_allclose(
        categorical_cross_entropy(labels, p, reduction="none"), nll.numpy(), rtol=1e-12
    )
    one_hot = np.eye(3)[labels]
    np.testing.assert_allclose(
        categorical_cross_entropy(one_hot, p, reduction="none"),
        categorical_cross_entropy(labels, p, reduction="none"),
        rtol=1e-14,
    )
    # Class axis first.
    np.testing.assert_allclose(
        categorical_cross_entropy(labels, p.T, axis=0), float(ours), rtol=1e-14
    )


def test_zero_one_loss_matches_sklearn(rng):
    t, t_hat = _labels(rng, 40, 3), _labels(rng, 40, 3)
    assert float(zero_one_loss(t, t_hat, reduction="mean")) == metrics.zero_one_loss(t, t_hat)
    assert float(zero_one_loss(t, t_hat, reduction="sum")) == metrics.zero_one_loss(
        t, t_hat, normalize=False
    )
    np.testing.assert_array_equal(zero_one_loss(t, t_hat), (t != t_hat).astype(float))


def test_margin_losses_match_their_references(rng, torch):
    t, score = _labels(rng, 60), rng.normal(scale=3, size=60)
    t_pm = 2.0 * t - 1.0
    m = classification_margin(t, score)
    np.testing.assert_allclose(m, t_pm * score, rtol=1e-15)
    assert float(hinge_loss(m, reduction="mean")) == pytest.approx(
        metrics.hinge_loss(t_pm, score), rel=1e-12
    )
    soft_margin = torch.nn.functional.soft_margin_loss(
        torch.from_numpy(score), torch.from_numpy(t_pm)
    )
    assert float(logistic_loss(m, reduction="mean")) == pytest.approx(float(soft_margin), rel=1e-12)
    np.testing.assert_allclose(logistic_loss(m), -special.log_expit(m), rtol=1e-13)
    np.testing.assert_allclose(exponential_loss(m), np.exp(-m), rtol=1e-14)
    np.testing.assert_array_equal(hinge_at_zero_loss(m), np.maximum(-m, 0.0))
    np.testing.assert_array_equal(detection_error_loss(m), np.heaviside(-m, 1.0))


# --------------------------------------------------------------------------- float32


FLOAT32_CASES = [
    (mean_squared_error, ([0.5, 1.5, -2.0], [0.25, 1.0, 3.0]), {}),
    (mean_absolute_error, ([0.5, 1.5, -2.0], [0.25, 1.0, 3.0]), {}),
    (binary_cross_entropy, ([1.0, 0.0, 1.0], [0.9, 0.2, 0.6]), {}),
    (binary_cross_entropy, ([1.0, 0.0, 1.0], [3.0, -1.0, -0.5]), {"from_logits": True}),
    (categorical_cross_entropy, ([[0.0, 1.0], [1.0, 0.0]], [[0.3, 0.7], [0.6, 0.4]]), {}),
    (
        categorical_cross_entropy,
        ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [-1.0, 0.5]]),
        {"from_logits": True},
    ),
    (quadratic_loss, ([1.0, 2.0], [1.5, 0.0]), {}),
    (zero_one_loss, ([1.0, 2.0], [1.0, 0.0]), {}),
    (classification_margin, ([1.0, 0.0], [1.5, 0.7]), {}),
    *[(f, ([-1.5, 0.0, 0.7],), {}) for f in MARGIN_LOSSES],
]


@pytest.mark.parametrize(("function", "args", "kwargs"), FLOAT32_CASES)
def test_float32_is_kept_and_accurate(function, args, kwargs):
    wide = function(*[np.asarray(a, dtype=np.float64) for a in args], **kwargs)
    narrow = function(*[np.asarray(a, dtype=np.float32) for a in args], **kwargs)
    assert narrow.dtype == np.float32
    np.testing.assert_allclose(narrow, wide, rtol=1e-5, atol=1e-6)


def test_integer_labels_do_not_upcast_float32_predictions():
    p = np.asarray([0.9, 0.1, 0.8], dtype=np.float32)
    labels = np.asarray([1, 0, 1])
    assert binary_cross_entropy(labels, p).dtype == np.float32
    assert classification_margin(labels, p).dtype == np.float32
    z = np.asarray([[1.0, 2.0, 0.5]], dtype=np.float32)
    assert categorical_cross_entropy(np.asarray([2]), z, from_logits=True).dtype == np.float32


# --------------------------------------------------------------------------- edges


def test_bce_at_certain_probabilities_is_exact_zero_or_inf_without_warnings():
    # filterwarnings = error: any log(0) or divide warning would fail this test.
    losses = binary_cross_entropy([1, 0, 1, 0], [1.0, 0.0, 0.0, 1.0], reduction="none")
    np.testing.assert_array_equal(losses, [0.0, 0.0, np.inf, np.inf])
    assert not np.signbit(losses[0])
    assert float(binary_cross_entropy([1, 0], [1.0, 0.0])) == 0.0
    assert float(binary_cross_entropy([0.5], [0.0])) == np.inf


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logits_of_1e4_are_finite_and_exact(dtype):
    z = np.asarray([1e4, -1e4], dtype=dtype)
    ones, zeros = np.ones(2, dtype=dtype), np.zeros(2, dtype=dtype)
    positive = binary_cross_entropy(ones, z, from_logits=True, reduction="none")
    negative = binary_cross_entropy(zeros, z, from_logits=True, reduction="none")
    np.testing.assert_array_equal(positive, [0.0, 1e4])
    np.testing.assert_array_equal(negative, [1e4, 0.0])
    assert positive.dtype == dtype
    np.testing.assert_array_equal(logistic_loss(z), [0.0, 1e4])
    logits = np.asarray([[1e4, -1e4, 0.0]] * 3, dtype=dtype)
    losses = categorical_cross_entropy([0, 1, 2], logits, from_logits=True, reduction="none")
    np.testing.assert_array_equal(losses, [0.0, 2e4, 1e4])
    assert losses.dtype == dtype


def test_margin_edges():
    assert float(logistic_loss(0.0)) == pytest.approx(math.log(2.0), rel=1e-15)
    np.testing.assert_array_equal(detection_error_loss([0.0, -0.0, 1e-300]), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(exponential_loss([-1000.0, np.inf, -np.inf]), [np.inf, 0, np.inf])
    big = exponential_loss(np.asarray([-88.0, -89.0], dtype=np.float32))
    assert np.isfinite(big[0])
    assert big[1] == np.inf
    np.testing.assert_array_equal(logistic_loss([np.inf, -np.inf]), [0.0, np.inf])
    np.testing.assert_array_equal(hinge_loss([np.inf, 1.0]), [0.0, 0.0])
    assert classification_margin(0, np.inf) == -np.inf


EMPTY_CASES = [
    (mean_squared_error, ([], []), "y_pred"),
    (mean_absolute_error, (np.zeros((0, 2)), np.zeros((0, 2))), "y_pred"),
    (binary_cross_entropy, ([], []), "p"),
    (quadratic_loss, ([], []), "t_hat"),
    (zero_one_loss, ([], []), "t_hat"),
    *[(f, ([],), "margin") for f in MARGIN_LOSSES],
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("function", "args", "name"), EMPTY_CASES)
def test_empty_inputs_are_rejected_whatever_the_reduction(function, args, name, reduction):
    # An empty sum of 0 (or an empty array of losses) would hide a missing batch.
    with pytest.raises(EmptyInputError, match=rf"^{name} must not be empty, got shape"):
        function(*args, reduction=reduction)
    for labels, p in [([], np.zeros((0, 3))), (np.zeros(2), np.zeros((2, 0)))]:
        with pytest.raises(EmptyInputError, match=r"^p must not be empty"):
            categorical_cross_entropy(labels, p, reduction=reduction)


def test_empty_margins_are_rejected():
    with pytest.raises(EmptyInputError, match=r"^score must not be empty, got shape \(0,\)"):
        classification_margin([], [])


# --------------------------------------------------------------------------- signatures


def test_cross_entropies_take_y_p_and_from_logits_as_the_issue_names_them(rng, torch):
    y = _labels(rng, 8).astype(float)
    z = rng.normal(scale=3, size=8)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(y)
    )
    for result in (
        binary_cross_entropy(y, z, True),
        binary_cross_entropy(y=y, p=z, from_logits=True),
    ):
        assert float(result) == pytest.approx(float(expected), rel=1e-12)
    probabilities = special.expit(z)
    assert float(binary_cross_entropy(y=y, p=probabilities)) == pytest.approx(
        metrics.log_loss(y, probabilities), rel=1e-12
    )
    logits, classes = rng.normal(size=(6, 3)), _labels(rng, 6, 3)
    expected = torch.nn.functional.cross_entropy(
        torch.from_numpy(logits), torch.from_numpy(classes)
    )
    for result in (
        categorical_cross_entropy(classes, logits, True),
        categorical_cross_entropy(y=classes, p=logits, from_logits=True),
    ):
        assert float(result) == pytest.approx(float(expected), rel=1e-12)
    with pytest.raises(TypeError, match="y_true"):
        binary_cross_entropy(y_true=y, y_pred=probabilities)
    with pytest.raises(TypeError, match="y_true"):
        categorical_cross_entropy(y_true=classes, y_pred=special.softmax(logits, axis=1))


@pytest.mark.parametrize("function", [binary_cross_entropy, categorical_cross_entropy])
def test_from_logits_must_be_a_flag(function):
    # A reduction given in the third place must not be taken for a true from_logits.
    with pytest.raises(ArrayTypeError, match="from_logits must be True or False, got 'sum'"):
        function([1.0], [[0.2, 0.8]] if function is categorical_cross_entropy else [0.8], "sum")


def test_cce_of_logits_farther_apart_than_the_largest_float_is_exact_and_silent():
    # filterwarnings = error: the overflow of -1.7e308 - 1.7e308 would fail this test.
    # Closed form: -log softmax(z)_c = logsumexp(z) - z_c = max(z) - z_c + log(1 + e^{-gap}).
    z = np.asarray([[-1.7e308, 1.7e308]])
    assert float(categorical_cross_entropy([1], z, True)) == 0.0
    assert float(categorical_cross_entropy([0], z, True)) == np.inf  # 3.4e308 overflows
    soft = categorical_cross_entropy([[0.0, 1.0]], z, True)
    assert float(soft) == 0.0
    single = categorical_cross_entropy([1], np.asarray([[-3e38, 3e38]], np.float32), True)
    assert single.dtype == np.float32
    assert float(single) == 0.0


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e3, 1e3, allow_nan=False)
pairs = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, n, elements=finite), hnp.arrays(np.float64, n, elements=finite)
    )
)
margins = hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-50, 50))


@given(pairs)
def test_regression_losses_are_nonnegative_and_mse_is_the_mean_quadratic_loss(pair):
    y, y_hat = pair
    assert float(mean_squared_error(y, y_hat)) >= 0
    assert float(mean_absolute_error(y, y_hat)) >= 0
    assert float(mean_squared_error(y, y_hat)) == pytest.approx(
        float(np.mean(quadratic_loss(y, y_hat))), rel=1e-12
    )
    assert float(mean_squared_error(y, y_hat)) >= float(mean_absolute_error(y, y_hat)) ** 2 * (
        1 - 1e-12
    )


@given(
    hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-20, 20)),
    st.integers(0, 2**32 - 1),
)
def test_bce_from_logits_equals_bce_of_sigmoid(z, seed):
    y = _labels(np.random.default_rng(seed), z.shape).astype(float)
    from_logits = binary_cross_entropy(y, z, from_logits=True, reduction="none")
    from_probabilities = binary_cross_entropy(y, special.expit(z), reduction="none")
    assert np.all(from_logits >= 0)
    np.testing.assert_allclose(from_logits, from_probabilities, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(
        logistic_loss(classification_margin(y, z)), from_logits, rtol=1e-12, atol=1e-300
    )


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=finite),
    st.integers(0, 2**32 - 1),
)
def test_cce_from_logits_equals_cce_of_softmax_and_is_nonnegative(z, seed):
    labels = _labels(np.random.default_rng(seed), z.shape[0], z.shape[1])
    from_logits = categorical_cross_entropy(labels, z, from_logits=True, reduction="none")
    assert np.all(from_logits >= 0)
    expected = -special.log_softmax(z, axis=1)[np.arange(z.shape[0]), labels]
    np.testing.assert_allclose(from_logits, expected, rtol=1e-10, atol=1e-12)
    p = special.softmax(z, axis=1)
    if np.all(p[np.arange(z.shape[0]), labels] > 1e-12):
        np.testing.assert_allclose(
            categorical_cross_entropy(labels, p, reduction="none"), from_logits, rtol=1e-6
        )


@given(hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(0, 1)))
def test_two_class_cce_is_bce(p):
    labels = (p > 0.5).astype(int)
    two_class = np.stack([1 - p, p], axis=1)
    np.testing.assert_allclose(
        categorical_cross_entropy(labels, two_class, reduction="none"),
        binary_cross_entropy(labels, p, reduction="none"),
        rtol=1e-12,
        atol=1e-15,  # BCE uses log1p(-p); the two-column form has only log(1 - p)
    )


@given(margins, margins)
def test_margin_losses_are_nonnegative_and_nonincreasing(a, b):
    n = min(a.size, b.size)
    low, high = np.minimum(a[:n], b[:n]), np.maximum(a[:n], b[:n])
    for loss in MARGIN_LOSSES:
        assert np.all(loss(low) >= loss(high)), loss.__name__
        assert np.all(loss(low) >= 0), loss.__name__


@given(margins)
def test_surrogates_bound_the_detection_error(m):
    detection = detection_error_loss(m)
    exponential, hinge = exponential_loss(m), hinge_loss(m)
    logistic, perceptron = logistic_loss(m), hinge_at_zero_loss(m)
    assert np.all(exponential >= detection)
    assert np.all(hinge >= detection)
    assert np.all(logistic / math.log(2.0) >= detection * (1 - 1e-15))
    assert np.all(hinge >= perceptron)
    assert np.all(logistic >= perceptron)
    assert np.all(exponential >= logistic * (1 - 1e-15))  # equal to rounding for large m
    np.testing.assert_allclose(logistic - logistic_loss(-m), -m, atol=1e-12)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: binary_cross_entropy([2, 0], [0.5, 0.5]),
            ValidationError,
            r"y must lie in \[0, 1\], got 2",
        ),
        (
            lambda: binary_cross_entropy([1, 0], [1.5, 0.5]),
            ValidationError,
            r"p must lie in \[0, 1\], got 1.5",
        ),
        (
            lambda: binary_cross_entropy([1, 0, 1], [0.5, 0.5]),
            ShapeError,
            r"^y and p must have the same shape, got \(3,\) and \(2,\)",
        ),
        (
            lambda: binary_cross_entropy([1, 0], [np.nan, 0.5]),
            NonFiniteError,
            "^p must be finite, got NaN",
        ),
        (
            lambda: binary_cross_entropy([1], [np.inf], from_logits=True),
            NonFiniteError,
            "^p must be finite, got infinity",
        ),
        (
            lambda: binary_cross_entropy(["a"], [0.5]),
            ArrayTypeError,
            "^y must be an array of real numbers",
        ),
        (
            lambda: mean_squared_error([], []),
            EmptyInputError,
            r"y_pred must not be empty, got shape \(0,\)",
        ),
        (
            lambda: mean_squared_error([1.0], [1.0], reduction="avg"),
            ValidationError,
            "reduction must be 'mean', 'sum' or 'none', got 'avg'",
        ),
        (
            lambda: mean_squared_error([1.0], [1.0], axis=1),
            ShapeError,
            r"axis must be in \[-1, 1\)",
        ),
        (
            lambda: mean_absolute_error([np.nan], [1.0]),
            NonFiniteError,
            "y_true must be finite, got NaN",
        ),
        (
            lambda: categorical_cross_entropy([3], [[0.2, 0.3, 0.5]]),
            ValidationError,
            r"^y must hold labels in \[0, 2\], got 3",
        ),
        (
            lambda: categorical_cross_entropy([0.5], [[0.2, 0.3, 0.5]]),
            ValidationError,
            r"^y must hold integer class labels, got 0.5",
        ),
        (
            lambda: categorical_cross_entropy([-1], [[0.5, 0.5]]),
            ValidationError,
            r"^y must hold labels in \[0, 1\], got -1",
        ),
        (
            lambda: categorical_cross_entropy([0], [[0.2, 0.7]]),
            ProbabilityError,
            r"^p must sum to 1 along axis 1, got 0\.(9$|8999)",
        ),
        (
            lambda: categorical_cross_entropy([[0.5, 0.6]], [[0.5, 0.5]]),
            ProbabilityError,
            "^y must sum to 1 along axis 1, got 1.1",
        ),
        (
            lambda: categorical_cross_entropy([0], [[-0.5, 1.5]]),
            ProbabilityError,
            "^p must hold non-negative probabilities",
        ),
        (
            lambda: categorical_cross_entropy([0, 1], [[0.5, 0.5]]),
            ShapeError,
            r"^y must have shape \(1,\) \(integer labels\) or \(1, 2\)",
        ),
        (
            lambda: categorical_cross_entropy(0, 0.5),
            ShapeError,
            "^p must have a class axis, got a scalar",
        ),
        (
            lambda: categorical_cross_entropy(np.zeros(0), np.zeros((0, 3))),
            EmptyInputError,
            "^p must not be empty",
        ),
        (
            lambda: categorical_cross_entropy([0], [[np.nan, 1.0]], from_logits=True),
            NonFiniteError,
            "^p must be finite, got NaN",
        ),
        (
            lambda: classification_margin([2, 0], [1.0, 1.0]),
            ValidationError,
            r"t must hold labels in \{0, 1\}, got 2$",
        ),
        (
            lambda: classification_margin([-1, 1], [1.0, 1.0]),
            ValidationError,
            r"got -1 \(map labels in \{-1, \+1\} to \{0, 1\}",
        ),
        (lambda: classification_margin([1], [np.nan]), NonFiniteError, "score must not hold NaN"),
        (
            lambda: classification_margin([1, 0], [1.0]),
            ShapeError,
            "t and score must have the same shape",
        ),
        (lambda: hinge_loss([np.nan]), NonFiniteError, "margin must not hold NaN"),
        (lambda: logistic_loss([], reduction="mean"), EmptyInputError, "margin must not be empty"),
        (lambda: exponential_loss([1.0], reduction="max"), ValidationError, "reduction must be"),
        (lambda: zero_one_loss([np.nan], [1.0]), NonFiniteError, "t must be finite, got NaN"),
        (
            lambda: quadratic_loss([1.0, 2.0], [1.0]),
            ShapeError,
            r"t and t_hat must have the same shape, got \(2,\) and \(1,\)",
        ),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API


BACKEND_CASES = [
    ("mse", mean_squared_error, [[[0.5, 1.5], [-2.0, 0.0]], [[0.25, 1.0], [3.0, 1.0]]], {}),
    (
        "mae-axis",
        mean_absolute_error,
        [[[0.5, 1.5], [-2.0, 0.0]], [[0.25, 1.0], [3.0, 1.0]]],
        {"axis": 0},
    ),
    (
        "bce",
        binary_cross_entropy,
        [[1.0, 0.0, 1.0, 0.0], [0.9, 0.2, 0.0, 1.0]],
        {"reduction": "none"},
    ),
    (
        "bce-logits",
        binary_cross_entropy,
        [[1.0, 0.0, 1.0], [1e4, -3.0, 0.5]],
        {"from_logits": True},
    ),
    (
        "cce-labels",
        categorical_cross_entropy,
        [([2, 0], "int64"), [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]],
        {},
    ),
    (
        "cce-logits",
        categorical_cross_entropy,
        [([1, 0], "int64"), [[1e4, -1e4], [0.5, 2.0]]],
        {"from_logits": True, "reduction": "sum"},
    ),
    (
        "cce-soft",
        categorical_cross_entropy,
        [[[0.2, 0.8], [1.0, 0.0]], [[0.4, 0.6], [0.9, 0.1]]],
        {"reduction": "none"},
    ),
    ("quadratic", quadratic_loss, [[1.0, 2.0], [0.0, 4.0]], {}),
    (
        "zero-one",
        zero_one_loss,
        [([1, 2, 0], "int64"), ([1, 0, 0], "int64")],
        {"reduction": "mean"},
    ),
    ("margin", classification_margin, [([1, 0], "int64"), [0.5, 0.5]], {}),
    *[(f.__name__, f, [[-1e3, -1.0, 0.0, 0.5, 2.0]], {}) for f in MARGIN_LOSSES],
    ("logistic-mean", logistic_loss, [[-1.0, 3.0]], {"reduction": "mean"}),
]


def _build(backend, spec):
    values, dtype = spec if isinstance(spec, tuple) else (spec, "float64")
    return backend.asarray(values, dtype=dtype), np.asarray(values, dtype=dtype)


@pytest.mark.parametrize(("name", "function", "args", "kwargs"), BACKEND_CASES)
def test_every_backend_gets_its_own_kind_back(backend, name, function, args, kwargs):
    built = [_build(backend, spec) for spec in args]
    result = function(*[b for b, _ in built], **kwargs)
    expected = function(*[n for _, n in built], **kwargs)
    assert backend.is_native(result), name
    assert isinstance(expected, np.ndarray)
    np.testing.assert_allclose(backend.to_numpy(result), expected, rtol=1e-12)


# --------------------------------------------------------------------------- autograd


def test_gradcheck_through_the_losses(torch, rng):
    def tensor(values):
        return torch.tensor(values, dtype=torch.float64, requires_grad=True)

    y, y_hat = torch.from_numpy(rng.normal(size=6)), tensor(rng.normal(size=6))
    labels = torch.from_numpy(_labels(rng, 6).astype(float))
    p = tensor(rng.uniform(0.1, 0.9, 6))
    z = tensor(rng.normal(scale=3, size=6))
    logits, classes = tensor(rng.normal(size=(4, 3))), torch.from_numpy(_labels(rng, 4, 3))
    margin = tensor([-1.7, -0.6, 0.3, 0.8, 1.4, 2.2])  # away from the kinks at 0 and 1
    checks = [
        (lambda a: mean_squared_error(y, a), y_hat),
        (lambda a: mean_absolute_error(y, a), y_hat),
        (lambda a: quadratic_loss(y, a, reduction="sum"), y_hat),
        (lambda a: binary_cross_entropy(labels, a), p),
        (lambda a: binary_cross_entropy(labels, a, from_logits=True), z),
        (lambda a: binary_cross_entropy(torch.sigmoid(y), a, from_logits=True), z),
        (lambda a: categorical_cross_entropy(classes, a, from_logits=True), logits),
        (lambda a: classification_margin(labels, a), z),
        (lambda a: exponential_loss(a), margin),
        (lambda a: logistic_loss(a), margin),
        (lambda a: hinge_loss(a), margin),
        (lambda a: hinge_at_zero_loss(a), margin),
    ]
    for function, argument in checks:
        assert torch.autograd.gradcheck(function, (argument,)), function


def test_cce_probability_gradient_is_minus_one_over_mp(torch):
    p = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], dtype=torch.float64, requires_grad=True)
    categorical_cross_entropy(torch.tensor([1, 0]), p).backward()
    expected = torch.zeros_like(p)
    expected[0, 1], expected[1, 0] = -1 / (2 * 0.5), -1 / (2 * 0.6)
    torch.testing.assert_close(p.grad, expected, rtol=1e-14, atol=0)


def test_gradients_stay_finite_at_the_edges(torch):
    z = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64)
    binary_cross_entropy(y, z, from_logits=True, reduction="sum").backward()
    torch.testing.assert_close(z.grad, torch.sigmoid(z.detach()) - y)
    p = torch.tensor([1.0, 0.0, 0.5], dtype=torch.float64, requires_grad=True)
    binary_cross_entropy(torch.tensor([1.0, 0.0, 1.0]).double(), p, reduction="sum").backward()
    torch.testing.assert_close(p.grad, torch.tensor([-1.0, 1.0, -2.0], dtype=torch.float64))
    m = torch.tensor([-800.0, 0.0, 800.0], dtype=torch.float64, requires_grad=True)
    logistic_loss(m, reduction="sum").backward()
    torch.testing.assert_close(m.grad, -torch.sigmoid(-m.detach()))
