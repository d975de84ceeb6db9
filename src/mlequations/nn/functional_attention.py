r"""Attention on the engine as fused nodes: one node forward, a hand-written backward.

The forward pass is the layer-1 equation (:func:`mlequations.attention.attention_weights`)
followed by the product with the values; the backward pass goes through the
softmax in closed form. With :math:`S = \alpha Q K^\top + M`,
:math:`P = \operatorname{softmax}(S)`, :math:`\tilde{P} = P \odot D` (dropout,
:math:`D` the kept entries scaled by :math:`1/(1-p)`) and :math:`O = \tilde{P} V`,

.. math::

    \bar{V} = \tilde{P}^\top \bar{O}, \qquad
    \bar{P} = (\bar{O} V^\top) \odot D, \qquad
    \bar{S} = P \odot \big(\bar{P} - \operatorname{rowsum}(\bar{O} \odot O)\big), \qquad
    \bar{Q} = \alpha \bar{S} K, \qquad \bar{K} = \alpha \bar{S}^\top Q,

where :math:`\operatorname{rowsum}(\bar{P} \odot P) = \operatorname{rowsum}(\bar{O} \odot O)`
saves a pass over the (L, S) score matrix. Masked entries have :math:`P = 0` and
so no gradient; a fully masked row gives zeros, never NaN.

:func:`multi_head_attention` works on the heads in place: the queries, keys and
values are column ranges of (N, L, C) arrays (one packed projection of width
3E in self-attention), split into heads as strided views and merged back by
writing each head's output into its columns; gradients are written straight
into one buffer per input. No transpose or reshape node enters the graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.attention import attention_weights
from mlequations.autodiff import Tensor, record
from mlequations.nn.random import resolve_generator

__all__ = ["multi_head_attention", "scaled_dot_product_attention"]


def _check_probability(p: Any) -> float:
    p = check_real_number(p, "dropout_p")
    if not 0.0 <= p <= 1.0:
        raise ValidationError(f"dropout_p must be a probability in [0, 1], got {p}")
    return p


def _dropout_scale(shape: tuple[int, ...], p: float, rng: Any, dtype: np.dtype) -> np.ndarray:
    """Kept entries scaled by 1 / (1 - p), dropped ones 0 (inverted dropout)."""
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    keep = rng.random(shape, dtype=dtype) >= p
    return np.where(keep, dtype.type(1.0 / (1.0 - p)), dtype.type(0.0))


def _swap(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _attend(
    weights: np.ndarray, v: np.ndarray, p: float, rng: Any, out: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(P ⊙ D) V`` with dropout mask ``D``: returns the output, ``P ⊙ D`` and ``D``."""
    keep = _dropout_scale(weights.shape, p, rng, weights.dtype) if p > 0 else None
    dropped = weights if keep is None else weights * keep
    return np.matmul(dropped, v, out=out), dropped, keep


def _scores_backward(
    grad_scores: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    scale: float,
    out_q: Any = False,
    out_k: Any = False,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    r""":math:`\bar{Q} = \alpha \bar{S} K`, :math:`\bar{K} = \alpha \bar{S}^\top Q`.

    ``out_q``/``out_k``: False when that gradient is not wanted, None for a new
    array, or an array (view) to write into.
    """
    grads: list[np.ndarray | None] = []
    for out, left, right in ((out_q, grad_scores, k), (out_k, _swap(grad_scores), q)):
        if out is False:
            grads.append(None)
            continue
        result = np.matmul(left, right, out=out)
        result *= scale
        grads.append(result)
    return grads[0], grads[1]


def _softmax_backward(grad_weights: np.ndarray, weights: np.ndarray, row: Any = None) -> Any:
    r""":math:`\bar{S} = P \odot (\bar{P} - \operatorname{rowsum}(\bar{P} \odot P))`, in place."""
    if row is None:
        row = np.sum(grad_weights * weights, axis=-1, keepdims=True)
    grad_weights -= row
    grad_weights *= weights
    return grad_weights


def _tensor(x: Any, name: str, dtype: np.dtype | None) -> Tensor:
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype:
            raise ArrayTypeError(f"{name} must have dtype {dtype} like the query, got {x.dtype}")
        return x
    return Tensor(x, dtype=dtype)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""Attention :math:`\operatorname{softmax}(\alpha Q K^\top + M) V` as one node.

    As :func:`torch.nn.functional.scaled_dot_product_attention`: ``query``
    (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev), batch axes
    broadcast; ``attn_mask`` boolean (True takes part) or floating (added to
    the scores; a tensor that requires a gradient gets one, e.g. a learned
    position bias); ``dropout_p`` drops attention weights (always, as in
    PyTorch: pass 0 at evaluation); ``scale`` is :math:`1/\sqrt{E}` by default.
    ``is_causal`` together with ``attn_mask`` applies both (PyTorch refuses).

    Examples
    --------
    >>> q = Tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    >>> k = Tensor([[1.0, 1.0], [1.0, 0.0]])
    >>> v = Tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> out = scaled_dot_product_attention(q, k, v)
    >>> out.data.round(4)
    array([[0.5   , 0.5   ],
           [0.3302, 0.6698]])
    >>> out[1, 0].backward()
    >>> q.grad.round(4)
    array([[ 0.    ,  0.    ],
           [ 0.    , -0.1564]])
    """
    q = _tensor(query, "query", None)
    k, v = _tensor(key, "key", q.dtype), _tensor(value, "value", q.dtype)
    dropout_p = _check_probability(dropout_p)
    if v.ndim < 2 or k.ndim < 2 or v.shape[-2] != k.shape[-2]:
        raise ShapeError(
            f"value must have shape (..., S, Ev) with the keys' count S, got {v.shape} (key "
            f"{k.shape})"
        )
    mask_tensor = attn_mask if isinstance(attn_mask, Tensor) else None
    mask = attn_mask.data if mask_tensor is not None else attn_mask
    scale = 1.0 / float(np.sqrt(q.shape[-1])) if scale is None else scale
    weights = attention_weights(q.data, k.data, mask, is_causal, scale)
    rng = resolve_generator(generator) if dropout_p > 0 else None
    try:
        out, dropped, keep = _attend(weights, v.data, dropout_p, rng)
    except ValueError:
        raise ShapeError(
            f"value must have batch axes that broadcast with query's and key's, got shapes "
            f"{q.shape}, {k.shape} and {v.shape}"
        ) from None
    parents = (q, k, v) if mask_tensor is None else (q, k, v, mask_tensor)

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        gv = _swap(dropped) @ g if v.requires_grad else None
        gs = None
        if q.requires_grad or k.requires_grad or mask_tensor is not None:
            gp = g @ _swap(v.data)
            if keep is not None:
                gp *= keep
            gs = _softmax_backward(gp, weights, np.sum(g * out, axis=-1, keepdims=True))
        wanted = (None if q.requires_grad else False, None if k.requires_grad else False)
        gq, gk = (
            (None, None) if gs is None else _scores_backward(gs, q.data, k.data, scale, *wanted)
        )
        if mask_tensor is None:
            return gq, gk, gv
        return gq, gk, gv, gs if mask_tensor.requires_grad else None

    return record("scaled_dot_product_attention", out, parents, backward)


class _HeadSources:
    """Queries, keys or values as column ranges of (N, L, C) tensors, viewed as heads.

    ``pieces`` holds ``(tensor, (start, stop))``; each piece is seen as a
    strided (N, H, L, (stop - start) / H) view. Gradients go into one buffer
    per distinct tensor, written in place when the pieces do not overlap.
    """

    def __init__(self, pieces: Sequence[tuple[Tensor, tuple[int, int]]], num_heads: int) -> None:
        self.pieces = list(pieces)
        self.num_heads = num_heads
        self.parents: list[Tensor] = []
        for tensor, _ in self.pieces:
            if all(tensor is not p for p in self.parents):
                self.parents.append(tensor)
        self.views = [self.heads(t.data, columns) for t, columns in self.pieces]

    def heads(self, array: np.ndarray, columns: tuple[int, int]) -> np.ndarray:
        n, length, _ = array.shape
        start, stop = columns
        width = (stop - start) // self.num_heads
        part = array[..., start:stop].reshape(n, length, self.num_heads, width)
        return part.transpose(0, 2, 1, 3)

    def _overlaps(self, parent: Tensor) -> bool:
        ranges = sorted(c for t, c in self.pieces if t is parent)
        return any(a[1] > b[0] for a, b in itertools.pairwise(ranges))

    def destinations(self) -> tuple[list[Any], dict[int, np.ndarray]]:
        """Per piece: False (no gradient wanted), a view to write into, or None (accumulate)."""
        buffers: dict[int, np.ndarray] = {}
        targets: list[Any] = []
        for tensor, columns in self.pieces:
            if not tensor.requires_grad:
                targets.append(False)
                continue
            overlapping = self._overlaps(tensor)
            if id(tensor) not in buffers:
                covered = sum(b - a for t, (a, b) in self.pieces if t is tensor)
                full = covered == tensor.shape[-1] and not overlapping
                make = np.empty if full else np.zeros
                buffers[id(tensor)] = make(tensor.shape, dtype=tensor.dtype)
            targets.append(None if overlapping else self.heads(buffers[id(tensor)], columns))
        return targets, buffers

    def gradients(self, targets: list[Any], results: list[Any], buffers: dict) -> list[Any]:
        """One gradient per parent, adding the results that could not be written in place."""
        for (tensor, columns), target, result in zip(self.pieces, targets, results, strict=True):
            if target is None and result is not None:
                view = self.heads(buffers[id(tensor)], columns)
                view += result
        return [buffers.get(id(p)) for p in self.parents]


def _check_sources(
    pieces: Sequence[tuple[Any, Any]], num_heads: int
) -> list[tuple[Tensor, tuple[int, int]]]:
    """Each piece as (tensor, (start, stop)), checked: 3-D, same dtype and batch, divisible."""
    checked: list[tuple[Tensor, tuple[int, int]]] = []
    for name, (tensor, columns) in zip(("query", "key", "value"), pieces, strict=True):
        like = checked[0][0].dtype if checked else None
        tensor = _tensor(tensor, name, like)
        if tensor.ndim != 3:
            raise ShapeError(f"{name} must have shape (N, length, features), got {tensor.shape}")
        start, stop = (0, tensor.shape[-1]) if columns is None else columns
        width = stop - start
        if not 0 <= start < stop <= tensor.shape[-1] or width % num_heads:
            raise ShapeError(
                f"{name} must provide a number of features divisible by num_heads={num_heads}, "
                f"got columns {start}:{stop} of {tensor.shape}"
            )
        checked.append((tensor, (start, stop)))
    (q, (a, b)), (k, (c, d)), (v, _) = checked
    if b - a != d - c or q.shape[0] != k.shape[0] or k.shape[:2] != v.shape[:2]:
        raise ShapeError(
            f"query, key and value must share the batch size, key and value the length, and "
            f"query and key the features; got {q.shape} (columns {a}:{b}), {k.shape} "
            f"(columns {c}:{d}) and {v.shape}"
        )
    return checked


def _merged(n: int, length: int, width: int, num_heads: int, dtype: np.dtype) -> tuple[Any, Any]:
    """A new (N, L, width) array and its (N, H, L, width / H) view per head."""
    out = np.empty((n, length, width), dtype=dtype)
    return out, out.reshape(n, length, num_heads, width // num_heads).transpose(0, 2, 1, 3)


def _fused(sources: _HeadSources, mask: Any, is_causal: bool, p: float, rng: Any) -> Tensor:
    """The whole attention of all heads as one node (no weights kept for the caller)."""
    (q, k, v), n, length = sources.views, sources.views[0].shape[0], sources.views[0].shape[2]
    scale = 1.0 / float(np.sqrt(q.shape[-1]))
    weights = attention_weights(q, k, mask, is_causal, scale)
    out, out_heads = _merged(n, length, v.shape[-1] * v.shape[1], v.shape[1], v.dtype)
    _, dropped, keep = _attend(weights, v, p, rng, out=out_heads)

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        g_heads = g.reshape(out_heads.shape[0], length, *out_heads.shape[1::2]).transpose(
            0, 2, 1, 3
        )
        targets, buffers = sources.destinations()
        out_q, out_k, out_v = targets
        gv = None if out_v is False else np.matmul(_swap(dropped), g_heads, out=out_v)
        gq = gk = None
        if out_q is not False or out_k is not False:
            gp = g_heads @ _swap(v)
            if keep is not None:
                gp *= keep
            row = np.sum(g_heads * out_heads, axis=-1, keepdims=True)
            gs = _softmax_backward(gp, weights, row)
            gq, gk = _scores_backward(gs, q, k, scale, out_q, out_k)
        return tuple(sources.gradients(targets, [gq, gk, gv], buffers))

    return record("multi_head_attention", out, tuple(sources.parents), backward)


def _weights_node(sources: _HeadSources, mask: Any, is_causal: bool) -> Tensor:
    """The attention weights (N, H, L, S) of every head as a node of the graph."""
    q, k = sources.views
    scale = 1.0 / float(np.sqrt(q.shape[-1]))
    weights = attention_weights(q, k, mask, is_causal, scale)

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        targets, buffers = sources.destinations()
        gs = _softmax_backward(np.array(g, copy=True), weights)
        gq, gk = _scores_backward(gs, q, k, scale, *targets)
        return tuple(sources.gradients(targets, [gq, gk], buffers))

    return record("attention_weights", weights, tuple(sources.parents), backward)


def _values_node(weights: Tensor, sources: _HeadSources) -> Tensor:
    """The heads' weighted values, merged to (N, L, Dv), as a node of the graph."""
    (v,) = sources.views
    n, heads, length, _ = weights.shape
    out, out_heads = _merged(n, length, v.shape[-1] * heads, heads, v.dtype)
    np.matmul(weights.data, v, out=out_heads)

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        g_heads = g.reshape(n, length, heads, -1).transpose(0, 2, 1, 3)
        targets, buffers = sources.destinations()
        gw = g_heads @ _swap(v) if weights.requires_grad else None
        gv = (
            None if targets[0] is False else np.matmul(_swap(weights.data), g_heads, out=targets[0])
        )
        return (gw, *sources.gradients(targets, [gv], buffers))

    return record("attend", out, (weights, *sources.parents), backward)


def multi_head_attention(
    query: Any,
    key: Any,
    value: Any,
    num_heads: int,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    need_weights: bool = False,
    *,
    query_columns: tuple[int, int] | None = None,
    key_columns: tuple[int, int] | None = None,
    value_columns: tuple[int, int] | None = None,
    generator: np.random.Generator | None = None,
) -> tuple[Tensor, Tensor | None]:
    r"""Attention of ``num_heads`` heads on projected (N, L, C) tensors, heads merged again.

    The features of ``query`` (columns ``query_columns``, all by default) are
    cut into ``num_heads`` slices, likewise those of ``key`` and ``value``;
    each head attends with scale :math:`1/\sqrt{d}` (``d`` its slice width)
    and the heads' outputs are laid side by side. In self-attention the three
    may be column ranges of one packed projection ``x @ W_in.T`` of width 3E.

    Parameters
    ----------
    query, key, value : Tensor of shape (N, L, C_q), (N, S, C_k), (N, S, C_v)
    num_heads : int
    attn_mask : array, optional
        Broadcasts against (N, H, L, S); boolean True where the key takes
        part, floating added to the scores (no gradient).
    dropout_p : float, default 0
        Dropout on the attention weights (pass 0 at evaluation).
    is_causal : bool, default False
    need_weights : bool, default False
        Also return the weights (N, H, L, S) as a tensor of the graph. Without
        them the whole computation is a single node, which is faster.

    Returns
    -------
    output : Tensor of shape (N, L, value width)
    weights : Tensor of shape (N, H, L, S), or None

    Examples
    --------
    >>> qkv = Tensor(np.ones((1, 3, 12)), requires_grad=True)
    >>> out, _ = multi_head_attention(
    ...     qkv, qkv, qkv, 2, query_columns=(0, 4), key_columns=(4, 8), value_columns=(8, 12)
    ... )
    >>> out.shape
    (1, 3, 4)
    """
    num_heads = check_integer(num_heads, "num_heads", 1)
    dropout_p = _check_probability(dropout_p)
    given = ((query, query_columns), (key, key_columns), (value, value_columns))
    pieces = _check_sources(given, num_heads)
    rng = resolve_generator(generator) if dropout_p > 0 else None
    if not need_weights:
        return _fused(_HeadSources(pieces, num_heads), attn_mask, is_causal, dropout_p, rng), None
    weights = _weights_node(_HeadSources(pieces[:2], num_heads), attn_mask, is_causal)
    if dropout_p > 0:
        keep = _dropout_scale(weights.shape, dropout_p, rng, weights.dtype)
        weights = record("dropout", weights.data * keep, (weights,), lambda g: (g * keep,))
    return _values_node(weights, _HeadSources(pieces[2:], num_heads)), weights
