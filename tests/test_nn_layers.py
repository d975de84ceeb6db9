"""nn layers against PyTorch with copied weights: forward values and every gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.nn import functional

TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}
DTYPES = ["float32", "float64"]


def torch_dtype(torch, dtype):
    return {"float32": torch.float32, "float64": torch.float64}[dtype]


def copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


def compare(torch, ours, theirs, x, dtype, rng):
    """Forward on ``x`` (a float array) and backward of a random upstream gradient, both sides."""
    tol = TOLERANCE[dtype]
    x_ours = Tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    out, expected = ours(x_ours), theirs(x_theirs)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
    upstream = rng.normal(size=out.shape).astype(dtype)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x_ours.grad, x_theirs.grad.numpy(), **tol)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad, q.grad.numpy(), **tol, err_msg=name)


# --------------------------------------------------------------------------- Linear


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(7, 5), (2, 3, 5)])
def test_linear_matches_pytorch(torch, rng, dtype, bias, shape):
    ours = nn.Linear(5, 4, bias=bias, dtype=dtype)
    theirs = torch.nn.Linear(5, 4, bias=bias, dtype=torch_dtype(torch, dtype))
    copy_weights(ours, theirs)
    compare(torch, ours, theirs, rng.normal(size=shape).astype(dtype), dtype, rng)


def test_linear_takes_arrays_as_constants_of_its_dtype():
    layer = nn.Linear(3, 2)
    out = layer(np.ones((4, 3)))  # float64 array, float32 layer
    assert out.dtype == np.float32
    with pytest.raises(ArrayTypeError, match="input must have the weight's dtype float32"):
        layer(Tensor(np.ones((4, 3))))
    with pytest.raises(ShapeError, match="in_features=3"):
        layer(np.ones((4, 2)))


def test_linear_default_initialisation_is_pytorchs_bound():
    nn.manual_seed(3)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3); 120,000 draws pin it to ~0.3%.
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0, 3), ValidationError, "in_features must be >= 1, got 0"),
        ((2, 2.5), ArrayTypeError, "out_features must be an integer"),
        ((2, 3, "yes"), ArrayTypeError, "bias must be True or False"),
        ((2, 3, True, "int32"), ArrayTypeError, "dtype must be 'float32' or 'float64'"),
    ],
)
def test_linear_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        nn.Linear(*args)


# --------------------------------------------------------------------------- activations


def activation_pairs(torch):
    return [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.LeakyReLU(), torch.nn.LeakyReLU()),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.GELU(), torch.nn.GELU()),
        (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
        (nn.SiLU(), torch.nn.SiLU()),
        (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
        (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
        (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1)),
    ]


@pytest.mark.parametrize("dtype", DTYPES)
def test_activations_match_pytorch(torch, rng, dtype):
    x = (3 * rng.normal(size=(6, 5))).astype(dtype)
    for ours, theirs in activation_pairs(torch):
        compare(torch, ours, theirs, x, dtype, rng)


def test_activation_arguments_are_checked():
    with pytest.raises(ValidationError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")
    with pytest.raises(ValidationError, match="negative_slope must lie in"):
        nn.LeakyReLU(-0.5)
    with pytest.raises(ArrayTypeError, match="dim must be an integer"):
        nn.Softmax(dim=None)


# --------------------------------------------------------------------------- LayerNorm


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "normalized"), [((6, 5), 5), ((2, 3, 4), (3, 4))])
def test_layer_norm_matches_pytorch(torch, rng, dtype, shape, normalized):
    ours = nn.LayerNorm(normalized, dtype=dtype)
    theirs = torch.nn.LayerNorm(normalized, dtype=torch_dtype(torch, dtype))
    with torch.no_grad():  # away from the ones and zeros of the start
        theirs.weight.normal_()
        theirs.bias.normal_()
    copy_weights(ours, theirs)
    x = (2 * rng.normal(size=shape) + 1).astype(dtype)
    compare(torch, ours, theirs, x, dtype, rng)


@pytest.mark.parametrize(("affine", "bias"), [(False, True), (True, False)])
def test_layer_norm_without_affine_or_bias_matches_pytorch(torch, rng, affine, bias):
    ours = nn.LayerNorm(4, elementwise_affine=affine, bias=bias, dtype="float64")
    theirs = torch.nn.LayerNorm(4, elementwise_affine=affine, bias=bias, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    copy_weights(ours, theirs)
    compare(torch, ours, theirs, rng.normal(size=(3, 4)), "float64", rng)


def test_layer_norm_arguments_are_checked():
    with pytest.raises(ValidationError, match="normalized_shape entries must be >= 1"):
        nn.LayerNorm(0)
    with pytest.raises(ArrayTypeError, match="normalized_shape must be a positive integer"):
        nn.LayerNorm("4")
    with pytest.raises(ShapeError, match=r"input must end in normalized_shape \(4,\)"):
        nn.LayerNorm(4)(np.ones((2, 3)))


# --------------------------------------------------------------------------- Embedding


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_matches_pytorch_with_repeated_indices(torch, rng, dtype):
    ours = nn.Embedding(7, 3, dtype=dtype)
    theirs = torch.nn.Embedding(7, 3, dtype=torch_dtype(torch, dtype))
    copy_weights(ours, theirs)
    indices = np.array([[0, 2, 2], [6, 0, 2]])
    out, expected = ours(indices), theirs(torch.from_numpy(indices))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOLERANCE[dtype])
    upstream = rng.normal(size=out.shape).astype(dtype)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), **TOLERANCE[dtype])


def test_embedding_starts_standard_normal_and_checks_indices():
    nn.manual_seed(0)
    weight = nn.Embedding(500, 200).weight.data
    assert weight.dtype == np.float32
    # 100,000 draws: the mean is within ~0.003 of 0 and the std within ~0.2% of 1.
    assert abs(weight.mean()) < 0.02
    assert weight.std() == pytest.approx(1.0, rel=0.01)
    layer = nn.Embedding(4, 2)
    with pytest.raises(ValidationError, match=r"indices in \[0, 3\], got 4"):
        layer(np.array([1, 4]))
    with pytest.raises(ValidationError, match=r"indices in \[0, 3\], got -1"):
        layer(np.array([-1]))
    with pytest.raises(ArrayTypeError, match="integer array of indices, got dtype float64"):
        layer(np.array([1.0]))
    with pytest.raises(ArrayTypeError, match="got a Tensor"):
        layer(Tensor([1.0]))


# --------------------------------------------------------------------------- MLP end to end


@pytest.mark.parametrize("dtype", DTYPES)
def test_mlp_loss_and_gradients_match_pytorch(torch, rng, dtype):
    ours = nn.MLP([20, 16, 5], dtype=dtype)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5)
    ).to(torch_dtype(torch, dtype))
    copy_weights(ours, theirs)
    x = rng.normal(size=(8, 20)).astype(dtype)
    y = rng.integers(0, 5, size=8)
    loss = functional.cross_entropy(ours(x), y)
    expected = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    assert loss.dtype == np.dtype(dtype)
    np.testing.assert_allclose(loss.item(), expected.item(), **TOLERANCE[dtype])
    loss.backward()
    expected.backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), **TOLERANCE[dtype], err_msg=name)


# --------------------------------------------------------------------------- Dropout


def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.9).eval()
    x = Tensor(np.arange(6.0), requires_grad=True)
    assert layer(x) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_expected_scale(p):
    nn.manual_seed(11)
    x = Tensor(np.ones(200_000, dtype=np.float32), requires_grad=True)
    out = nn.Dropout(p)(x)
    assert out.dtype == np.float32
    kept = out.data != 0
    # The zero fraction has standard deviation sqrt(p(1-p)/n) < 0.0012: allow 0.006.
    assert 1 - kept.mean() == pytest.approx(p, abs=0.006)
    np.testing.assert_allclose(out.data[kept], 1 / (1 - p), rtol=1e-6)
    # The mean of the output has standard deviation sqrt(p/((1-p)n)) < 0.0045: allow 0.025.
    assert out.data.mean() == pytest.approx(1.0, abs=0.025)
    out.backward(np.full(x.shape, 3.0, dtype=np.float32))
    np.testing.assert_allclose(x.grad, 3 * out.data, rtol=1e-6)  # masked and scaled alike


def test_dropout_masks_follow_the_seed_and_the_extremes():
    x = np.ones((4, 5))
    nn.manual_seed(5)
    first = nn.Dropout(0.5)(x).data
    nn.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).data, first)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x)
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).data, 0.0)
    with pytest.raises(ValidationError, match=r"p must be a probability in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
