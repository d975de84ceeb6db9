"""Layer-1 attention against PyTorch's scaled_dot_product_attention and MultiheadAttention."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import require
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.attention import (
    attention_weights,
    multi_head_attention,
    scaled_dot_product_attention,
)
from mlequations.transformer import parameter_shapes, transformer_encoder_layer

TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}
GUIDE_Q = [[1.0, 0.0], [0.0, 1.0]]
GUIDE_K = [[1.0, 1.0], [1.0, 0.0]]
GUIDE_V = [[0.0, 1.0], [1.0, 0.0]]


@pytest.fixture(params=["float64", "float32"])
def dtype(request) -> str:
    return request.param


def torch_sdpa(torch, q, k, v, mask=None, **kwargs) -> np.ndarray:
    tensors = [torch.from_numpy(np.asarray(a)) for a in (q, k, v)]
    mask = None if mask is None else torch.from_numpy(np.asarray(mask))
    out = torch.nn.functional.scaled_dot_product_attention(*tensors, attn_mask=mask, **kwargs)
    return out.numpy()


def test_guide_example() -> None:
    """softmax([[1, 1], [1, 0]] / √2) V: the second query leans towards the first key."""
    out, weights = scaled_dot_product_attention(GUIDE_Q, GUIDE_K, GUIDE_V, return_weights=True)
    p = 1 / (1 + np.exp(-1 / np.sqrt(2)))  # softmax of (1/√2, 0)
    np.testing.assert_allclose(weights, [[0.5, 0.5], [p, 1 - p]], rtol=1e-15)
    np.testing.assert_allclose(out, [[0.5, 0.5], [1 - p, p]], rtol=1e-15)
    assert round(p, 4) == 0.6698


@pytest.mark.parametrize("scale", [None, 0.25])
def test_matches_torch_with_batch_axes(torch, rng, dtype, scale) -> None:
    q = rng.standard_normal((2, 3, 5, 4)).astype(dtype)
    k = rng.standard_normal((3, 6, 4)).astype(dtype)  # broadcasts over the first batch axis
    v = rng.standard_normal((2, 1, 6, 7)).astype(dtype)
    out = scaled_dot_product_attention(q, k, v, scale=scale)
    assert out.dtype == np.dtype(dtype)
    assert out.shape == (2, 3, 5, 7)
    k_full, v_full = np.broadcast_to(k, (2, 3, 6, 4)), np.broadcast_to(v, (2, 3, 6, 7))
    reference = torch_sdpa(torch, q, k_full.copy(), v_full.copy(), scale=scale)
    np.testing.assert_allclose(out, reference, **TOLERANCE[dtype])


@pytest.mark.parametrize("kind", ["bool", "float", "causal", "bool_batched"])
def test_masks_match_torch(torch, rng, dtype, kind) -> None:
    q, k, v = (rng.standard_normal((2, 5, 3)).astype(dtype) for _ in range(3))
    mask, causal = None, kind == "causal"
    if kind == "bool":
        mask = rng.random((5, 5)) < 0.6
        mask[:, 1] = True
    elif kind == "float":
        mask = np.where(rng.random((5, 5)) < 0.3, -np.inf, rng.standard_normal((5, 5)))
        mask = mask.astype(dtype)
        mask[:, 0] = 0.0
    elif kind == "bool_batched":
        mask = rng.random((2, 5, 5)) < 0.6
        mask[..., 4] = True
    out = scaled_dot_product_attention(q, k, v, mask=mask, is_causal=causal)
    reference = torch_sdpa(torch, q, k, v, mask, is_causal=causal)
    np.testing.assert_allclose(out, reference, **TOLERANCE[dtype])


def test_causal_with_more_keys_than_queries_matches_torch(torch, rng) -> None:
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(out, torch_sdpa(torch, q, k, v, is_causal=True), rtol=1e-10)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_fully_masked_rows_give_zeros_without_warnings(torch, rng, dtype, kind) -> None:
    q, k, v = (rng.standard_normal((4, 3)).astype(dtype) for _ in range(3))
    allowed = np.ones((4, 4), dtype=bool)
    allowed[2] = False
    mask = allowed if kind == "bool" else np.where(allowed, 0.0, -np.inf).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask, return_weights=True)
    np.testing.assert_array_equal(out[2], 0.0)
    np.testing.assert_array_equal(weights[2], 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), [1, 1, 0, 1], **TOLERANCE[dtype])
    np.testing.assert_allclose(out, torch_sdpa(torch, q, k, v, mask), **TOLERANCE[dtype])


def test_causal_and_mask_combine() -> None:
    q = k = np.eye(3)
    mask = np.array([True, False, True])  # the second key never takes part
    weights = attention_weights(q, k, mask=mask, is_causal=True)
    np.testing.assert_array_equal(weights[1], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(weights[:, 1], 0.0)
    np.testing.assert_array_equal(np.triu(weights, 1), 0.0)


def test_attention_is_not_symmetric() -> None:
    """Query-key attention from i to j differs from j to i (different projections)."""
    weights = attention_weights(GUIDE_Q, GUIDE_K)
    assert np.abs(weights - weights.T).max() > 0.1


def test_array_api_strict_and_torch_inputs(rng) -> None:
    xp = require("array_api_strict")
    q, k, v = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    expected = scaled_dot_product_attention(q, k, v, mask=np.tri(4, dtype=bool))
    out = scaled_dot_product_attention(
        xp.asarray(q), xp.asarray(k), xp.asarray(v), mask=xp.asarray(np.tri(4, dtype=bool))
    )
    assert type(out).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.from_dlpack(out), expected, rtol=1e-12)
    causal = scaled_dot_product_attention(
        xp.asarray(q), xp.asarray(k), xp.asarray(v), is_causal=True
    )
    np.testing.assert_allclose(np.from_dlpack(causal), expected, rtol=1e-12)
    w = [rng.standard_normal((4, 3)) for _ in range(3)] + [rng.standard_normal((3, 4))]
    heads = multi_head_attention(xp.asarray(q), *(xp.asarray(a) for a in w), num_heads=2)
    np.testing.assert_allclose(np.from_dlpack(heads), multi_head_attention(q, *w, 2), rtol=1e-12)


def test_torch_tensors_keep_autograd(torch, rng) -> None:
    q, k, v = (torch.tensor(rng.standard_normal((3, 2)), requires_grad=True) for _ in range(3))
    out = scaled_dot_product_attention(q, k, v, mask=torch.tensor([True, True, False]))
    out.sum().backward()
    reference = [a.detach().clone().requires_grad_() for a in (q, k, v)]
    mask = torch.tensor([True, True, False])
    torch.nn.functional.scaled_dot_product_attention(*reference, attn_mask=mask).sum().backward()
    for a, b in zip((q, k, v), reference, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- multi-head


def torch_mha(torch, x, context, weights, biases, num_heads, mask=None):
    """PyTorch's functional multi-head attention with separate projection weights."""
    w_q, w_k, w_v, w_o = (torch.from_numpy(w) for w in weights)
    b_q, b_k, b_v, b_o = (torch.from_numpy(b) for b in biases)
    query = torch.from_numpy(x).transpose(0, 1)  # (L, N, E)
    source = torch.from_numpy(context).transpose(0, 1)
    out, weights = torch.nn.functional.multi_head_attention_forward(
        query, source, source, x.shape[-1], num_heads,
        in_proj_weight=None, in_proj_bias=torch.cat([b_q, b_k, b_v]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=w_o, out_proj_bias=b_o, use_separate_proj_weight=True,
        q_proj_weight=w_q, k_proj_weight=w_k, v_proj_weight=w_v,
        attn_mask=mask, average_attn_weights=False,
    )  # fmt: skip
    return out.transpose(0, 1).numpy(), weights.numpy()


@pytest.mark.parametrize("cross", [False, True])
def test_multi_head_attention_matches_torch(torch, rng, dtype, cross) -> None:
    n, length, source_length, e, heads = 2, 5, 4 if cross else 5, 8, 4
    x = rng.standard_normal((n, length, e)).astype(dtype)
    context = rng.standard_normal((n, source_length, e)).astype(dtype) if cross else x
    weights = [rng.standard_normal((e, e)).astype(dtype) / 3 for _ in range(4)]
    biases = [rng.standard_normal(e).astype(dtype) for _ in range(4)]
    causal = not cross
    out, attention = multi_head_attention(
        x, *weights, heads, *biases, context=context if cross else None,
        is_causal=causal, return_weights=True,
    )  # fmt: skip
    mask = None
    if causal:
        mask = torch.from_numpy(np.triu(np.ones((length, length), dtype=bool), 1))  # True = masked
    reference, reference_weights = torch_mha(torch, x, context, weights, biases, heads, mask)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, reference, **TOLERANCE[dtype])
    np.testing.assert_allclose(attention, reference_weights, **TOLERANCE[dtype])


def test_multi_head_attention_with_one_head_is_attention(rng) -> None:
    x = rng.standard_normal((6, 4))
    w = [rng.standard_normal((4, 4)) for _ in range(4)]
    expected = scaled_dot_product_attention(x @ w[0].T, x @ w[1].T, x @ w[2].T) @ w[3].T
    np.testing.assert_allclose(multi_head_attention(x, *w, num_heads=1), expected, rtol=1e-12)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: scaled_dot_product_attention([1.0, 2.0], GUIDE_K, GUIDE_V),
            ShapeError,
            "query must have shape",
        ),
        (
            lambda: scaled_dot_product_attention(GUIDE_Q, np.ones((2, 3)), GUIDE_V),
            ShapeError,
            "key must have the query's feature size E=2",
        ),
        (
            lambda: scaled_dot_product_attention(GUIDE_Q, GUIDE_K, np.ones((3, 2))),
            ShapeError,
            "value must have shape",
        ),
        (
            lambda: scaled_dot_product_attention(GUIDE_Q, GUIDE_K, GUIDE_V, mask=np.ones((3, 3))),
            ShapeError,
            "mask must broadcast",
        ),
        (
            lambda: scaled_dot_product_attention(GUIDE_Q, GUIDE_K, GUIDE_V, scale=-1.0),
            ValidationError,
            "scale must be a positive",
        ),
        (
            lambda: scaled_dot_product_attention(GUIDE_Q, GUIDE_K, GUIDE_V, is_causal=1),
            ArrayTypeError,
            "is_causal must be True or False",
        ),
        (
            lambda: scaled_dot_product_attention(
                np.ones((2, 2, 2)), np.ones((3, 2, 2)), np.ones((3, 2, 2))
            ),
            ShapeError,
            "broadcastable batch axes",
        ),
        (
            lambda: multi_head_attention(np.ones((3, 6)), *[np.ones((6, 6))] * 4, num_heads=4),
            ShapeError,
            "divisible by num_heads=4",
        ),
        (
            lambda: multi_head_attention(
                np.ones((3, 6)), np.ones((6, 5)), *[np.ones((6, 6))] * 3, num_heads=2
            ),
            ShapeError,
            r"w_q must be an \(out, in\) matrix of shape \(out, 6\)",
        ),
        (
            lambda: multi_head_attention(
                np.ones((3, 6)), *[np.ones((6, 6))] * 4, num_heads=2, b_v=np.ones(5)
            ),
            ShapeError,
            r"b_v must have shape \(6,\)",
        ),
        (
            lambda: multi_head_attention(np.ones((3, 6)), *[np.ones((6, 6))] * 4, num_heads=0),
            ValidationError,
            "num_heads must be >= 1",
        ),
    ],
)
def test_errors_name_the_argument(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- the encoder block


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_encoder_layer_matches_torch(torch, rng, dtype, norm_first, activation) -> None:
    d_model, heads, hidden, length = 8, 2, 12, 5
    params = {
        name: (rng.standard_normal(shape) / 2).astype(dtype)
        for name, shape in parameter_shapes(d_model, hidden).items()
    }
    x = rng.standard_normal((3, length, d_model)).astype(dtype)
    allowed = np.tri(length, dtype=bool)
    out = transformer_encoder_layer(
        x, params, heads, norm_first=norm_first, activation=activation, mask=allowed
    )
    layer = torch.nn.TransformerEncoderLayer(
        d_model, heads, hidden, dropout=0.0, activation=activation, batch_first=True,
        norm_first=norm_first,
    )  # fmt: skip
    tensors = {name: torch.from_numpy(value) for name, value in params.items()}
    reference = torch.func.functional_call(
        layer, tensors, (torch.from_numpy(x),), {"src_mask": torch.from_numpy(~allowed)}
    )
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, reference.detach().numpy(), **TOLERANCE[dtype])


def test_transformer_encoder_layer_takes_the_engine_layers_state(rng) -> None:
    from mlequations import nn

    layer = nn.TransformerEncoderLayer(8, 4, 16, dtype="float64")
    x = rng.standard_normal((2, 6, 8))
    expected = layer(x, is_causal=True).data
    out = transformer_encoder_layer(x, layer.state_dict(), 4, is_causal=True)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_transformer_encoder_layer_names_missing_parameters() -> None:
    params = {name: np.zeros(shape) for name, shape in parameter_shapes(4, 8).items()}
    del params["norm2.bias"]
    with pytest.raises(ValidationError, match=r"params must hold norm2.bias \(missing\)"):
        transformer_encoder_layer(np.ones((3, 4)), params, 2)
    with pytest.raises(ValidationError, match="activation must be 'relu' or 'gelu'"):
        transformer_encoder_layer(np.ones((3, 4)), params, 2, activation="tanh")
