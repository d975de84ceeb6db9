"""Attention layers on the engine against PyTorch: outputs and gradients with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor, gradcheck
from mlequations.nn import functional_attention as fused

TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-10}, "float32": {"rtol": 1e-5, "atol": 1e-5}}
N, L, S, E, H = 3, 5, 4, 8, 2


@pytest.fixture(params=["float64", "float32"])
def dtype(request) -> str:
    return request.param


def to_torch(torch, array, requires_grad: bool = False):
    return torch.tensor(np.asarray(array)).requires_grad_(requires_grad)


def copied(torch, ours: nn.Module, theirs):
    """``theirs`` with our parameters, in our precision (the state dict keys must match)."""
    theirs = (
        theirs.double()
        if ours.state_dict()[next(iter(ours.state_dict()))].dtype == np.float64
        else theirs
    )
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})
    return theirs


def assert_close(ours, theirs, dtype: str) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    ours = ours.data if isinstance(ours, Tensor) else ours
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE[dtype])


def assert_same_gradients(ours: nn.Module, theirs, dtype: str) -> None:
    named = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, named[name].grad, dtype)


def backward_both(torch, out, ref, rng) -> None:
    """Backpropagate the same random weighting of the outputs through both graphs."""
    weights = rng.standard_normal(out.shape).astype(out.dtype)
    (out * Tensor(weights)).sum().backward()
    (ref * torch.from_numpy(weights)).sum().backward()


# --------------------------------------------------------------------------- MultiheadAttention


def make_mha(torch, dtype: str, **kwargs):
    nn.manual_seed(1)
    ours = nn.MultiheadAttention(E, H, dtype=dtype, **kwargs)
    theirs = torch.nn.MultiheadAttention(
        E, H, batch_first=kwargs.pop("batch_first", True), **kwargs
    )
    return ours, copied(torch, ours, theirs)


def run_mha(torch, rng, dtype, query, key, value, same=None, **kwargs):
    """Forward and backward through both layers; returns ((out, weights), (ref_out, ref_w))."""
    torch_kwargs = {
        k: to_torch(torch, v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
    }
    ours, theirs = same if same is not None else make_mha(torch, dtype)
    ours_inputs = [Tensor(a, requires_grad=True) for a in (query, key, value)]
    theirs_inputs = [to_torch(torch, a, True) for a in (query, key, value)]
    # Keep the identity of the inputs (self-attention packs one projection).
    for i, j in ((1, 0), (2, 0), (2, 1)):
        if (query, key, value)[i] is (query, key, value)[j]:
            ours_inputs[i], theirs_inputs[i] = ours_inputs[j], theirs_inputs[j]
    out, w = ours(*ours_inputs, **kwargs)
    ref, ref_w = theirs(*theirs_inputs, **torch_kwargs)
    loss_weights = [rng.standard_normal(out.shape)] + (
        [rng.standard_normal(w.shape)] if w is not None else []
    )
    total = (out * Tensor(loss_weights[0].astype(dtype))).sum()
    ref_total = (ref * torch.from_numpy(loss_weights[0].astype(dtype))).sum()
    if w is not None:
        total = total + (w * Tensor(loss_weights[1].astype(dtype))).sum()
        ref_total = ref_total + (ref_w * torch.from_numpy(loss_weights[1].astype(dtype))).sum()
    total.backward()
    ref_total.backward()
    assert_close(out, ref, dtype)
    if w is not None:
        assert_close(w, ref_w, dtype)
    for a, b in zip(ours_inputs, theirs_inputs, strict=True):
        if a.grad is not None:
            assert_close(a.grad, b.grad, dtype)
    assert_same_gradients(ours, theirs, dtype)
    return out, w


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_self_attention_matches_torch(torch, rng, dtype, need_weights, average) -> None:
    x = rng.standard_normal((N, L, E)).astype(dtype)
    _out, w = run_mha(
        torch, rng, dtype, x, x, x, need_weights=need_weights, average_attn_weights=average
    )
    assert (w is None) == (not need_weights)
    if w is not None:
        assert w.shape == ((N, L, L) if average else (N, H, L, L))


@pytest.mark.parametrize("kind", ["key_is_value", "separate"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention_matches_torch(torch, rng, dtype, kind, need_weights) -> None:
    query = rng.standard_normal((N, L, E)).astype(dtype)
    key = rng.standard_normal((N, S, E)).astype(dtype)
    value = key if kind == "key_is_value" else rng.standard_normal((N, S, E)).astype(dtype)
    run_mha(torch, rng, dtype, query, key, value, need_weights=need_weights)


def causal_bool(length: int) -> np.ndarray:
    """PyTorch MHA convention: True where attention is NOT allowed (above the diagonal)."""
    return np.triu(np.ones((length, length), dtype=bool), k=1)


@pytest.mark.parametrize(
    "mask_kind", ["bool", "float", "per_head", "padding", "padding_float", "both"]
)
@pytest.mark.parametrize("need_weights", [True, False])
def test_masks_match_torch(torch, rng, dtype, mask_kind, need_weights) -> None:
    x = rng.standard_normal((N, L, E)).astype(dtype)
    padding = np.zeros((N, L), dtype=bool)
    padding[0, -2:] = True
    padding[2, 0] = True
    masks = {
        "bool": {"attn_mask": causal_bool(L)},
        "float": {"attn_mask": rng.standard_normal((L, L)).astype(dtype)},
        "per_head": {"attn_mask": rng.random((N * H, L, L)) < 0.3},
        "padding": {"key_padding_mask": padding},
        "padding_float": {"key_padding_mask": np.where(padding, -1e9, 0.0).astype(dtype)},
        "both": {"attn_mask": causal_bool(L), "key_padding_mask": ~np.tri(N, L, 1, dtype=bool)},
    }[mask_kind]
    if mask_kind == "per_head":
        masks["attn_mask"][..., 0] = False  # every query keeps a key
    run_mha(torch, rng, dtype, x, x, x, need_weights=need_weights, **masks)


def test_is_causal_alone_applies_the_causal_mask(torch, rng) -> None:
    x = rng.standard_normal((N, L, E))
    ours, theirs = make_mha(torch, "float64")
    out, _ = ours(x, x, x, need_weights=False, is_causal=True)
    mask = causal_bool(L)
    ref, _ = theirs(*(to_torch(torch, x),) * 3, attn_mask=to_torch(torch, mask), is_causal=True)
    assert_close(out, ref, "float64")
    # is_causal with a mask is a hint: the mask decides, as in PyTorch.
    hinted, _ = ours(x, x, x, attn_mask=mask, need_weights=False, is_causal=True)
    assert_close(hinted, ref, "float64")


def test_fully_masked_query_gives_the_bias_not_nan(torch, rng) -> None:
    """PyTorch gives NaN for a batch whose keys are all padding; we give zero attention."""
    x = rng.standard_normal((2, L, E))
    padding = np.zeros((2, L), dtype=bool)
    padding[1] = True
    ours, theirs = make_mha(torch, "float64")
    theirs.out_proj.bias.data.normal_()
    ours.out_proj.bias.data[...] = theirs.out_proj.bias.detach().numpy()
    out, w = ours(x, x, x, key_padding_mask=padding)
    ref, _ = theirs(*(to_torch(torch, x),) * 3, key_padding_mask=to_torch(torch, padding))
    assert_close(out.data[0], ref[0], "float64")
    np.testing.assert_allclose(out.data[1], np.broadcast_to(ours.out_proj.bias.data, (L, E)))
    np.testing.assert_array_equal(w.data[1], 0.0)
    (out.sum() + w.sum()).backward()
    assert all(np.isfinite(p.grad).all() for p in ours.parameters())


def test_kdim_vdim_and_layouts_match_torch(torch, rng, dtype) -> None:
    query = rng.standard_normal((L, N, E)).astype(dtype)
    key = rng.standard_normal((S, N, 5)).astype(dtype)
    value = rng.standard_normal((S, N, 3)).astype(dtype)
    nn.manual_seed(2)
    ours = nn.MultiheadAttention(E, H, kdim=5, vdim=3, batch_first=False, dtype=dtype)
    theirs = copied(torch, ours, torch.nn.MultiheadAttention(E, H, kdim=5, vdim=3))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    out, w = run_mha(torch, rng, dtype, query, key, value, same=(ours, theirs))
    assert out.shape == (L, N, E)
    assert w.shape == (N, L, S)


def test_unbatched_input_matches_torch(torch, rng, dtype) -> None:
    x = rng.standard_normal((L, E)).astype(dtype)
    mask = causal_bool(L)
    out, w = run_mha(torch, rng, dtype, x, x, x, attn_mask=mask, average_attn_weights=False)
    assert out.shape == (L, E)
    assert w.shape == (H, L, L)


def test_default_initialisation_is_pytorch_s(torch) -> None:
    nn.manual_seed(0)
    layer = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # Xavier uniform on the (3E, E) matrix
    weight = layer.in_proj_weight.data
    assert weight.shape == (192, 64)
    assert weight.dtype == np.float32
    assert bound * 0.95 < np.abs(weight).max() <= bound
    np.testing.assert_array_equal(layer.in_proj_bias.data, 0.0)
    np.testing.assert_array_equal(layer.out_proj.bias.data, 0.0)
    assert np.abs(layer.out_proj.weight.data).max() <= 1 / 8
    keys = list(torch.nn.MultiheadAttention(64, 4).state_dict())
    assert list(layer.state_dict()) == keys


def test_dropout_is_off_in_eval_and_reproducible_in_training(rng) -> None:
    x = rng.standard_normal((N, L, E)).astype(np.float32)
    layer = nn.MultiheadAttention(E, H, dropout=0.5)
    layer.eval()
    reference, _ = nn.MultiheadAttention.forward(layer, x, x, x)
    layer.train()
    nn.manual_seed(5)
    first, _w = layer(x, x, x, need_weights=False)
    nn.manual_seed(5)
    second, _ = layer(x, x, x, need_weights=False)
    np.testing.assert_array_equal(first.data, second.data)
    assert not np.allclose(first.data, reference.data)
    layer.dropout = 1.0  # every weight dropped: only the output bias is left
    out, weights = layer(x, x, x)
    np.testing.assert_allclose(out.data, np.broadcast_to(layer.out_proj.bias.data, out.shape))
    np.testing.assert_array_equal(weights.data, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"embed_dim": 10, "num_heads": 4}, ValidationError, "embed_dim must be divisible"),
        ({"embed_dim": 8, "num_heads": 2, "dropout": 1.5}, ValidationError, "dropout"),
        ({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, ValidationError, "add_bias_kv"),
        ({"embed_dim": 8, "num_heads": 0}, ValidationError, "num_heads"),
    ],
)
def test_bad_construction_is_named(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        nn.MultiheadAttention(**kwargs)


def test_bad_inputs_are_named(rng) -> None:
    layer = nn.MultiheadAttention(E, H)
    x = rng.standard_normal((N, L, E)).astype(np.float32)
    with pytest.raises(ShapeError, match=r"query must have shape \(N, L, 8\)"):
        layer(x[..., :6], x[..., :6], x[..., :6])
    with pytest.raises(ShapeError, match="key must have shape"):
        layer(x, x[..., :4], x)
    with pytest.raises(ArrayTypeError, match="query must have the layer's dtype float32"):
        layer(Tensor(x.astype(np.float64)), x, x)
    with pytest.raises(ShapeError, match="attn_mask must have shape"):
        layer(x, x, x, attn_mask=np.zeros((L, L + 1), dtype=bool))
    with pytest.raises(ShapeError, match="key_padding_mask must have shape"):
        layer(x, x, x, key_padding_mask=np.zeros((N, L + 1), dtype=bool))
    with pytest.raises(ArrayTypeError, match="need_weights must be True or False"):
        layer(x, x, x, need_weights=1)


# ---------------------------------------------------------------- TransformerEncoderLayer


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("causal", [False, True])
def test_encoder_layer_matches_torch(torch, rng, dtype, norm_first, activation, causal) -> None:
    d_model, nhead, hidden = 16, 4, 24
    nn.manual_seed(3)
    ours = nn.TransformerEncoderLayer(
        d_model, nhead, hidden, activation=activation, norm_first=norm_first, dtype=dtype
    )
    theirs = torch.nn.TransformerEncoderLayer(
        d_model,
        nhead,
        hidden,
        dropout=0.0,
        activation=activation,
        batch_first=True,
        norm_first=norm_first,
    )
    theirs = copied(torch, ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rng.standard_normal((N, L, d_model)).astype(dtype)
    padding = np.zeros((N, L), dtype=bool)
    padding[1, -1] = True
    xs, xt = Tensor(x, requires_grad=True), to_torch(torch, x, True)
    out = ours(xs, src_key_padding_mask=padding, is_causal=causal)
    mask = to_torch(torch, causal_bool(L)) if causal else None
    ref = theirs(xt, src_mask=mask, src_key_padding_mask=to_torch(torch, padding), is_causal=causal)
    backward_both(torch, out, ref, rng)
    assert_close(out, ref, dtype)
    assert_close(xs.grad, xt.grad, dtype)
    assert_same_gradients(ours, theirs, dtype)


def test_encoder_layer_sequence_first_and_defaults(torch, rng) -> None:
    nn.manual_seed(4)
    ours = nn.TransformerEncoderLayer(8, 2, 16, batch_first=False, dtype="float64")
    theirs = copied(torch, ours, torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0))
    x = rng.standard_normal((L, N, 8))
    out = ours(x)
    assert_close(out, theirs(to_torch(torch, x)), "float64")
    assert ours.linear1.weight.shape == (16, 8)
    assert ours.norm1.eps == 1e-5
    with pytest.raises(ValidationError, match="activation must be 'relu', 'gelu'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


# --------------------------------------------------------------------------- the fused ops


def test_scaled_dot_product_attention_matches_torch(torch, rng, dtype) -> None:
    q = rng.standard_normal((2, 1, L, 6)).astype(dtype)
    k = rng.standard_normal((1, 3, S, 6)).astype(dtype)
    v = rng.standard_normal((2, 3, S, 5)).astype(dtype)
    bias = rng.standard_normal((L, S)).astype(dtype)
    ours = [Tensor(a, requires_grad=True) for a in (q, k, v, bias)]
    theirs = [to_torch(torch, a, True) for a in (q, k, v, bias)]
    out = fused.scaled_dot_product_attention(*ours[:3], attn_mask=ours[3], scale=0.3)
    ref = torch.nn.functional.scaled_dot_product_attention(
        *theirs[:3], attn_mask=theirs[3], scale=0.3
    )
    backward_both(torch, out, ref, rng)
    assert_close(out, ref, dtype)
    for a, b in zip(ours, theirs, strict=True):
        assert_close(a.grad, b.grad, dtype)


@pytest.mark.parametrize("mask", ["causal", "bool_with_empty_row"])
def test_scaled_dot_product_attention_masks_match_torch(torch, rng, mask) -> None:
    q, k, v = (rng.standard_normal((2, L, 4)) for _ in range(3))
    ours = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [to_torch(torch, a, True) for a in (q, k, v)]
    if mask == "causal":
        out = fused.scaled_dot_product_attention(*ours, is_causal=True)
        ref = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=True)
    else:
        allowed = rng.random((L, L)) < 0.5
        allowed[2] = False
        out = fused.scaled_dot_product_attention(*ours, attn_mask=allowed)
        ref = torch.nn.functional.scaled_dot_product_attention(
            *theirs, attn_mask=to_torch(torch, allowed)
        )
        np.testing.assert_array_equal(out.data[:, 2], 0.0)
    backward_both(torch, out, ref, rng)
    assert_close(out, ref, "float64")
    for a, b in zip(ours, theirs, strict=True):
        assert_close(a.grad, b.grad, "float64")


def test_gradcheck_fused_scaled_dot_product_attention(rng) -> None:
    q, k, v = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((2, 4, 4)),
        rng.standard_normal((1, 4, 2)),
    )
    bias = rng.standard_normal((3, 4))
    allowed = np.array([[1, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 1]], dtype=bool)
    assert gradcheck(lambda *t: fused.scaled_dot_product_attention(*t), [q, k, v, bias])
    assert gradcheck(
        lambda *t: fused.scaled_dot_product_attention(*t, attn_mask=allowed), [q, k, v]
    )
    seeded = lambda *t: fused.scaled_dot_product_attention(  # noqa: E731
        *t, dropout_p=0.3, generator=np.random.default_rng(0)
    )
    assert gradcheck(seeded, [q, k, v])


@pytest.mark.parametrize("need_weights", [False, True])
def test_gradcheck_fused_multi_head_attention(rng, need_weights) -> None:
    def packed(qkv):  # self-attention: q, k, v are column ranges of one projection
        out, w = fused.multi_head_attention(
            qkv,
            qkv,
            qkv,
            2,
            is_causal=True,
            need_weights=need_weights,
            dropout_p=0.2,
            query_columns=(0, 4),
            key_columns=(4, 8),
            value_columns=(8, 14),
            generator=np.random.default_rng(1),
        )
        return out if w is None else out.sum() + (w * w).sum()

    def overlapping(x, v):  # queries and keys the same columns: gradients add up
        return fused.multi_head_attention(x, x, v, 2, need_weights=need_weights)[0]

    assert gradcheck(packed, [rng.standard_normal((2, 3, 14))])
    assert gradcheck(overlapping, [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 2))])


def test_fused_ops_name_bad_arguments(rng) -> None:
    x = Tensor(rng.standard_normal((2, 3, 4)))
    with pytest.raises(ShapeError, match="value must have shape"):
        fused.scaled_dot_product_attention(x, x, Tensor(np.ones((2, 5, 4))))
    with pytest.raises(ValidationError, match="dropout_p must be a probability"):
        fused.scaled_dot_product_attention(x, x, x, dropout_p=2.0)
    with pytest.raises(ArrayTypeError, match="key must have dtype float64"):
        fused.scaled_dot_product_attention(x, Tensor(x.data, dtype="float32"), x)
    with pytest.raises(ShapeError, match="divisible by num_heads=3"):
        fused.multi_head_attention(x, x, x, 3)
