"""Every autodiff operation against PyTorch: forward values and vector-Jacobian products.

Each case builds the same expression from the same NumPy data twice, once with
:class:`mlequations.autodiff.Tensor` and once with ``torch.tensor(...,
requires_grad=True)``, sends one random upstream gradient ``G`` back through both
(``backward(gradient=G)``) and compares the result and the gradient of every input:
to 1e-10 in float64 and to 1e-5 in float32, where every result and every gradient
must stay a float32 ndarray. Each operation also passes :func:`gradcheck`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import mlequations.autodiff as ad
from mlequations.autodiff import Tensor

SHAPES = [(), (4,), (3, 4), (1, 4), (2, 3, 4)]
TOLERANCE = {
    np.float64: {"rtol": 1e-10, "atol": 1e-12},
    np.float32: {"rtol": 1e-5, "atol": 1e-5},
}
DOMAINS = {"r": (-2.0, 2.0), "p": (0.5, 2.0)}  # real line, positive (log, sqrt, bases, divisors)


def _broadcasts(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


PAIRS = [(s, t) for s in SHAPES for t in SHAPES if _broadcasts(s, t)]


@dataclass(frozen=True)
class Case:
    """One expression, in this library (``ours``) and in PyTorch (``theirs(torch, *xs)``)."""

    name: str
    ours: Callable[..., Tensor]
    theirs: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    domains: str = ""  # one letter of DOMAINS per input; "r" when left out

    @property
    def id(self) -> str:
        return f"{self.name}[{','.join(map(str, self.shapes))}]"

    def inputs(self) -> list[np.ndarray]:
        rng = np.random.default_rng(zlib.crc32(self.id.encode()))
        domains = self.domains or "r" * len(self.shapes)
        return [rng.uniform(*DOMAINS[d], size=s) for s, d in zip(self.shapes, domains, strict=True)]


def same(f: Callable[..., Any]) -> Callable[..., Any]:
    """The PyTorch side of an expression written with operators and shared method names."""
    return lambda torch, *xs: f(*xs)


def assert_matches_torch(torch: Any, case: Case, dtype: type) -> None:
    arrays = case.inputs()
    ours = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = case.ours(*ours)
    expected = case.theirs(torch, *theirs)
    upstream = np.random.default_rng(7).standard_normal(out.shape).astype(dtype)
    out.backward(gradient=upstream)
    expected.backward(gradient=torch.tensor(upstream))
    tolerance = TOLERANCE[dtype]
    assert isinstance(out.data, np.ndarray)
    assert out.dtype == dtype
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tolerance)
    for i, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
        assert isinstance(mine.grad, np.ndarray), f"input {i}: grad is {type(mine.grad)}"
        assert mine.grad.dtype == dtype, f"input {i}: {dtype.__name__} in, {mine.grad.dtype} grad"
        assert mine.grad.shape == mine.shape
        np.testing.assert_allclose(
            mine.grad, reference.grad.numpy(), **tolerance, err_msg=f"gradient of input {i}"
        )


# --------------------------------------------------------------------------- the cases

BINARY = {
    "add": (lambda a, b: a + b, "rr"),
    "subtract": (lambda a, b: a - b, "rr"),
    "multiply": (lambda a, b: a * b, "rr"),
    "divide": (lambda a, b: a / b, "rp"),
    "power": (lambda a, b: a**b, "pr"),
}
BINARY_CASES = [
    Case(name, f, same(f), pair, domains) for name, (f, domains) in BINARY.items() for pair in PAIRS
]


def _unary(name: str, ours: Any, theirs: Any = None, domain: str = "r") -> list[Case]:
    return [Case(name, ours, theirs or same(ours), (s,), domain) for s in SHAPES]


def _f(torch: Any) -> Any:
    return torch.nn.functional


UNARY_CASES = [
    *_unary("negative", lambda x: -x),
    *_unary("exp", lambda x: x.exp()),
    *_unary("log", lambda x: x.log(), domain="p"),
    *_unary("sqrt", lambda x: x.sqrt(), domain="p"),
    *_unary("abs", lambda x: x.abs()),
    *_unary("clip", lambda x: x.clip(-0.5, 0.7)),
    *_unary("clip_min", lambda x: x.clip(min=-0.5), lambda t, x: t.clamp(x, min=-0.5)),
    *_unary("clip_max", lambda x: x.clip(max=0.7), lambda t, x: t.clamp(x, max=0.7)),
    *_unary("relu", lambda x: x.relu()),
    *_unary("relu_function", ad.relu, lambda t, x: _f(t).relu(x)),
    *_unary("leaky_relu", ad.leaky_relu, lambda t, x: _f(t).leaky_relu(x)),
    *_unary(
        "leaky_relu_0.2",
        lambda x: ad.leaky_relu(x, negative_slope=0.2),
        lambda t, x: _f(t).leaky_relu(x, negative_slope=0.2),
    ),
    *_unary("sigmoid", lambda x: x.sigmoid()),
    *_unary("tanh", lambda x: x.tanh()),
    *_unary("gelu", ad.gelu, lambda t, x: _f(t).gelu(x)),
    *_unary(
        "gelu_tanh",
        lambda x: ad.gelu(x, approximate="tanh"),
        lambda t, x: _f(t).gelu(x, approximate="tanh"),
    ),
    *_unary("silu", ad.silu, lambda t, x: _f(t).silu(x)),
    *_unary("swish", ad.swish, lambda t, x: _f(t).silu(x)),
    *_unary("swish_1.5", lambda x: ad.swish(x, 1.5), lambda t, x: x * t.sigmoid(1.5 * x)),
    *_unary("square", lambda x: x**2),
    *_unary("cube", lambda x: x**3),
    *_unary("power_0", lambda x: x**0),
    *_unary("power_1", lambda x: x**1),
    *_unary("power_half", lambda x: x**0.5, domain="p"),
    *_unary("power_-1", lambda x: x**-1, domain="p"),
    *_unary("power_-2.5", lambda x: x**-2.5, domain="p"),
    *_unary("scalar_power", lambda x: 2.0**x),
    *_unary("scalar_power_half", lambda x: 0.5**x),
    *_unary("scalar_plus", lambda x: 1.5 + x),
    *_unary("plus_scalar", lambda x: x + 1.5),
    *_unary("scalar_minus", lambda x: 3.0 - x),
    *_unary("scalar_times", lambda x: 2.5 * x),
    *_unary("scalar_over", lambda x: 3.0 / x, domain="p"),
    *_unary("over_scalar", lambda x: x / 4.0),
    *_unary("int_times", lambda x: 3 * x - 2),
]


def _dims(axis: Any, ndim: int) -> Any:
    return tuple(range(ndim)) if axis is None else axis


REDUCTION_AXES = {
    (): [None],
    (4,): [None, 0, -1],
    (3, 4): [None, 0, 1, -1, (0, 1), (-1, 0)],
    (2, 3, 4): [None, 0, 1, -1, (0, 2), (2, 1), (0, 1, 2)],
}
REDUCTIONS = {
    "sum": (lambda x, a, k: x.sum(axis=a, keepdims=k), lambda x, d, k: x.sum(dim=d, keepdim=k)),
    "mean": (lambda x, a, k: x.mean(axis=a, keepdims=k), lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "max": (lambda x, a, k: x.max(axis=a, keepdims=k), lambda x, d, k: x.amax(dim=d, keepdim=k)),
    "function_sum": (lambda x, a, k: ad.sum(x, a, k), lambda x, d, k: x.sum(dim=d, keepdim=k)),
    "function_mean": (lambda x, a, k: ad.mean(x, a, k), lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "function_max": (lambda x, a, k: ad.max(x, a, k), lambda x, d, k: x.amax(dim=d, keepdim=k)),
}


def _reduction(name: str, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Case:
    ours, theirs = REDUCTIONS[name]
    return Case(
        f"{name}(axis={axis},keepdims={keepdims})",
        lambda x: ours(x, axis, keepdims),
        lambda torch, x: theirs(x, _dims(axis, len(shape)), keepdims),
        (shape,),
    )


REDUCTION_CASES = [
    _reduction(name, shape, axis, keepdims)
    for name in REDUCTIONS
    for shape, axes in REDUCTION_AXES.items()
    for axis in axes
    for keepdims in (False, True)
]

SHAPE_CASES = [
    Case(f"reshape{to}", lambda x, to=to: x.reshape(to), same(lambda x, to=to: x.reshape(to)), (s,))
    for s, to in [
        ((2, 3, 4), (6, 4)),
        ((2, 3, 4), (4, -1)),
        ((2, 3, 4), (24,)),
        ((3, 4), (2, 2, 3)),
        ((4,), (2, 2)),
        ((), (1, 1)),
        ((1, 4), (4,)),
    ]
] + [
    Case(
        "reshape_varargs", lambda x: x.reshape(6, 4), same(lambda x: x.reshape(6, 4)), ((2, 3, 4),)
    ),
    Case("transpose()", lambda x: x.transpose(), lambda t, x: x.permute(2, 1, 0), ((2, 3, 4),)),
    Case(
        "transpose(1,0,2)",
        lambda x: x.transpose(1, 0, 2),
        lambda t, x: x.permute(1, 0, 2),
        ((2, 3, 4),),
    ),
    Case(
        "transpose((2,0,1))",
        lambda x: x.transpose((2, 0, 1)),
        lambda t, x: x.permute(2, 0, 1),
        ((2, 3, 4),),
    ),
    Case(
        "transpose(-1,0,1)",
        lambda x: x.transpose(-1, 0, 1),
        lambda t, x: x.permute(2, 0, 1),
        ((2, 3, 4),),
    ),
    Case("permute", lambda x: x.permute(2, 0, 1), same(lambda x: x.permute(2, 0, 1)), ((2, 3, 4),)),
    Case(
        "function_transpose",
        lambda x: ad.transpose(x, (0, 2, 1)),
        lambda t, x: x.permute(0, 2, 1),
        ((2, 3, 4),),
    ),
    Case(".T", lambda x: x.T, same(lambda x: x.T), ((3, 4),)),
    Case(".T", lambda x: x.T, same(lambda x: x.T), ((1, 4),)),
    Case(".T", lambda x: x.T, lambda t, x: x.permute(2, 1, 0), ((2, 3, 4),)),
    Case(".T", lambda x: x.T, lambda t, x: x.permute(0), ((4,),)),
    Case(".T", lambda x: x.T, same(lambda x: x), ((),)),
]


def _torch_index(torch: Any, index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_torch_index(torch, i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index.astype(np.int64) if index.dtype.kind in "iu" else index)
    return index


_MASK_ROWS = np.array([True, False, True])
_MASK_34 = np.random.default_rng(3).random((3, 4)) > 0.4
_MASK_234 = np.random.default_rng(4).random((2, 3, 4)) > 0.5
INDICES = {
    (3, 4): [
        1,
        -1,
        (1, 2),
        (slice(None), slice(1, 3)),
        (Ellipsis, slice(None, None, 2)),
        (None, 0),
        [0, 0, 2],
        (slice(None), [1, 1, 3]),
        np.array([[0, 1], [1, 1]]),
        ([0, 2, 2], [1, 1, 3]),
        _MASK_ROWS,
        _MASK_34,
        (_MASK_ROWS, slice(1, None)),
    ],
    (2, 3, 4): [
        (1, slice(None), -1),
        (None, 0, slice(None), -1),
        (Ellipsis, 2),
        (1, 2, 3),
        (slice(None), [2, 0, 2], slice(None, 2)),
        ([1, 1, 0], [0, 2, 2]),
        _MASK_234,
        (slice(None), _MASK_34),
    ],
}
INDEX_CASES = [
    Case(
        f"getitem#{k}",
        lambda x, i=index: x[i],
        lambda t, x, i=index: x[_torch_index(t, i)],
        (shape,),
    )
    for shape, indices in INDICES.items()
    for k, index in enumerate(indices)
] + [
    Case("reversed", lambda x: x[::-1], lambda t, x: x.flip(0), ((3, 4),)),
    Case("reversed_columns", lambda x: x[:, ::-2], lambda t, x: x.flip(1)[:, ::2], ((3, 4),)),
    Case(
        "function_getitem",
        lambda x: ad.getitem(x, (0, [1, 1])),
        same(lambda x: x[0, [1, 1]]),
        ((3, 4),),
    ),
]

GATHERS = [
    ((3, 4), 1, np.array([[0, 0], [3, 1], [2, 2]])),
    ((3, 4), 0, np.array([[2, 0, 0, 1], [2, 2, 1, 0]])),
    ((2, 3, 4), -1, np.random.default_rng(5).integers(0, 4, (2, 3, 6))),
    ((2, 3, 4), 1, np.random.default_rng(6).integers(0, 3, (2, 5, 4))),
    ((2, 3, 4), 0, np.random.default_rng(8).integers(0, 2, (3, 2, 2))),
]
GATHER_CASES = [
    Case(
        f"gather(axis={axis})",
        lambda x, a=axis, i=index: x.gather(a, i),
        lambda t, x, a=axis, i=index: t.gather(x, a, t.from_numpy(i.astype(np.int64))),
        (shape,),
    )
    for shape, axis, index in GATHERS
] + [
    Case(
        "function_gather",
        lambda x: ad.gather(x, 1, np.array([[1], [0], [1]])),
        lambda t, x: t.gather(x, 1, t.tensor([[1], [0], [1]])),
        ((3, 4),),
    )
]

JOIN_CASES = [
    Case(
        f"concatenate(axis={axis})",
        lambda *xs, a=axis: ad.concatenate(xs, axis=a),
        lambda t, *xs, a=axis: t.cat(xs, dim=a),
        shapes,
    )
    for shapes, axis in [
        (((2, 4), (3, 4), (1, 4)), 0),
        (((2, 3), (2, 1)), -1),
        (((2, 3, 4), (2, 1, 4)), 1),
        (((4,), (2,)), 0),
    ]
] + [
    Case(
        f"stack(axis={axis})",
        lambda *xs, a=axis: ad.stack(list(xs), axis=a),
        lambda t, *xs, a=axis: t.stack(xs, dim=a),
        shapes,
    )
    for shapes, axis in [
        (((3, 4),) * 3, 0),
        (((3, 4),) * 3, 1),
        (((3, 4),) * 2, -1),
        (((), ()), 0),
    ]
]

WHERE_CASES = [
    Case(
        "where",
        lambda a, b: ad.where(_MASK_34, a, b),
        lambda t, a, b: t.where(t.from_numpy(_MASK_34), a, b),
        shapes,
    )
    for shapes in [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (1, 4)), ((2, 3, 4), ())]
] + [
    Case(
        "where_constant",
        lambda a: ad.where(_MASK_234, a, 0.0),
        lambda t, a: t.where(t.from_numpy(_MASK_234), a, 0.0),
        ((3, 4),),
    ),
    Case(
        "where_constant_first",
        lambda b: ad.where(_MASK_34, -1.5, b),
        lambda t, b: t.where(t.from_numpy(_MASK_34), -1.5, b),
        ((4,),),
    ),
]

SOFTMAX_CASES = [
    Case(
        f"{name}(axis={axis})",
        lambda x, n=name, a=axis: getattr(x, n)(a),
        lambda t, x, n=name, a=axis: getattr(x, n)(a),
        (shape,),
    )
    for name in ("softmax", "log_softmax")
    for shape in [(4,), (3, 4), (2, 3, 4)]
    for axis in range(-1, len(shape))
] + [
    Case("function_softmax", lambda x: ad.softmax(x, 0), same(lambda x: x.softmax(0)), ((3, 4),)),
    Case(
        "function_log_softmax",
        lambda x: ad.log_softmax(x),
        same(lambda x: x.log_softmax(-1)),
        ((3, 4),),
    ),
    Case("softmax_default", lambda x: x.softmax(), same(lambda x: x.softmax(-1)), ((2, 3, 4),)),
]

MATMUL_SHAPES = [
    ((4,), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
]
LINEAR_SHAPES = [
    ((4,), (5, 4), (5,)),
    ((3, 4), (5, 4), (5,)),
    ((2, 3, 4), (5, 4), (5,)),
    ((3, 4), (5, 4)),
    ((2, 3, 4), (1, 4), (1,)),
]
LINEAR_CASES = (
    [
        Case("matmul", lambda a, b: a @ b, same(lambda a, b: a @ b), shapes)
        for shapes in MATMUL_SHAPES
    ]
    + [
        Case("function_matmul", ad.matmul, lambda t, a, b: t.matmul(a, b), ((2, 3, 4), (4, 5))),
    ]
    + [
        Case("linear", ad.linear, lambda t, *xs: t.nn.functional.linear(*xs), shapes)
        for shapes in LINEAR_SHAPES
    ]
)

CASES = (
    BINARY_CASES
    + UNARY_CASES
    + REDUCTION_CASES
    + SHAPE_CASES
    + INDEX_CASES
    + GATHER_CASES
    + JOIN_CASES
    + WHERE_CASES
    + SOFTMAX_CASES
    + LINEAR_CASES
)


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_torch(torch, case, dtype):
    assert_matches_torch(torch, case, dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_gradcheck(case):
    assert ad.gradcheck(case.ours, case.inputs())


def test_every_binary_shape_pair_is_covered():
    assert len(PAIRS) == 25  # every pair of SHAPES broadcasts
    for name in BINARY:
        assert {c.shapes for c in BINARY_CASES if c.name == name} == set(PAIRS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_shares_the_gradient_among_ties_like_amax(torch, dtype, axis, keepdims):
    values = np.random.default_rng(9).integers(0, 3, (2, 3, 4)).astype(dtype)  # many ties
    case = Case(
        "max_ties",
        lambda x: x.max(axis=axis, keepdims=keepdims),
        lambda t, x: x.amax(dim=_dims(axis, 3), keepdim=keepdims),
        ((2, 3, 4),),
    )
    x = Tensor(values, requires_grad=True)
    reference = torch.tensor(values, requires_grad=True)
    upstream = np.random.default_rng(1).standard_normal(case.ours(x).shape).astype(dtype)
    case.ours(x).backward(upstream)
    case.theirs(torch, reference).backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad, reference.grad.numpy(), **TOLERANCE[dtype])
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_clip_passes_the_gradient_on_the_boundary_like_clamp(torch, dtype):
    values = np.array([-1.0, -0.5, 0.0, 0.7, 1.0], dtype=dtype)
    x = Tensor(values, requires_grad=True)
    reference = torch.tensor(values, requires_grad=True)
    x.clip(-0.5, 0.7).backward(np.ones(5))
    reference.clamp(-0.5, 0.7).backward(torch.ones(5, dtype=reference.dtype))
    np.testing.assert_array_equal(x.grad, reference.grad.numpy())
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("name", "ours", "theirs"),
    [
        ("relu", lambda x: x.relu(), lambda t, x: x.relu()),
        ("abs", lambda x: x.abs(), lambda t, x: x.abs()),
        ("leaky_relu", ad.leaky_relu, lambda t, x: t.nn.functional.leaky_relu(x)),
        ("power_0", lambda x: x**0, lambda t, x: x**0),
        ("square", lambda x: x**2, lambda t, x: x**2),
        ("max", lambda x: x.max(), lambda t, x: x.amax()),
    ],
    ids=["relu", "abs", "leaky_relu", "power_0", "square", "max"],
)
def test_gradient_at_zero_matches_torch(torch, name, ours, theirs):
    """The conventions at the kinks: relu'(0) = 0, |x|'(0) = 0, d(x^0)/dx = 0 at 0."""
    values = np.array([-1.0, 0.0, 0.0, 2.0]) if name != "max" else np.zeros(4)
    x = Tensor(values, requires_grad=True)
    reference = torch.tensor(values, requires_grad=True)
    upstream = np.array([0.3, -1.2, 0.8, 2.0]) if name != "max" else np.array(1.5)
    ours(x).backward(upstream)
    theirs(torch, reference).backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad, reference.grad.numpy(), rtol=1e-15)


def test_power_of_zero_base_with_tensor_exponent_matches_torch(torch):
    """d(a^b)/db at a = 0: 0 for b > 0, as PyTorch takes it."""
    base, exponent = np.array([0.0, 2.0, 0.0]), np.array([2.0, 1.5, 0.5])
    a, b = Tensor(base), Tensor(exponent, requires_grad=True)
    ta, tb = torch.tensor(base), torch.tensor(exponent, requires_grad=True)
    (a**b).backward(np.ones(3))
    (ta**tb).backward(torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)
