"""``grad`` and ``gradcheck``: closed forms, a deliberately broken backward, random graphs.

Random composite graphs (hypothesis draws small expression trees over three inputs
of broadcasting shapes) must pass :func:`gradcheck` and agree with PyTorch. The
three ways to a gradient of :mod:`mlequations` (reverse mode, finite differences in
:func:`mlequations.calculus.numerical_gradient`, SymPy in
:func:`mlequations.symbolic.symbolic_gradient`) must agree with each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlequations.autodiff as ad
from conftest import require
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import GradcheckError, Tensor, grad, gradcheck, no_grad, record
from mlequations.calculus import numerical_gradient
from mlequations.symbolic import symbolic_gradient

# --------------------------------------------------------------------------- grad


def test_grad_of_a_sum_of_squares():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(grad(lambda t: (t**2).sum())(x), 2 * x)


def test_grad_of_the_guide_example():
    g = grad(lambda t: t[0] ** 2 + 2 * t[1] ** 2 - t[2] ** 2)
    np.testing.assert_array_equal(g([1.0, -1.0, 1.0]), [2.0, -4.0, -2.0])


def test_grad_of_log_sum_exp_is_softmax(rng):
    w = rng.normal(size=5)
    expected = np.exp(w) / np.exp(w).sum()
    np.testing.assert_allclose(grad(lambda t: t.exp().sum().log())(w), expected, rtol=1e-13)


def test_grad_of_a_layer_with_respect_to_the_weights(rng):
    weights, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    g = grad(lambda w, v: (w @ v).tanh().sum())
    expected = np.outer(1 - np.tanh(weights @ x) ** 2, x)
    np.testing.assert_allclose(g(weights, x), expected, rtol=1e-13)


def _f(x: Tensor, y: Tensor) -> Tensor:
    return (x * y).sum() + (x**2 * y).sum()


@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0), (1,)])
def test_grad_argnums(rng, argnums):
    x, y = rng.normal(size=3), rng.normal(size=3)
    closed_form = {0: y + 2 * x * y, 1: x + x**2}
    result = grad(_f, argnums=argnums)(x, y)
    if isinstance(argnums, int):
        np.testing.assert_allclose(result, closed_form[argnums % 2], rtol=1e-14)
    else:
        assert isinstance(result, tuple)
        assert len(result) == len(argnums)
        for number, value in zip(argnums, result, strict=True):
            np.testing.assert_allclose(value, closed_form[number], rtol=1e-14)


def test_grad_of_an_unused_argument_is_zero():
    result = grad(lambda x, y: (x * 2).sum(), argnums=1)(np.ones(2), np.ones((2, 3)))
    np.testing.assert_array_equal(result, np.zeros((2, 3)))


def test_grad_keeps_float32_and_leaves_tensor_arguments_alone():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    result = grad(lambda t: (t * t).sum())(x)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [2.0, 4.0])
    assert x.grad is None


def test_grad_works_inside_no_grad():
    with no_grad():
        np.testing.assert_array_equal(grad(lambda t: (3 * t).sum())([1.0, 2.0]), [3.0, 3.0])


def test_grad_errors():
    with pytest.raises(ShapeError, match="one-element Tensor"):
        grad(lambda t: t * 2)(np.ones(3))
    with pytest.raises(ShapeError, match="one-element Tensor"):
        grad(lambda t: 1.0)(np.ones(3))
    with pytest.raises(ValidationError, match="argnums"):
        grad(lambda t: t.sum(), argnums=1)(np.ones(3))
    with pytest.raises(ArrayTypeError, match="callable"):
        grad(3)


# --------------------------------------------------------------------------- gradcheck


def _broken_square(x: Tensor) -> Tensor:
    """x^2 whose backward forgets the factor 2."""
    return record("broken_square", x.data**2, (x,), lambda g: (g * x.data,))


def _broken_product(a: Tensor, b: Tensor) -> Tensor:
    """a b with a correct gradient for a and a wrong sign for b."""
    return record("broken_product", a.data * b.data, (a, b), lambda g: (g * b.data, -g * a.data))


def test_gradcheck_catches_a_wrong_backward():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(_broken_square, [np.array([1.0, 2.0, 3.0])])
    message = str(caught.value)
    assert "input 0" in message
    assert "output[0] / d input[0]" in message
    assert "2.0" in message
    assert "1.0" in message
    assert "backpropagation" in message
    assert "central differences" in message


def test_gradcheck_names_the_input_with_the_wrong_gradient():
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(_broken_product, [np.array([1.0, 2.0]), np.array([3.0, 4.0])])


def test_gradcheck_can_return_false():
    assert gradcheck(_broken_square, [np.array([1.0])], raise_exception=False) is False


def test_gradcheck_passes_a_correct_custom_operation():
    def square(x: Tensor) -> Tensor:
        return record("square", x.data**2, (x,), lambda g: (2 * g * x.data,))

    assert gradcheck(square, [np.array([[1.0, -2.0], [0.5, 3.0]])])
    assert gradcheck(lambda x: square(x).sum(), np.array([1.0, 2.0]))  # one array, one input


def test_gradcheck_leaves_its_inputs_alone():
    values = np.array([1.0, 2.0])
    gradcheck(lambda x: x.exp(), [values])
    np.testing.assert_array_equal(values, [1.0, 2.0])


def test_gradcheck_validates_its_arguments():
    with pytest.raises(ValidationError, match="eps must be positive"):
        gradcheck(lambda x: x, [np.ones(2)], eps=0.0)
    with pytest.raises(ValidationError, match="at least one"):
        gradcheck(lambda x: x, [])


# --------------------------------------------------------------------------- random graphs


def _ours_torch(ours: Any, theirs: Any = None) -> tuple[Any, Any]:
    """This library's operation and PyTorch's, which takes the torch module first."""
    return ours, theirs or (lambda torch, *xs: ours(*xs))


UNARY = {
    "negative": _ours_torch(lambda x: -x),
    "exp_tanh": _ours_torch(lambda x: x.tanh().exp()),
    "log_1_plus_square": _ours_torch(lambda x: (1 + x * x).log()),
    "sqrt_1_plus_square": _ours_torch(lambda x: (x * x + 1).sqrt()),
    "sigmoid": _ours_torch(lambda x: x.sigmoid()),
    "tanh": _ours_torch(lambda x: x.tanh()),
    "gelu": _ours_torch(ad.gelu, lambda t, x: t.nn.functional.gelu(x)),
    "silu": _ours_torch(ad.silu, lambda t, x: t.nn.functional.silu(x)),
    "softmax": _ours_torch(lambda x: x.softmax(-1) if x.ndim else x),
    "log_softmax": _ours_torch(lambda x: x.log_softmax(0) if x.ndim else x),
    "sum_last": _ours_torch(
        lambda x: x.sum(axis=-1, keepdims=True) if x.ndim else x,
        lambda t, x: x.sum(dim=-1, keepdim=True) if x.ndim else x,
    ),
    "mean_first": _ours_torch(
        lambda x: x.mean(axis=0, keepdims=True) if x.ndim else x,
        lambda t, x: x.mean(dim=0, keepdim=True) if x.ndim else x,
    ),
    "max_last": _ours_torch(
        lambda x: x.max(axis=-1, keepdims=True) if x.ndim else x,
        lambda t, x: x.amax(dim=-1, keepdim=True) if x.ndim else x,
    ),
    "reverse_last": _ours_torch(lambda x: x[..., ::-1] if x.ndim else x, lambda t, x: x.flip(-1)),
}
BINARY = {
    "add": _ours_torch(lambda a, b: a + b),
    "subtract": _ours_torch(lambda a, b: a - b),
    "multiply": _ours_torch(lambda a, b: a * b),
    "divide": _ours_torch(lambda a, b: a / (1 + b * b)),
    "power": _ours_torch(lambda a, b: (a * a + 0.5) ** b.tanh()),
}
# Every pair of these broadcasts, and so does every shape the unary operations make.
LEAF_SHAPES = [(), (4,), (1, 4), (3, 4), (2, 3, 4)]
N_INPUTS = 3

expressions = st.recursive(
    st.integers(0, N_INPUTS - 1),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    ),
    max_leaves=8,
)


def evaluate(tree: Any, inputs: list[Any], torch: Any = None) -> Any:
    """The expression ``tree`` on ``inputs``, with PyTorch when ``torch`` is given."""
    if isinstance(tree, int):
        return inputs[tree]
    name, *children = tree
    ours, theirs = (UNARY if len(children) == 1 else BINARY)[name]
    arguments = [evaluate(child, inputs, torch) for child in children]
    return ours(*arguments) if torch is None else theirs(torch, *arguments)


@given(
    tree=expressions,
    shapes=st.lists(st.sampled_from(LEAF_SHAPES), min_size=N_INPUTS, max_size=N_INPUTS),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_graphs_pass_gradcheck_and_match_torch(tree, shapes, seed):
    torch = require("torch")
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=shape) for shape in shapes]
    assert gradcheck(lambda *xs: evaluate(tree, list(xs)), arrays)

    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = evaluate(tree, ours), evaluate(tree, theirs, torch)
    if not out.requires_grad:  # a tree of one leaf
        return
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours, theirs, strict=True):
        if reference.grad is None:
            assert mine.grad is None
        else:
            np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- three ways

THREE_WAYS = [
    (
        "theta1**2 + 2*theta2**2 - theta3**2",
        lambda t: t[0] ** 2 + 2 * t[1] ** 2 - t[2] ** 2,
        [1.0, -1.0, 1.0],
    ),
    (
        "exp(theta1*theta2) + log(1 + theta3**2)",
        lambda t: (t[0] * t[1]).exp() + (1 + t[2] ** 2).log(),
        [0.3, -0.7, 1.2],
    ),
    (
        "sqrt(theta1**2 + theta2**2) * tanh(theta3)",
        lambda t: (t[0] ** 2 + t[1] ** 2).sqrt() * t[2].tanh(),
        [1.5, -0.5, 0.4],
    ),
    (
        "theta1/(1 + theta2**2) + 1/(1 + exp(-theta3)) + theta1**theta2",
        lambda t: t[0] / (1 + t[1] ** 2) + t[2].sigmoid() + t[0] ** t[1],
        [0.8, 1.3, -2.0],
    ),
]


@pytest.mark.parametrize(("expression", "function", "point"), THREE_WAYS)
def test_reverse_mode_finite_differences_and_sympy_agree(expression, function, point):
    reverse = grad(function)(point)
    symbolic = symbolic_gradient(expression, ["theta1", "theta2", "theta3"], at=point).value
    numerical = numerical_gradient(lambda v: function(Tensor(v)).item(), point)
    np.testing.assert_allclose(reverse, symbolic, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(numerical, symbolic, rtol=1e-7, atol=1e-9)
