"""The backward pass itself: graph shapes, accumulation, grad mode, errors and dtypes.

References: closed forms (the diamond ``c = (a + a)^2`` has gradient ``8a``), PyTorch's
autograd for the same graphs, and the stated PyTorch conventions (gradients
accumulate over ``backward`` calls, ``no_grad`` records nothing, float32 stays float32).
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import mlequations.autodiff as ad
from mlequations._array import ArrayTypeError, ShapeError
from mlequations.autodiff import Tensor, enable_grad, is_grad_enabled, no_grad

# --------------------------------------------------------------------------- graph shapes


def test_diamond_graph_has_gradient_8a():
    values = np.array([1.0, -2.0, 0.5])
    a = Tensor(values, requires_grad=True)
    b = a + a
    c = b * b  # c = 4 a^2
    c.backward(np.ones(3))
    np.testing.assert_allclose(a.grad, 8 * values, rtol=1e-15)


def test_node_reused_by_two_branches_matches_torch(torch, rng):
    values, upstream = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x, tx = Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    results = []
    for v in (x, tx):
        shared = v.exp()
        results.append(shared.sigmoid() * shared + (shared * 3).tanh() - shared / 2)
    results[0].backward(upstream)
    results[1].backward(torch.tensor(upstream))
    np.testing.assert_allclose(results[0].data, results[1].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)


def test_a_tensor_used_twice_by_one_operation():
    x = Tensor([3.0, -1.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 2.0]))  # d(x^2)/dx = 2x, both factors contribute
    np.testing.assert_array_equal(x.grad, [6.0, -4.0])


def test_backward_twice_accumulates(rng):
    values = rng.normal(size=(2, 3))
    x = Tensor(values, requires_grad=True)
    loss = (x.tanh() * x).sum()
    loss.backward()
    first = x.grad.copy()
    loss.backward()  # the graph is kept, as retain_graph=True
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-15)
    np.testing.assert_allclose(first, np.tanh(values) + values / np.cosh(values) ** 2, rtol=1e-12)


def test_gradients_of_two_losses_add_up():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 2.0, 3 + 4.0])


def test_zero_grad_clears_the_accumulated_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 5).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_gradients_never_share_memory():
    """Leaves fed the same upstream array (a + b) or a view (reshape, sum) own their .grad."""
    a, b, c = (Tensor(np.ones((2, 3)), requires_grad=True) for _ in range(3))
    upstream = np.ones((2, 3))
    (a + b + c.reshape(3, 2).reshape(2, 3)).backward(upstream)
    grads = [a.grad, b.grad, c.grad]
    for i, g in enumerate(grads):
        assert g.flags.writeable
        assert not np.shares_memory(g, upstream)
        assert not any(np.shares_memory(g, h) for h in grads[i + 1 :])
    a.grad *= 10  # an optimizer may scale gradients in place
    np.testing.assert_array_equal(b.grad, np.ones((2, 3)))
    d = Tensor(np.ones(4), requires_grad=True)
    d.sum().backward()
    d.grad += 1.0
    np.testing.assert_array_equal(d.grad, [2.0] * 4)


def test_a_graph_100k_nodes_deep():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()  # an iterative walk: no RecursionError
    assert x.grad == 100_001.0
    del y
    gc.collect()  # freeing the chain is not recursive either


def test_backward_with_a_tensor_as_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(Tensor([3.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [6.0, -2.0])


def test_backward_on_a_leaf():
    x = Tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([4.0, 5.0])
    x.backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream)
    assert not np.shares_memory(x.grad, upstream)


# --------------------------------------------------------------------------- grad mode


def test_no_grad_records_nothing():
    w = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (w * 3).exp().sum()
        created = Tensor([1.0], requires_grad=True)  # an explicit leaf keeps its flag
    assert is_grad_enabled()
    assert not y.requires_grad
    assert y.parents == ()
    assert y.is_leaf
    assert y.op == ""
    assert created.requires_grad
    with pytest.raises(RuntimeError, match="does not require gradients"):
        y.backward()


def test_enable_grad_inside_no_grad_records():
    w = Tensor(2.0, requires_grad=True)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = w * w
        z = w * w
        assert not is_grad_enabled()
    assert y.requires_grad
    assert y.parents == (w, w)
    assert y.op == "multiply"
    assert not z.requires_grad
    y.backward()
    assert w.grad == 4.0


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError), no_grad():
        raise KeyError("x")
    assert is_grad_enabled()


def test_no_grad_as_a_decorator():
    @no_grad()
    def step(w):
        return w * 2

    w = Tensor([1.0], requires_grad=True)
    assert not step(w).requires_grad
    assert is_grad_enabled()


def test_constants_record_nothing():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    c = (a * b).exp() + 1.0
    assert not c.requires_grad
    assert c.parents == ()
    assert c.is_leaf
    w = Tensor([1.0, 1.0], requires_grad=True)
    y = (a * w).sum()
    assert y.parents[0].parents == (a, w)
    y.backward()
    assert a.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])


def test_detach_stops_the_gradient():
    x = Tensor([2.0, 3.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad
    assert d.parents == ()
    assert np.shares_memory(d.data, x.data)
    (d * x).sum().backward()  # only the second factor carries a gradient
    np.testing.assert_array_equal(x.grad, [2.0, 3.0])
    assert d.grad is None


def test_requires_grad_can_be_set_on_leaves_only():
    x = Tensor([1.0]).requires_grad_()
    assert x.requires_grad
    with pytest.raises(ValueError, match="leaf"):
        (x * 2).requires_grad_(False)


# --------------------------------------------------------------------------- errors


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ShapeError, match=r"one element.*\(2, 3\)"):
        (x * 2).backward()


def test_backward_of_a_one_element_tensor_needs_no_gradient():
    x = Tensor(np.full((1, 1), 3.0), requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[6.0]])


def test_backward_on_a_tensor_without_gradient_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        Tensor(1.0).exp().backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ShapeError, match=r"shape \(3,\), got \(2,\)"):
        (x * 2).backward(np.ones(2))
    assert x.grad is None


# --------------------------------------------------------------------------- values out


def test_item_and_numpy():
    x = Tensor([[2.5]], requires_grad=True)
    assert x.item() == 2.5
    assert isinstance(x.item(), float)
    assert float(x) == 2.5
    array = np.arange(3.0)
    t = Tensor(array)
    assert t.numpy() is t.data
    assert np.shares_memory(t.numpy(), array)
    assert Tensor(np.float32(1.5)).numpy().dtype == np.float32
    with pytest.raises(ShapeError, match="one element"):
        t.item()


def test_zero_dimensional_results_are_arrays():
    x = Tensor(0.3, requires_grad=True)
    y = (x.exp() * 2).sigmoid()
    y.backward()
    y.backward()
    assert isinstance(y.data, np.ndarray)
    assert isinstance(x.grad, np.ndarray)
    assert x.grad.shape == ()


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (3, np.float64),
        ([1, 2, 3], np.float64),
        (np.arange(3, dtype=np.int32), np.float64),
        (np.array([True, False]), np.float64),
        (2.5, np.float64),
        (np.ones(2, dtype=np.float32), np.float32),
        (np.float32(1.0), np.float32),
        (np.ones(2), np.float64),
    ],
)
def test_constructor_dtypes(data, dtype):
    assert Tensor(data).dtype == dtype


@pytest.mark.parametrize("dtype", ["float32", np.float32, "float64", np.dtype(np.float64)])
def test_constructor_dtype_argument(dtype):
    t = Tensor([1, 2], dtype=dtype)
    assert t.dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    "data",
    [
        np.ones(2, dtype=np.float16),
        np.ones(2, dtype=np.complex128),
        1 + 2j,
        "abc",
        ["a", "b"],
        None,
        [[1.0], [1.0, 2.0]],
    ],
)
def test_constructor_rejects_non_real_data(data):
    with pytest.raises(ArrayTypeError, match="data must"):
        Tensor(data)


@pytest.mark.parametrize("dtype", ["float16", np.int64, "complex64", "nonsense"])
def test_constructor_rejects_other_dtypes(dtype):
    with pytest.raises(ArrayTypeError, match="dtype must be float32 or float64"):
        Tensor([1.0], dtype=dtype)


def test_constructor_rejects_a_non_boolean_requires_grad():
    with pytest.raises(ArrayTypeError, match="requires_grad"):
        Tensor([1.0], requires_grad="yes")


MIXED_FLOAT32 = {
    "tensor * int": lambda x: x * 2,
    "int * tensor": lambda x: 2 * x,
    "tensor + float": lambda x: x + 0.1,
    "float - tensor": lambda x: 1.5 - x,
    "tensor / float": lambda x: x / 3.0,
    "float / tensor": lambda x: 3.0 / (x * x + 1),
    "tensor ** int": lambda x: x**3,
    "float ** tensor": lambda x: 2.0**x,
    "tensor + int array": lambda x: x + np.arange(4),
    "int array * tensor": lambda x: np.arange(4) * x,
    "bool array * tensor": lambda x: np.array([True, False, True, True]) * x,
    "tensor @ int matrix": lambda x: x @ np.arange(8).reshape(4, 2),
    "int matrix @ tensor": lambda x: np.arange(8).reshape(2, 4) @ x,
    "where with a float": lambda x: ad.where(np.array([True, False, True, False]), x, 0.5),
    "clip": lambda x: x.clip(-0.5, 0.5),
    "mean": lambda x: x.mean(),
    "leaky_relu": lambda x: ad.leaky_relu(x, 0.2),
    "log_softmax": lambda x: x.log_softmax(),
    "concatenate with ints": lambda x: ad.concatenate([x, np.arange(2)]),
    "int tensor * tensor": lambda x: Tensor(np.arange(4), dtype="float32") * x,
}


@pytest.mark.parametrize("expression", MIXED_FLOAT32.values(), ids=MIXED_FLOAT32.keys())
def test_python_numbers_and_integer_arrays_keep_float32(expression):
    x = Tensor(np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32), requires_grad=True)
    y = expression(x)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape))  # a float64 upstream gradient is cast to float32
    assert x.grad.dtype == np.float32
    reference = Tensor(x.data.astype(np.float64), requires_grad=True)
    expression(reference).backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad, reference.grad, rtol=1e-6)


def test_float32_and_float64_tensors_promote_but_leaves_keep_their_dtype():
    x32 = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    x64 = Tensor(np.ones(2), requires_grad=True)
    y = x32 * x64
    assert y.dtype == np.float64  # NumPy's promotion of two arrays
    y.sum().backward()
    assert x32.grad.dtype == np.float32
    assert x64.grad.dtype == np.float64


def test_comparisons_give_boolean_arrays():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(x > 1.5, [False, True, True])
    np.testing.assert_array_equal(x <= Tensor([1.0, 1.0, 4.0]), [True, False, True])
