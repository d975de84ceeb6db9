"""Layer 1 linear algebra (maps, inner products, norms): against NumPy, scikit-learn, PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ShapeError,
    ValidationError,
)
from mlequations.linalg import (
    inner_product,
    linear_transform,
    norm,
    normalize,
)
from support import finite

# --------------------------------------------------------------------------- linear transform


def test_linear_transform_guide_example():
    # The guide prints [4 7], but A x = [4, 7] and b = [0, 1] add up to [4, 8].
    A, x, b = np.array([[2, 1], [1, 3]]), np.array([1, 2]), np.array([0, 1])
    np.testing.assert_array_equal(linear_transform(A, x, b), A @ x + b)
    np.testing.assert_array_equal(linear_transform(A, x, b), [4.0, 8.0])


def test_linear_transform_single_and_batched(rng, torch):
    A, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    x = rng.normal(size=4)
    np.testing.assert_allclose(linear_transform(A, x, b), A @ x + b, rtol=1e-12)
    np.testing.assert_allclose(linear_transform(A, x), A @ x, rtol=1e-12)
    batch = rng.normal(size=(2, 5, 4))
    expected = torch.nn.functional.linear(
        torch.from_numpy(batch), torch.from_numpy(A), torch.from_numpy(b)
    ).numpy()
    np.testing.assert_allclose(linear_transform(A, batch, b), expected, rtol=1e-12)
    result = linear_transform(A.astype(np.float32), x.astype(np.float32), b.astype(np.float32))
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, A @ x + b, rtol=1e-5)


@pytest.mark.parametrize(
    ("A", "x", "b", "message"),
    [
        ([1.0, 2.0], [1.0], None, r"A must be a 2-D matrix, got shape \(2,\)"),
        ([[1.0, 2.0]], [1.0, 2.0, 3.0], None, r"x must have 2 entries along its last axis"),
        ([[1.0, 2.0]], 1.0, None, r"x must have 2 entries along its last axis, got shape \(\)"),
        ([[1.0, 2.0]], [1.0, 2.0], [1.0, 2.0], r"b must have shape \(1,\), got shape \(2,\)"),
    ],
)
def test_linear_transform_shape_errors(A, x, b, message):
    with pytest.raises(ShapeError, match=message):
        linear_transform(A, x, b)


@pytest.mark.parametrize(
    ("A", "x", "message"),
    [
        (np.zeros((0, 2)), [1.0, 2.0], r"^A must not be empty, got shape \(0, 2\)"),
        (np.zeros((2, 0)), np.zeros(0), r"^A must not be empty, got shape \(2, 0\)"),
        (np.eye(2), np.zeros((0, 2)), r"^x must not be empty, got shape \(0, 2\)"),
    ],
)
def test_linear_transform_rejects_empty_input(A, x, message):
    # An affine map with no rows or columns, or of no inputs, gave [] or [0, 0] silently.
    with pytest.raises(EmptyInputError, match=message):
        linear_transform(A, x)


# --------------------------------------------------------------------------- inner product


def test_inner_product_matches_numpy(rng):
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(inner_product(x, y), np.einsum("ij,ij->i", x, y), rtol=1e-12)
    np.testing.assert_allclose(inner_product(x, y, axis=0), np.einsum("ij,ij->j", x, y))
    np.testing.assert_allclose(inner_product(x, y[0]), x @ y[0], rtol=1e-12)  # broadcast
    assert inner_product([1, 2, 3], [4, 5, 6]) == 32.0
    assert isinstance(inner_product([1, 2, 3], [4, 5, 6]), np.ndarray)
    assert inner_product(x.astype(np.float32), y.astype(np.float32)).dtype == np.float32


def test_inner_product_errors():
    with pytest.raises(ShapeError, match="x and y must have broadcastable shapes"):
        inner_product([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="x and y must be vectors"):
        inner_product(1.0, [1.0])
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        inner_product([], [])
    with pytest.raises(EmptyInputError, match=r"^y must not be empty, got shape \(0, 2\)"):
        inner_product([1.0, 2.0], np.zeros((0, 2)))
    with pytest.raises(ArrayTypeError, match="y must be an array of real numbers"):
        inner_product([1.0], ["a"])


# --------------------------------------------------------------------------- norms


@pytest.mark.parametrize("order", [1, 2, math.inf])
def test_norm_matches_numpy(rng, order):
    x = rng.normal(size=(3, 7))
    for axis in (-1, 0):
        np.testing.assert_allclose(
            norm(x, ord=order, axis=axis), np.linalg.norm(x, ord=order, axis=axis), rtol=1e-13
        )
    kept = norm(x, ord=order, keepdims=True)
    assert kept.shape == (3, 1)
    single = norm(x.astype(np.float32), ord=order)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, np.linalg.norm(x, ord=order, axis=-1), rtol=1e-6)


def test_norm_definitions_and_the_guide_correction():
    x = np.array([3.0, -4.0])
    assert norm(x, ord=1) == 7.0  # sum of absolute values
    assert norm(x) == 5.0  # square root of the sum of squares
    assert norm(x, ord=math.inf) == 4.0
    # One guide calls x^T x the L1 norm and its root the L2 norm: x^T x is the squared L2 norm.
    assert inner_product(x, x) == norm(x) ** 2 != norm(x, ord=1)


def test_l2_norm_does_not_overflow_or_underflow():
    with np.errstate(all="raise"):
        assert norm([1e200, 1e200]) == pytest.approx(math.sqrt(2) * 1e200, rel=1e-14)
        assert norm([1e-200, 1e-200]) == pytest.approx(math.sqrt(2) * 1e-200, rel=1e-14)
        assert norm(np.array([3e30, 4e30], dtype=np.float32)) == pytest.approx(5e30, rel=1e-6)
        assert norm([0.0, 0.0]) == 0.0
        assert norm([np.inf, 1.0]) == np.inf
        assert norm([-np.inf, 1.0], ord=1) == np.inf
        assert np.isnan(norm([np.nan, 1.0]))


@pytest.mark.parametrize("order", [1, 2, math.inf])
def test_norm_gradient_matches_torch_vector_norm_at_zero(torch, order):
    # The L2 norm's sqrt has an infinite slope at 0: its gradient was NaN at the zero vector.
    for values in ([0.0, 0.0], [[0.0, 0.0, 0.0], [3.0, -4.0, 0.0]], [0.0, 2.0, -2.0], [1e-3, 0.0]):
        ours = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        norm(ours, ord=order).sum().backward()
        torch.linalg.vector_norm(theirs, ord=order, dim=-1).sum().backward()
        torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-12, atol=0)


def test_norm_errors():
    with pytest.raises(ValidationError, match=r"ord must be 1, 2 or math\.inf, got 3"):
        norm([1.0], ord=3)
    with pytest.raises(ValidationError, match=r"ord must be 1, 2 or math\.inf, got 'fro'"):
        norm([1.0], ord="fro")
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        norm([])
    with pytest.raises(ShapeError, match="x must be a vector"):
        norm(2.0)
    with pytest.raises(ShapeError, match="axis must be in"):
        norm([1.0], axis=1)


@pytest.mark.parametrize(("order", "name"), [(1, "l1"), (2, "l2"), (math.inf, "max")])
def test_normalize_matches_scikit_learn(rng, order, name):
    from sklearn.preprocessing import normalize as sklearn_normalize

    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(normalize(x, ord=order), sklearn_normalize(x, norm=name), rtol=1e-13)
    np.testing.assert_allclose(
        normalize(x, ord=order, axis=0), sklearn_normalize(x, norm=name, axis=0), rtol=1e-13
    )
    assert normalize(x.astype(np.float32), ord=order).dtype == np.float32


def test_normalize_guide_example_and_errors():
    np.testing.assert_allclose(normalize([3, 4]), [0.6, 0.8], rtol=1e-15)
    with pytest.raises(ValidationError, match="x must not contain a zero vector along axis -1"):
        normalize([[1.0, 2.0], [0.0, 0.0]])
    with pytest.raises(NonFiniteError, match="x must be finite, got NaN"):
        normalize([np.nan, 1.0])
    with pytest.raises(EmptyInputError, match=r"^x must not be empty"):
        normalize(np.zeros((2, 0)))


@pytest.mark.parametrize(
    "x",
    [
        np.array([3e38, 3e38], np.float32),
        np.array([1.7e308, 1.7e308]),
        np.array([1.7e308, 1.7e308, -1e-300]),
    ],
)
def test_normalize_vectors_whose_norm_overflows(x):
    # ||x|| is beyond the largest float: dividing by it gave [0, 0] and an overflow warning.
    # Normalizing is scale-invariant: the closed form is the unit vector of x / 1e38 (or 1e308).
    for order in (1, 2, math.inf):
        unit = normalize(x, ord=order)
        assert unit.dtype == x.dtype
        small = x.astype(np.float64) / (1e38 if x.dtype == np.float32 else 1e308)
        expected = small / np.linalg.norm(small, ord=order)
        np.testing.assert_allclose(unit, expected, rtol=1e-6 if x.dtype == np.float32 else 1e-15)
    batch = np.stack([x, x / 2**20])
    np.testing.assert_allclose(normalize(batch), np.stack([normalize(x)] * 2), rtol=1e-6)
    np.testing.assert_allclose(normalize(batch.T, axis=0), normalize(batch).T, rtol=1e-6)
    with pytest.raises(ValidationError, match="x must not contain a zero vector"):
        normalize(np.zeros_like(x))


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=finite).filter(lambda v: np.any(v)))
def test_normalized_vectors_have_unit_norm_and_keep_direction(x):
    for order in (1, 2, math.inf):
        unit = normalize(x, ord=order)
        assert norm(unit, ord=order) == pytest.approx(1.0, rel=1e-12)
        np.testing.assert_allclose(unit * norm(x, ord=order), x, rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------------------- array API backends


def test_every_function_on_every_backend(backend, rng):
    A = rng.normal(size=(4, 3))
    x = rng.normal(size=(2, 3))
    cases = [
        (lambda a, v: linear_transform(a, v), (A, x[0])),
        (lambda a, v: inner_product(a[0, ...], v[0, ...]), (A[:2], x)),
        (lambda v: norm(v), (x,)),
        (lambda v: norm(v, ord=1), (x,)),
        (lambda v: norm(v, ord=math.inf), (x,)),
        (lambda v: normalize(v), (x,)),
    ]
    for function, arguments in cases:
        ours = function(*(backend.asarray(a) for a in arguments))
        assert backend.is_native(ours)
        expected = function(*arguments)
        np.testing.assert_allclose(backend.to_numpy(ours), expected, rtol=1e-10)


def test_decompositions_are_re_exported():
    from mlequations import decompositions, linalg

    for name in decompositions.__all__:
        assert getattr(linalg, name) is getattr(decompositions, name)
        assert name in linalg.__all__


def test_pytorch_autograd_flows(torch, rng):
    from torch.autograd import gradcheck

    def double(values):
        return torch.tensor(values, dtype=torch.float64, requires_grad=True)

    A, x, b = double(rng.normal(size=(3, 4))), double(rng.normal(size=(2, 4))), double([1.0, 2, 3])
    assert gradcheck(linear_transform, (A, x, b))
    assert gradcheck(inner_product, (x, double(rng.normal(size=(2, 4)))))
    for order in (1, 2, math.inf):
        assert gradcheck(lambda v, o=order: norm(v, ord=o), (x,))
        assert gradcheck(lambda v, o=order: normalize(v, ord=o), (x,))
