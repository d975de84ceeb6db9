"""nn.functional against torch.nn.functional: fused losses, layer_norm, dropout, activations."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations._array import ArrayTypeError, EmptyInputError, ShapeError, ValidationError
from mlequations.autodiff import Tensor, gradcheck
from mlequations.nn import functional

TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}
DTYPES = ["float32", "float64"]
REDUCTIONS = ["mean", "sum", "none"]


def both(torch, values, dtype):
    """The same values as a leaf of ours and a leaf of PyTorch's, both requiring gradients."""
    values = np.asarray(values, dtype=dtype)
    return Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def backward_both(torch, ours, theirs, rng):
    """Backpropagate one random upstream gradient (of the output's shape) through both."""
    upstream = rng.normal(size=ours.shape).astype(ours.dtype)
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))


def assert_close(ours, theirs, dtype):
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours, expected, **TOLERANCE[dtype])


# --------------------------------------------------------------------------- cross_entropy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_pytorch(torch, rng, dtype, reduction):
    z, tz = both(torch, 3 * rng.normal(size=(9, 4)), dtype)
    labels = rng.integers(0, 4, size=9)
    loss = functional.cross_entropy(z, labels, reduction=reduction)
    expected = torch.nn.functional.cross_entropy(tz, torch.from_numpy(labels), reduction=reduction)
    assert loss.dtype == np.dtype(dtype)
    assert loss.shape == tuple(expected.shape)
    assert_close(loss.data, expected, dtype)
    backward_both(torch, loss, expected, rng)
    assert z.grad.dtype == np.dtype(dtype)
    assert_close(z.grad, tz.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_exact_at_logits_of_1e4(torch, rng, dtype):
    logits = [[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [0.0, 0.0, 1e4], [-1e4, -1e4, -1e4]]
    labels = np.array([1, 1, 0, 2])
    z, tz = both(torch, logits, dtype)
    loss = functional.cross_entropy(z, labels, reduction="none")
    expected = torch.nn.functional.cross_entropy(tz, torch.from_numpy(labels), reduction="none")
    # Closed form: the gap to the largest logit (plus log 3 for the tied last row).
    np.testing.assert_allclose(loss.data, [2e4, 0.0, 1e4, np.log(3)], rtol=1e-6, atol=1e-6)
    assert_close(loss.data, expected, dtype)
    backward_both(torch, loss, expected, rng)
    assert np.all(np.isfinite(z.grad))
    assert_close(z.grad, tz.grad, dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_probabilities_matches_pytorch(torch, rng, reduction):
    z, tz = both(torch, rng.normal(size=(5, 3)), "float64")
    p = rng.dirichlet(np.ones(3), size=5)
    t, tt = both(torch, p, "float64")
    loss = functional.cross_entropy(z, t, reduction=reduction)
    expected = torch.nn.functional.cross_entropy(tz, tt, reduction=reduction)
    assert_close(loss.data, expected, "float64")
    backward_both(torch, loss, expected, rng)
    assert_close(z.grad, tz.grad, "float64")
    assert_close(t.grad, tt.grad, "float64")


def test_cross_entropy_soft_targets_take_zero_log_zero_as_zero():
    logits = np.array([[0.0, -np.inf, 1.0]])
    target = np.array([[0.5, 0.0, 0.5]])
    loss = functional.cross_entropy(logits, target)
    log_p = logits - np.log(np.exp(0.0) + np.exp(1.0))
    assert loss.item() == pytest.approx(-0.5 * (log_p[0, 0] + log_p[0, 2]), rel=1e-12)


def test_cross_entropy_gradcheck():
    rng = np.random.default_rng(2)
    labels = np.array([0, 2, 1, 2])
    logits = rng.normal(size=(4, 3))
    for reduction in REDUCTIONS:
        assert gradcheck(
            lambda z, r=reduction: functional.cross_entropy(z, labels, reduction=r), [logits]
        )
    probabilities = rng.dirichlet(np.ones(3), size=4)
    assert gradcheck(
        lambda z, t: functional.cross_entropy(z, t, reduction="none"), [logits, probabilities]
    )


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (np.array([0, 3, 1]), ValidationError, r"class indices in \[0, 2\], got 3"),
        (np.array([0, -1, 1]), ValidationError, r"class indices in \[0, 2\], got -1"),
        (np.array([0.0, 1.0, 1.0]), ArrayTypeError, "integer class indices .* got dtype float64"),
        (np.array([True, False, True]), ArrayTypeError, "got dtype bool"),
        (np.array([0, 1]), ShapeError, r"target must have shape \(3,\).* got \(2,\)"),
        (np.full((3, 2), 0.5), ShapeError, r"must have input's shape \(3, 3\), got \(3, 2\)"),
    ],
)
def test_cross_entropy_bad_targets(target, error, message):
    with pytest.raises(error, match=message):
        functional.cross_entropy(Tensor(np.zeros((3, 3))), target)


def test_cross_entropy_bad_input_and_reduction():
    with pytest.raises(
        ShapeError, match=r"input must be logits of shape \(N, C\), got shape \(3,\)"
    ):
        functional.cross_entropy(np.zeros(3), np.array([0]))
    with pytest.raises(EmptyInputError, match="at least one sample"):
        functional.cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(
        ValidationError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"
    ):
        functional.cross_entropy(np.zeros((1, 3)), np.array([0]), reduction="avg")
    with pytest.raises(ArrayTypeError, match="target must have input's dtype float32"):
        functional.cross_entropy(Tensor(np.zeros((1, 2)), dtype="float32"), Tensor([[0.5, 0.5]]))


# --------------------------------------------------------------------------- mse and bce


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_pytorch(torch, rng, dtype, reduction):
    x, tx = both(torch, rng.normal(size=(4, 3)), dtype)
    t, tt = both(torch, rng.normal(size=(4, 3)), dtype)
    loss = functional.mse_loss(x, t, reduction=reduction)
    expected = torch.nn.functional.mse_loss(tx, tt, reduction=reduction)
    assert loss.dtype == np.dtype(dtype)
    assert_close(loss.data, expected, dtype)
    backward_both(torch, loss, expected, rng)
    assert_close(x.grad, tx.grad, dtype)
    assert_close(t.grad, tt.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_pytorch_at_large_logits(torch, rng, dtype, reduction):
    logits = np.concatenate([3 * rng.normal(size=6), [1e4, -1e4, 100.0, -100.0, 0.0]])
    x, tx = both(torch, logits, dtype)
    t, tt = both(torch, rng.random(size=logits.shape), dtype)
    loss = functional.binary_cross_entropy_with_logits(x, t, reduction=reduction)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(tx, tt, reduction=reduction)
    assert np.all(np.isfinite(loss.data))
    assert_close(loss.data, expected, dtype)
    backward_both(torch, loss, expected, rng)
    assert_close(x.grad, tx.grad, dtype)
    assert_close(t.grad, tt.grad, dtype)


def test_regression_losses_gradcheck_and_errors():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 2)), rng.random(size=(3, 2))
    for reduction in REDUCTIONS:
        assert gradcheck(lambda x, t, r=reduction: functional.mse_loss(x, t, reduction=r), [a, b])
        assert gradcheck(
            lambda x, t, r=reduction: functional.binary_cross_entropy_with_logits(
                x, t, reduction=r
            ),
            [a, b],
        )
    with pytest.raises(ShapeError, match=r"same shape, got \(3, 2\) and \(2,\)"):
        functional.mse_loss(a, np.zeros(2))
    with pytest.raises(EmptyInputError, match="input must not be empty"):
        functional.binary_cross_entropy_with_logits(np.zeros(0), np.zeros(0))
    # An array target takes the input's dtype.
    assert functional.mse_loss(Tensor(a, dtype="float32"), b).dtype == np.float32


# --------------------------------------------------------------------------- layer_norm


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_function_matches_pytorch(torch, rng, dtype, affine):
    x, tx = both(torch, 3 * rng.normal(size=(2, 3, 4)) + 2, dtype)
    w, tw = both(torch, rng.normal(size=(3, 4)), dtype)
    b, tb = both(torch, rng.normal(size=(3, 4)), dtype)
    weight, bias = {"both": (w, b), "weight": (w, None), "none": (None, None)}[affine]
    t_weight, t_bias = {"both": (tw, tb), "weight": (tw, None), "none": (None, None)}[affine]
    out = functional.layer_norm(x, (3, 4), weight, bias, eps=1e-3)
    expected = torch.nn.functional.layer_norm(tx, (3, 4), t_weight, t_bias, eps=1e-3)
    assert out.dtype == np.dtype(dtype)
    assert_close(out.data, expected, dtype)
    backward_both(torch, out, expected, rng)
    assert_close(x.grad, tx.grad, dtype)
    for ours, theirs in ((weight, t_weight), (bias, t_bias)):
        if ours is not None:
            assert_close(ours.grad, theirs.grad, dtype)


def test_layer_norm_gradcheck_is_one_node():
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5)
    assert gradcheck(lambda x, w, b: functional.layer_norm(x, 5, w, b), [x, w, b])
    out = functional.layer_norm(Tensor(x, requires_grad=True), 5)
    assert out.op == "layer_norm"
    assert len(out.parents) == 1


def test_layer_norm_function_errors():
    x = np.ones((2, 4))
    with pytest.raises(ShapeError, match=r"weight must have normalized_shape \(4,\), got \(3,\)"):
        functional.layer_norm(x, 4, weight=Tensor(np.ones(3)))
    with pytest.raises(ValidationError, match=r"eps must be >= 0, got -1.0"):
        functional.layer_norm(x, 4, eps=-1.0)
    with pytest.raises(ArrayTypeError, match="bias must have input's dtype float32"):
        functional.layer_norm(Tensor(x, dtype="float32"), 4, bias=Tensor(np.zeros(4)))


# --------------------------------------------------------------------------- the rest


@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_functions_match_pytorch(torch, rng, dtype):
    tf = torch.nn.functional
    pairs = [
        (functional.relu, tf.relu, {}),
        (functional.leaky_relu, tf.leaky_relu, {"negative_slope": 0.3}),
        (functional.sigmoid, torch.sigmoid, {}),
        (functional.tanh, torch.tanh, {}),
        (functional.gelu, tf.gelu, {"approximate": "tanh"}),
        (functional.silu, tf.silu, {}),
        (functional.softmax, tf.softmax, {"dim": 0}),
        (functional.log_softmax, tf.log_softmax, {"dim": 1}),
    ]
    values = 2 * rng.normal(size=(4, 3))
    for ours, theirs, kwargs in pairs:
        x, tx = both(torch, values, dtype)
        out, expected = ours(x, **kwargs), theirs(tx, **kwargs)
        assert_close(out.data, expected, dtype)
        backward_both(torch, out, expected, rng)
        assert_close(x.grad, tx.grad, dtype)


def test_linear_function_matches_pytorch_and_gradchecks(torch, rng):
    x, tx = both(torch, rng.normal(size=(5, 3)), "float64")
    w, tw = both(torch, rng.normal(size=(2, 3)), "float64")
    b, tb = both(torch, rng.normal(size=2), "float64")
    out, expected = functional.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb)
    assert_close(out.data, expected, "float64")
    backward_both(torch, out, expected, rng)
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        assert_close(ours.grad, theirs.grad, "float64")
    assert gradcheck(functional.linear, [x.data, w.data, b.data])


def test_dropout_function_follows_its_generator_and_gradchecks():
    x = np.ones((50, 4))
    first = functional.dropout(x, 0.4, generator=np.random.default_rng(9)).data
    again = functional.dropout(x, 0.4, generator=np.random.default_rng(9)).data
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) == {0.0, 1 / 0.6}
    rng_values = np.random.default_rng(1).normal(size=(3, 4))
    assert gradcheck(
        lambda t: functional.dropout(t, 0.5, generator=np.random.default_rng(3)), [rng_values]
    )
    x_tensor = Tensor(x)
    assert functional.dropout(x_tensor, 0.4, training=False) is x_tensor
    with pytest.raises(ArrayTypeError, match=r"generator must be a numpy.random.Generator"):
        functional.dropout(x, 0.5, generator=np.random.RandomState(0))
    with pytest.raises(ValidationError, match="p must be a probability"):
        functional.dropout(x, -0.1)
    with pytest.raises(ArrayTypeError, match="training must be True or False"):
        functional.dropout(x, 0.1, training=1)


def test_embedding_function_gradchecks():
    table = np.random.default_rng(6).normal(size=(4, 3))
    indices = np.array([[3, 1], [3, 3]])
    assert gradcheck(lambda w: functional.embedding(indices, w), [table])
