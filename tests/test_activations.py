"""Layer 1 activations and their derivatives: against SciPy and PyTorch, plus invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ShapeError,
    ValidationError,
)
from mlequations.activation_derivatives import (
    gelu_derivative,
    leaky_relu_derivative,
    log_softmax_jacobian,
    relu_derivative,
    sigmoid_derivative,
    silu_derivative,
    softmax_jacobian,
    swish_derivative,
    tanh_derivative,
)
from mlequations.activations import (
    ACTIVATIONS,
    gelu,
    leaky_relu,
    log_softmax,
    neuron,
    relu,
    sigmoid,
    silu,
    softmax,
    swish,
    tanh,
)

# (our function, keyword arguments, the PyTorch functional it must equal)
ELEMENTWISE = [
    (sigmoid, {}, lambda t, F: t.sigmoid()),
    (tanh, {}, lambda t, F: t.tanh()),
    (relu, {}, lambda t, F: F.relu(t)),
    (leaky_relu, {}, lambda t, F: F.leaky_relu(t)),
    (leaky_relu, {"alpha": 0.2}, lambda t, F: F.leaky_relu(t, negative_slope=0.2)),
    (swish, {}, lambda t, F: F.silu(t)),
    (silu, {}, lambda t, F: F.silu(t)),
    (swish, {"beta": 2.0}, lambda t, F: t * (2.0 * t).sigmoid()),
    (gelu, {}, lambda t, F: F.gelu(t)),
    (gelu, {"approximate": True}, lambda t, F: F.gelu(t, approximate="tanh")),
    (gelu, {"approximate": "tanh"}, lambda t, F: F.gelu(t, approximate="tanh")),
]
ELEMENTWISE_IDS = [
    f"{f.__name__}{kwargs}" if kwargs else f.__name__ for f, kwargs, _ in ELEMENTWISE
]

# (our derivative, keyword arguments, the activation whose autograd gradient it must equal)
DERIVATIVES = [
    (sigmoid_derivative, {}, lambda t, F: t.sigmoid()),
    (tanh_derivative, {}, lambda t, F: t.tanh()),
    (relu_derivative, {}, lambda t, F: F.relu(t)),
    (leaky_relu_derivative, {}, lambda t, F: F.leaky_relu(t)),
    (leaky_relu_derivative, {"alpha": 0.3}, lambda t, F: F.leaky_relu(t, 0.3)),
    (swish_derivative, {}, lambda t, F: F.silu(t)),
    (silu_derivative, {}, lambda t, F: F.silu(t)),
    (swish_derivative, {"beta": 1.7}, lambda t, F: t * (1.7 * t).sigmoid()),
    (gelu_derivative, {}, lambda t, F: F.gelu(t)),
    (gelu_derivative, {"approximate": True}, lambda t, F: F.gelu(t, approximate="tanh")),
]
DERIVATIVE_IDS = [f"{f.__name__}{kwargs}" if kwargs else f.__name__ for f, kwargs, _ in DERIVATIVES]


def sample(rng, size=200):
    """Random inputs across the interesting range, plus 0 and large magnitudes."""
    x = np.concatenate([rng.normal(scale=3.0, size=size), [0.0, 1e-8, -1e-8, 30.0, -30.0]])
    return x


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize(("function", "kwargs", "reference"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_activations_match_pytorch(torch, rng, function, kwargs, reference):
    F = torch.nn.functional
    x = sample(rng)
    expected = reference(torch.from_numpy(x), F).numpy()
    np.testing.assert_allclose(function(x, **kwargs), expected, rtol=1e-12, atol=1e-15)
    single = function(x.astype(np.float32), **kwargs)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, expected, rtol=2e-6, atol=1e-6)


def test_activations_match_scipy_and_closed_forms(rng):
    x = sample(rng)
    np.testing.assert_allclose(sigmoid(x), special.expit(x), rtol=1e-14)
    np.testing.assert_allclose(tanh(x), 2 * special.expit(2 * x) - 1, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(relu(x), np.maximum(x, 0.0))
    np.testing.assert_allclose(leaky_relu(x, 0.1), np.maximum(0.1 * x, x))
    np.testing.assert_allclose(swish(x, beta=0.5), x * special.expit(0.5 * x), rtol=1e-14)
    # 1 + erf(x / sqrt 2) cancels in the far left tail (as in PyTorch): absolute accuracy there
    np.testing.assert_allclose(gelu(x), x * special.ndtr(x), rtol=1e-12, atol=1e-15)


def test_guide_values():
    np.testing.assert_allclose(sigmoid([0.0, 2.0]), [0.5, 0.8807970779778823], rtol=1e-15)
    np.testing.assert_allclose(softmax([1.0, 2.0, 3.0]), [0.0900, 0.2447, 0.6652], atol=5e-5)
    np.testing.assert_allclose(
        softmax([1.0, 2.0, 3.0]), np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-15
    )


def test_sigmoid_edges_are_exact_and_silent():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_array_equal(sigmoid([1000.0, -1000.0]), [1.0, 0.0])
        np.testing.assert_array_equal(sigmoid(np.array([200.0, -200.0], np.float32)), [1.0, 0.0])
        np.testing.assert_array_equal(sigmoid([np.inf, -np.inf]), [1.0, 0.0])
        assert sigmoid(-700.0) == pytest.approx(special.expit(-700.0), rel=1e-12)
        np.testing.assert_array_equal(tanh([1000.0, -1000.0]), [1.0, -1.0])


def test_infinities_give_the_limits_and_nan_propagates():
    x = np.array([-np.inf, np.inf, np.nan])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_array_equal(relu(x), [0.0, np.inf, np.nan])
        np.testing.assert_array_equal(leaky_relu(x), [-np.inf, np.inf, np.nan])
        np.testing.assert_array_equal(leaky_relu(x, alpha=0.0), [0.0, np.inf, np.nan])
        np.testing.assert_array_equal(swish(x), [0.0, np.inf, np.nan])
        np.testing.assert_array_equal(swish(x, beta=0.0), [-np.inf, np.inf, np.nan])
        np.testing.assert_array_equal(gelu(x), [0.0, np.inf, np.nan])
        np.testing.assert_array_equal(gelu(x, approximate=True), [0.0, np.inf, np.nan])
        np.testing.assert_array_equal(tanh(x), [-1.0, 1.0, np.nan])
        np.testing.assert_array_equal(sigmoid(x), [0.0, 1.0, np.nan])
        big = np.array([1e30, -1e30], np.float32)
        np.testing.assert_array_equal(gelu(big, approximate=True), big * [1, 0])


#: (value at x = +big, value at x = -big) for big = 1.7e308 (float64) or 3e38 (float32), given
#: big and the slope alpha: the limit of each function, reached to the last bit at that size.
EXTREME_LIMITS = {
    "sigmoid": lambda big, alpha: (1.0, 0.0),
    "tanh": lambda big, alpha: (1.0, -1.0),
    "relu": lambda big, alpha: (big, 0.0),
    "leaky_relu": lambda big, alpha: (big, -alpha * big),
    "swish": lambda big, alpha: (big, 0.0),
    "gelu": lambda big, alpha: (big, 0.0),
    "sigmoid_derivative": lambda big, alpha: (0.0, 0.0),
    "tanh_derivative": lambda big, alpha: (0.0, 0.0),
    "relu_derivative": lambda big, alpha: (1.0, 0.0),
    "leaky_relu_derivative": lambda big, alpha: (1.0, alpha),
    "swish_derivative": lambda big, alpha: (1.0, 0.0),
    "gelu_derivative": lambda big, alpha: (1.0, 0.0),
}
EXTREME_CASES = [
    *((f, kwargs) for f, kwargs, _ in ELEMENTWISE),
    *((f, kwargs) for f, kwargs, _ in DERIVATIVES),
    (swish, {"beta": 3.0}),
    (swish_derivative, {"beta": 3.0}),
]


@pytest.mark.parametrize(
    ("function", "kwargs"), EXTREME_CASES, ids=lambda v: getattr(v, "__name__", str(v))
)
@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1.7e308), (np.float32, 3e38)])
def test_the_largest_finite_inputs_give_the_limits_without_warnings(function, kwargs, dtype, big):
    # filterwarnings = error: 2 * x in tanh_derivative and beta * x in swish overflowed here.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        result = function(np.array([big, -big], dtype=dtype), **kwargs)
    limits = EXTREME_LIMITS[function.__name__](big, kwargs.get("alpha", 0.01))
    assert result.dtype == dtype
    np.testing.assert_allclose(result, np.asarray(limits, dtype=dtype), rtol=1e-6, atol=0)


def test_empty_and_non_numeric_input():
    for function in (sigmoid, tanh, relu, leaky_relu, swish, gelu, sigmoid_derivative):
        assert function(np.zeros((0, 3))).shape == (0, 3)
        with pytest.raises(ArrayTypeError, match="x must be an array of real numbers, got str"):
            function("1.0")
        with pytest.raises(ArrayTypeError, match="got an array of dtype complex"):
            function(np.array([1j]))
    assert relu(np.arange(3)).dtype == np.float64  # integers are promoted


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: leaky_relu([1.0], alpha=1.5), ValidationError, r"alpha must be .* \[0.0, 1.0\]"),
        (lambda: leaky_relu([1.0], alpha=math.nan), ValidationError, "alpha must be a finite"),
        (lambda: leaky_relu([1.0], alpha="0.1"), ArrayTypeError, "alpha must be a real number"),
        (lambda: swish([1.0], beta=-1.0), ValidationError, "beta must be a finite number"),
        (lambda: gelu([1.0], approximate="erf"), ValidationError, "approximate must be True"),
        (lambda: leaky_relu_derivative([1.0], alpha=-0.1), ValidationError, "alpha must be"),
    ],
)
def test_parameter_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- softmax


def test_softmax_and_log_softmax_match_scipy(rng):
    x = rng.normal(scale=5.0, size=(4, 3, 6))
    for axis in (-1, 0, 1):
        np.testing.assert_allclose(softmax(x, axis), special.softmax(x, axis=axis), rtol=1e-13)
        np.testing.assert_allclose(
            log_softmax(x, axis), special.log_softmax(x, axis=axis), rtol=1e-13
        )
    single = x.astype(np.float32)
    assert softmax(single).dtype == log_softmax(single).dtype == np.float32
    np.testing.assert_allclose(softmax(single), special.softmax(x, axis=-1), rtol=1e-5)
    np.testing.assert_allclose(
        log_softmax(single), special.log_softmax(x, axis=-1), rtol=1e-5, atol=1e-6
    )


def test_softmax_large_and_masked_scores():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_array_equal(softmax([1000.0, 1000.0]), [0.5, 0.5])
        np.testing.assert_allclose(softmax([1e4, 0.0, -1e4]), [1.0, 0.0, 0.0])
        np.testing.assert_allclose(log_softmax([0.0, -1000.0]), [0.0, -1000.0])
        np.testing.assert_array_equal(softmax([0.0, -np.inf]), [1.0, 0.0])
        np.testing.assert_array_equal(log_softmax([0.0, -np.inf]), [0.0, -np.inf])
        f32 = softmax(np.array([88.0, 89.0, 1000.0], np.float32))
        assert f32.dtype == np.float32
        np.testing.assert_allclose(f32, [0.0, 0.0, 1.0])
        rows = softmax([[np.nan, 1000.0], [1.0, 1.0]])
        assert np.all(np.isnan(rows[0]))  # NaN spreads over its own slice only
        np.testing.assert_array_equal(rows[1], [0.5, 0.5])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_scores_farther_apart_than_the_largest_float(torch, dtype):
    # -1.7e308 - 1.7e308 overflowed with a warning (filterwarnings = error); PyTorch, which
    # computes in the same dtype without warning, is the reference.
    big = 1.7e308 if dtype == "float64" else 3e38
    x = np.array([[-big, big], [big, -big], [-big, -big], [0.0, -big]], dtype=dtype)
    t = torch.from_numpy(x)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        probabilities, logs = softmax(x), log_softmax(x)
        jacobian, log_jacobian = softmax_jacobian(x), log_softmax_jacobian(x)
    np.testing.assert_array_equal(probabilities, torch.softmax(t, dim=-1).numpy())
    np.testing.assert_array_equal(probabilities[:2], [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(logs, torch.log_softmax(t, dim=-1).numpy())
    np.testing.assert_array_equal(logs[0], [-np.inf, 0.0])
    s = torch.softmax(t, dim=-1).numpy()
    identity = np.eye(2, dtype=dtype)
    np.testing.assert_array_equal(jacobian, s[:, :, None] * identity - s[:, :, None] * s[:, None])
    np.testing.assert_array_equal(log_jacobian, identity - s[:, None, :])
    assert probabilities.dtype == logs.dtype == jacobian.dtype == log_jacobian.dtype == dtype


@pytest.mark.parametrize("function", [softmax, log_softmax, softmax_jacobian, log_softmax_jacobian])
def test_softmax_errors(function):
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        function([])
    with pytest.raises(ShapeError, match="x must have at least one dimension"):
        function(1.0)
    with pytest.raises(ShapeError, match="axis must be in"):
        function([1.0, 2.0], axis=2)
    with pytest.raises(NonFiniteError, match=r"x must not contain \+inf"):
        function([1.0, np.inf])
    with pytest.raises(NonFiniteError, match="x must have a score above -inf"):
        function([[0.0, 1.0], [-np.inf, -np.inf]])
    with pytest.raises(ArrayTypeError, match="x must be an array of real numbers"):
        function(["a", "b"])


scores = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
    elements=st.floats(-500, 500, allow_nan=False),
)


@given(scores, st.floats(-1e3, 1e3))
def test_softmax_sums_to_one_and_is_shift_invariant(x, shift):
    probabilities = softmax(x)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(x + shift), probabilities, rtol=1e-9, atol=1e-12)


@given(scores)
def test_log_softmax_is_the_log_of_softmax_where_finite(x):
    probabilities = softmax(x)
    positive = probabilities > 1e-300
    np.testing.assert_allclose(
        log_softmax(x)[positive], np.log(probabilities[positive]), rtol=1e-9, atol=1e-12
    )
    assert np.all(log_softmax(x) <= 0)


@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)))
def test_sigmoid_symmetry_and_range(x):
    np.testing.assert_allclose(sigmoid(-x), 1.0 - sigmoid(x), atol=1e-15)
    assert np.all((sigmoid(x) >= 0) & (sigmoid(x) <= 1))
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-15)


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize(("derivative", "kwargs", "activation"), DERIVATIVES, ids=DERIVATIVE_IDS)
def test_derivatives_match_pytorch_autograd(torch, rng, derivative, kwargs, activation):
    x = sample(rng)
    tensor = torch.tensor(x, requires_grad=True)
    activation(tensor, torch.nn.functional).sum().backward()
    expected = tensor.grad.numpy()
    np.testing.assert_allclose(derivative(x, **kwargs), expected, rtol=1e-11, atol=1e-14)
    single = derivative(x.astype(np.float32), **kwargs)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, expected, rtol=1e-5, atol=1e-6)


def test_kink_values_follow_pytorch(torch):
    zero = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.relu(zero).backward()
    assert relu_derivative([0.0])[0] == zero.grad[0] == 0.0
    zero.grad = None
    torch.nn.functional.leaky_relu(zero, 0.2).backward()
    assert leaky_relu_derivative([0.0], alpha=0.2)[0] == zero.grad[0] == pytest.approx(0.2)


def test_derivative_tails_and_special_values():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        # relative accuracy in the tails, where sigma (1 - sigma) would round to 0
        assert sigmoid_derivative(40.0) == pytest.approx(math.exp(-40.0), rel=1e-12)
        assert tanh_derivative(20.0) == pytest.approx(1 / math.cosh(20.0) ** 2, rel=1e-12)
        x = np.array([-np.inf, np.inf, np.nan])
        for function in (sigmoid_derivative, tanh_derivative):
            np.testing.assert_array_equal(function(x), [0.0, 0.0, np.nan])
        np.testing.assert_array_equal(relu_derivative(x), [0.0, 1.0, np.nan])
        np.testing.assert_array_equal(leaky_relu_derivative(x), [0.01, 1.0, np.nan])
        np.testing.assert_array_equal(swish_derivative(x), [0.0, 1.0, np.nan])
        np.testing.assert_array_equal(swish_derivative(x, beta=0.0), [0.5, 0.5, np.nan])
        np.testing.assert_array_equal(gelu_derivative(x), [0.0, 1.0, np.nan])
        np.testing.assert_array_equal(gelu_derivative(x, approximate=True), [0.0, 1.0, np.nan])
        assert sigmoid_derivative(0.0) == 0.25
        assert tanh_derivative(0.0) == 1.0


@given(st.floats(-30, 30), st.sampled_from(DERIVATIVES[:2] + DERIVATIVES[5:]))
def test_derivatives_match_central_differences(x, case):
    derivative, kwargs, _ = case
    name = derivative.__name__.removesuffix("_derivative")
    activation = {"silu": silu, "swish": swish, "gelu": gelu, "sigmoid": sigmoid, "tanh": tanh}
    function = activation[name]
    h = 1e-5
    numeric = (function(x + h, **kwargs) - function(x - h, **kwargs)) / (2 * h)
    assert derivative(x, **kwargs) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_softmax_jacobian_matches_pytorch(torch, rng):
    from torch.autograd.functional import jacobian

    x = rng.normal(size=5)
    expected = jacobian(lambda t: torch.softmax(t, dim=-1), torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(softmax_jacobian(x), expected, rtol=1e-12, atol=1e-15)
    s = special.softmax(x)
    np.testing.assert_allclose(softmax_jacobian(x), np.diag(s) - np.outer(s, s), rtol=1e-13)
    batch = rng.normal(size=(3, 2, 4))
    jacobians = softmax_jacobian(batch)
    assert jacobians.shape == (3, 2, 4, 4)
    np.testing.assert_allclose(jacobians[1, 0], softmax_jacobian(batch[1, 0]), rtol=1e-14)
    moved = softmax_jacobian(batch, axis=0)
    assert moved.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(moved[1, 2], softmax_jacobian(batch[:, 1, 2]), rtol=1e-14)
    assert softmax_jacobian(x.astype(np.float32)).dtype == np.float32


def test_log_softmax_jacobian_matches_pytorch(torch, rng):
    from torch.autograd.functional import jacobian

    def reference(values, dim=-1):
        tensor = torch.from_numpy(values)
        return jacobian(lambda t: torch.log_softmax(t, dim=dim), tensor).numpy()

    x = rng.normal(scale=3.0, size=5)
    np.testing.assert_allclose(log_softmax_jacobian(x), reference(x), rtol=1e-12, atol=1e-15)
    batch = rng.normal(size=(3, 2, 4))
    jacobians = log_softmax_jacobian(batch)
    assert jacobians.shape == (3, 2, 4, 4)
    np.testing.assert_allclose(jacobians[2, 1], reference(batch[2, 1]), rtol=1e-12, atol=1e-15)
    moved = log_softmax_jacobian(batch, axis=0)
    assert moved.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(moved[1, 2], reference(batch[:, 1, 2]), rtol=1e-12, atol=1e-15)
    # a masked score: its column is the identity's, and the other rows are those without it
    masked = np.array([0.5, -np.inf, 2.0])
    expected = np.eye(3) - special.softmax(masked)[None, :]
    np.testing.assert_allclose(log_softmax_jacobian(masked), expected, rtol=1e-14)
    single = log_softmax_jacobian(x.astype(np.float32))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, reference(x), rtol=1e-5, atol=1e-6)
    # the softmax Jacobian is the log-softmax Jacobian with row i scaled by s_i
    np.testing.assert_allclose(
        softmax_jacobian(x), special.softmax(x)[:, None] * log_softmax_jacobian(x), atol=1e-16
    )


@given(scores)
def test_log_softmax_jacobian_rows_sum_to_zero_and_annihilate_softmax(x):
    jacobian = log_softmax_jacobian(x)
    np.testing.assert_allclose(jacobian.sum(axis=-1), 0.0, atol=1e-12)
    s = softmax(x)
    np.testing.assert_allclose(np.einsum("...i,...ij->...j", s, jacobian), 0.0, atol=1e-12)


@given(scores)
def test_softmax_jacobian_is_symmetric_with_zero_row_sums(x):
    jacobian = softmax_jacobian(x)
    np.testing.assert_allclose(jacobian, np.swapaxes(jacobian, -1, -2), atol=1e-15)
    np.testing.assert_allclose(jacobian.sum(axis=-1), 0.0, atol=1e-12)


# --------------------------------------------------------------------------- the neuron


def test_neuron_is_the_activation_of_the_weighted_sum(rng):
    x, w, b = rng.normal(size=(6, 4)), rng.normal(size=4), 0.3
    z = b + x @ w
    for name, function in ACTIVATIONS.items():
        np.testing.assert_allclose(neuron(x, w, b, activation=name), function(z), rtol=1e-14)
    np.testing.assert_allclose(neuron(x[0], w, b), special.expit(z[0]), rtol=1e-14)
    np.testing.assert_allclose(neuron(x, w, b, activation=np.sinh), np.sinh(z), rtol=1e-14)
    assert neuron([1.0, 2.0], [0.5, 1.0], -0.5) == pytest.approx(special.expit(2.0), rel=1e-15)
    single = neuron(x.astype(np.float32), w.astype(np.float32), 0.3)
    assert single.dtype == np.float32


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (([1.0, 2.0], [[1.0, 2.0]], 0.0), ShapeError, "w must be a vector of weights"),
        (([1.0, 2.0, 3.0], [1.0, 2.0], 0.0), ShapeError, "x must have 2 entries along its last"),
        (([1.0, 2.0], [1.0, 2.0], [0.0, 1.0]), ShapeError, "b must be a single number"),
        (([], [], 0.0), EmptyInputError, "w must not be empty"),
        (([1.0], [1.0], 0.0, "softmax"), ValidationError, "activation must be one of"),
        (([1.0], [1.0], 0.0, 3), ArrayTypeError, "activation must be a name or a callable"),
    ],
)
def test_neuron_errors(arguments, error, message):
    with pytest.raises(error, match=message):
        neuron(*arguments)


# --------------------------------------------------------------------------- array API backends


ALL_FUNCTIONS = [
    *((f, kwargs) for f, kwargs, _ in ELEMENTWISE),
    *((f, kwargs) for f, kwargs, _ in DERIVATIVES),
    (softmax, {}),
    (softmax, {"axis": 0}),
    (log_softmax, {}),
    (softmax_jacobian, {}),
    (log_softmax_jacobian, {}),
    (log_softmax_jacobian, {"axis": 0}),
]


def test_every_function_on_every_backend(backend, rng):
    x = rng.normal(scale=3.0, size=(3, 4))
    for function, kwargs in ALL_FUNCTIONS:
        for dtype in ("float64", "float32"):
            ours = function(backend.asarray(x, dtype), **kwargs)
            assert backend.is_native(ours), function.__name__
            assert str(ours.dtype).endswith(dtype), function.__name__
            expected = function(x.astype(dtype), **kwargs)
            tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12}
            np.testing.assert_allclose(backend.to_numpy(ours), expected, **tolerance)
    ours = neuron(backend.asarray(x), backend.asarray(x[0]), backend.asarray(0.5))
    assert backend.is_native(ours)
    np.testing.assert_allclose(backend.to_numpy(ours), neuron(x, x[0], 0.5), rtol=1e-12)


def test_pytorch_autograd_flows(torch, rng):
    from torch.autograd import gradcheck

    # keep away from the kinks of ReLU and leaky ReLU, where gradcheck's step would cross 0
    x = rng.normal(scale=2.0, size=(3, 4))
    x[np.abs(x) < 1e-3] = 0.5
    tensor = torch.tensor(x, requires_grad=True)
    for function, kwargs in ALL_FUNCTIONS:
        assert gradcheck(lambda t, f=function, k=kwargs: f(t, **k), (tensor,)), function.__name__
    w = torch.tensor(x[0], requires_grad=True)
    assert gradcheck(lambda t, v: neuron(t, v, 0.1, activation="tanh"), (tensor, w))
    # large scores: the max-shift of softmax and the sign branches of sigmoid keep grads finite
    large = torch.tensor([1000.0, -1000.0, 0.0], dtype=torch.float64, requires_grad=True)
    (sigmoid(large).sum() + softmax(large)[0]).backward()
    assert torch.all(torch.isfinite(large.grad))
