"""Conv2d, MaxPool2d and Flatten against PyTorch with copied weights: outputs and gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor, gradcheck
from mlequations.nn import functional

TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-10}, "float32": {"rtol": 1e-5, "atol": 1e-5}}
DTYPES = ["float32", "float64"]


def torch_dtype(torch, dtype):
    return {"float32": torch.float32, "float64": torch.float64}[dtype]


def copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


def compare(torch, ours, theirs, x, dtype, rng):
    """Forward on ``x`` and backward of a random upstream gradient; every gradient compared."""
    tol = TOLERANCE[dtype]
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(x_ours), theirs(x_theirs)
    assert out.dtype == np.dtype(dtype)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
    upstream = rng.normal(size=out.shape).astype(dtype)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    assert x_ours.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(x_ours.grad, x_theirs.grad.numpy(), **tol)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert p.grad.dtype == np.dtype(dtype)
        # a weight gradient sums over the batch and every position: scale the tolerance
        scale = max(1.0, float(np.abs(q.grad.numpy()).max()))
        np.testing.assert_allclose(
            p.grad, q.grad.numpy(), rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=name
        )


# --------------------------------------------------------------------------- Conv2d

CONV_CASES = [  # (in, out, kernel, stride, padding, input shape (N, H, W))
    (3, 4, 3, 1, 0, (2, 9, 8)),
    (3, 4, 3, 2, 1, (2, 9, 8)),
    (1, 2, (2, 3), (2, 1), (1, 2), (3, 7, 7)),
    (4, 5, 1, 1, 0, (2, 6, 10)),
    (2, 3, 5, 3, 2, (2, 5, 5)),
    (2, 6, (3, 1), (1, 3), (0, 1), (1, 8, 9)),
    (2, 3, (2, 3), 1, (0, 2), (2, 6, 5)),  # stride 1, non-square kernel, uneven padding
    (3, 2, (4, 2), 1, (2, 1), (1, 4, 7)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("c_in", "c_out", "kernel", "stride", "padding", "shape"), CONV_CASES)
def test_conv2d_matches_pytorch(
    torch, rng, dtype, bias, c_in, c_out, kernel, stride, padding, shape
):
    ours = nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=bias, dtype=dtype)
    theirs = torch.nn.Conv2d(
        c_in, c_out, kernel, stride, padding, bias=bias, dtype=torch_dtype(torch, dtype)
    )
    copy_weights(ours, theirs)
    x = rng.normal(size=(shape[0], c_in, *shape[1:])).astype(dtype)
    compare(torch, ours, theirs, x, dtype, rng)


def test_conv2d_gradcheck(rng):
    x, w, b = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    assert gradcheck(
        lambda x, w, b: functional.conv2d(x, w, b, stride=(2, 1), padding=1), [x, w, b]
    )
    assert gradcheck(lambda x, w: functional.conv2d(x, w, stride=2), [x, w])


def test_conv2d_gradient_only_where_asked(rng):
    x = Tensor(rng.normal(size=(1, 2, 5, 5)))  # a constant input
    w = Tensor(rng.normal(size=(3, 2, 3, 3)), requires_grad=True)
    b = Tensor(np.zeros(3))  # a constant bias
    functional.conv2d(x, w, b).sum().backward()
    assert x.grad is None
    assert b.grad is None
    # the weight gradient of the summed output: for each kernel offset, the sum of the
    # input values that offset meets over all output positions (a 3x3 window of them)
    window_sums = np.array(
        [[x.data[0, :, i : i + 3, j : j + 3].sum(axis=(1, 2)) for j in range(3)] for i in range(3)]
    )
    for o in range(3):
        np.testing.assert_allclose(w.grad[o], window_sums.transpose(2, 0, 1), rtol=1e-12)


def test_conv2d_input_gradient_with_a_constant_weight(torch, rng):
    x, w = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    ours = Tensor(x, requires_grad=True)
    (functional.conv2d(ours, Tensor(w), stride=(2, 1), padding=1) ** 2).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.conv2d(theirs, torch.from_numpy(w), stride=(2, 1), padding=1)
    out.square().sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_gradients_accumulate_like_pytorch(torch, rng):
    layer = nn.Conv2d(2, 3, 3, dtype="float64")
    x = rng.normal(size=(2, 2, 5, 5))
    layer(x).sum().backward()
    first = layer.weight.grad.copy()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, 2 * first, rtol=1e-12)


def test_conv2d_default_initialisation_has_pytorchs_bounds(torch):
    """Kaiming uniform with a = sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the bias too."""
    nn.manual_seed(0)
    torch.manual_seed(0)
    ours = nn.Conv2d(16, 64, (3, 5))
    theirs = torch.nn.Conv2d(16, 64, (3, 5))
    bound = 1 / math.sqrt(16 * 3 * 5)
    pairs = [
        (ours.weight.data, ours.bias.data),
        (theirs.weight.detach().numpy(), theirs.bias.detach().numpy()),
    ]
    for layer_weight, layer_bias in pairs:
        assert np.abs(layer_weight).max() <= bound
        assert np.abs(layer_bias).max() <= bound
        # a uniform on [-a, a] has standard deviation a / sqrt(3)
        assert layer_weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
        assert layer_weight.mean() == pytest.approx(0.0, abs=0.03 * bound)  # 6 standard errors
        assert np.abs(layer_weight).max() > 0.99 * bound
    assert ours.weight.dtype == np.float32


def test_conv2d_layer_shapes_repr_and_state(torch):
    layer = nn.Conv2d(16, 32, 3, padding=1, bias=False)
    assert repr(layer) == repr(torch.nn.Conv2d(16, 32, 3, padding=1, bias=False))
    assert repr(nn.Conv2d(1, 2, (2, 3), stride=2)) == repr(torch.nn.Conv2d(1, 2, (2, 3), stride=2))
    assert [name for name, _ in nn.Conv2d(1, 2, 3).named_parameters()] == ["weight", "bias"]
    assert layer(np.ones((2, 16, 28, 28), dtype=np.float32)).shape == (2, 32, 28, 28)


def test_conv2d_errors_name_the_argument():
    layer = nn.Conv2d(3, 4, 3)
    with pytest.raises(ShapeError, match=r"weight must have in_channels = 2"):
        layer(np.ones((1, 2, 8, 8)))
    with pytest.raises(ShapeError, match=r"weight's kernel \(3, 3\) must fit in the padded input"):
        layer(np.ones((1, 3, 2, 8)))
    with pytest.raises(ShapeError, match=r"input must be a 4-D array"):
        layer(np.ones((3, 8, 8)))
    with pytest.raises(ArrayTypeError, match="input must have the weight's dtype float32"):
        layer(Tensor(np.ones((1, 3, 8, 8))))
    with pytest.raises(ValidationError, match="stride must be >= 1, got 0"):
        nn.Conv2d(3, 4, 3, stride=0)
    with pytest.raises(ValidationError, match="kernel_size must be >= 1, got 0"):
        nn.Conv2d(3, 4, (0, 3))
    with pytest.raises(ValidationError, match="in_channels must be >= 1"):
        nn.Conv2d(0, 4, 3)


# --------------------------------------------------------------------------- MaxPool2d

POOL_CASES = [  # (kernel, stride, padding, input shape)
    (2, None, 0, (2, 3, 8, 8)),
    (2, None, 0, (2, 3, 9, 7)),  # odd sizes: the last row / column is dropped
    (3, 2, 1, (2, 2, 9, 8)),  # overlapping windows
    (3, 1, 0, (1, 2, 6, 6)),
    ((2, 3), (1, 2), (1, 1), (2, 2, 7, 9)),
    (2, 3, 0, (1, 2, 8, 8)),  # stride larger than the window: gaps
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("kernel", "stride", "padding", "shape"), POOL_CASES)
def test_max_pool2d_matches_pytorch(torch, rng, dtype, kernel, stride, padding, shape):
    ours, theirs = (
        nn.MaxPool2d(kernel, stride, padding),
        torch.nn.MaxPool2d(kernel, stride, padding),
    )
    compare(torch, ours, theirs, rng.normal(size=shape).astype(dtype), dtype, rng)


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), (3, 2)])
def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum(torch, rng, kernel, stride):
    """Few distinct values give many ties; PyTorch (CPU) picks the first in row-major order."""
    x = rng.integers(0, 3, size=(2, 3, 9, 9)).astype(np.float64)
    compare(
        torch, nn.MaxPool2d(kernel, stride), torch.nn.MaxPool2d(kernel, stride), x, "float64", rng
    )
    constant = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    functional.max_pool2d(constant, 2).sum().backward()
    np.testing.assert_array_equal(constant.grad[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool2d_gradcheck(rng):
    x = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0  # distinct: no ties to break
    assert gradcheck(lambda x: functional.max_pool2d(x, 3, 2, 1), [x])
    assert gradcheck(lambda x: functional.max_pool2d(x, (2, 3)), [x])


def test_max_pool2d_propagates_nan_like_pytorch(torch):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = np.nan
    ours = functional.max_pool2d(x, 2).data
    theirs = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_max_pool2d_errors_name_the_argument():
    with pytest.raises(ValidationError, match="padding must be at most half of kernel_size"):
        functional.max_pool2d(np.ones((1, 1, 6, 6)), 2, padding=2)
    with pytest.raises(ShapeError, match=r"kernel_size \(5, 5\) must fit in the padded input"):
        functional.max_pool2d(np.ones((1, 1, 4, 4)), 5)
    with pytest.raises(ValidationError, match="stride must be >= 1"):
        nn.MaxPool2d(2, stride=0)
    with pytest.raises(ShapeError, match="input must be a 4-D array"):
        functional.max_pool2d(np.ones((4, 4)), 2)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"


# --------------------------------------------------------------------------- Flatten


@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, -1), (1, 2), (2, 3), (-2, -1), (3, 3)])
def test_flatten_matches_pytorch(torch, rng, start, end):
    ours, theirs = nn.Flatten(start, end), torch.nn.Flatten(start, end)
    compare(torch, ours, theirs, rng.normal(size=(2, 3, 4, 5)), "float64", rng)


def test_flatten_errors():
    with pytest.raises(ValidationError, match="start_dim must not come after end_dim"):
        nn.Flatten(2, 1)(np.ones((2, 3, 4)))
    with pytest.raises(ShapeError, match="end_dim must be in"):
        nn.Flatten(1, 5)(np.ones((2, 3, 4)))
    with pytest.raises(ArrayTypeError, match="start_dim must be an integer"):
        nn.Flatten(1.0)


# --------------------------------------------------------------------------- a small CNN


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_small_cnn_matches_pytorch_end_to_end(torch, rng, dtype):
    def build(module):
        return module.Sequential(
            module.Conv2d(1, 4, 3, padding=1, **kw(module)),
            module.ReLU(),
            module.MaxPool2d(2),
            module.Conv2d(4, 6, 3, **kw(module)),
            module.Flatten(),
            module.Linear(6 * 2 * 2, 3, **kw(module)),
        )

    def kw(module):
        return {"dtype": dtype if module is nn else torch_dtype(torch, dtype)}

    ours, theirs = build(nn), build(torch.nn)
    copy_weights(ours, theirs)
    compare(torch, ours, theirs, rng.normal(size=(5, 1, 8, 8)).astype(dtype), dtype, rng)
