r"""The :class:`MultiheadAttention` layer, with ``torch.nn.MultiheadAttention``'s parameters.

Queries, keys and values are projected by one packed matrix ``in_proj_weight``
of shape (3E, E) (its three row blocks are :math:`W_Q, W_K, W_V`), cut into
``num_heads`` heads of E / H features that attend separately, laid side by
side again and mixed by ``out_proj``:

.. math::

    \operatorname{MultiHead}(X_q, X_k, X_v) = [\operatorname{head}_1, \dots,
    \operatorname{head}_H]\, W_O^\top + b_O, \qquad
    \operatorname{head}_h = \operatorname{softmax}\!\left(
    \frac{Q_h K_h^\top}{\sqrt{E/H}} + M\right) V_h

The attention itself is one fused node
(:func:`mlequations.nn.functional_attention.multi_head_attention`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.autodiff import Tensor
from mlequations.nn import functional, init
from mlequations.nn.functional_attention import multi_head_attention
from mlequations.nn.linear import Linear
from mlequations.nn.module import Module
from mlequations.nn.parameter import Parameter, resolve_dtype

__all__ = ["MultiheadAttention"]


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArrayTypeError(f"{name} must be True or False, got {value!r}")
    return value


def _mask_values(mask: Any, name: str, dtype: np.dtype) -> np.ndarray:
    values = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if values.dtype == np.bool_:
        return values
    if values.dtype.kind not in "biuf":
        raise ArrayTypeError(f"{name} must be a boolean or floating array, got {values.dtype}")
    return values.astype(dtype, copy=False)


def _combine(masks: list[np.ndarray]) -> np.ndarray | None:
    """Boolean "takes part" masks and additive float masks as one mask of the same meaning."""
    if not masks:
        return None
    if all(m.dtype == np.bool_ for m in masks):
        allowed = masks[0]
        for m in masks[1:]:
            allowed = allowed & m
        return allowed
    dtype = next(m.dtype for m in masks if m.dtype != np.bool_)
    total = None
    for m in masks:
        additive = np.where(m, dtype.type(0.0), dtype.type(-np.inf)) if m.dtype == np.bool_ else m
        total = additive if total is None else total + additive
    return total


class MultiheadAttention(Module):
    r"""Multi-head attention with PyTorch's parameter layout and call signature.

    Parameters
    ----------
    embed_dim : int
        E, the width of queries and outputs.
    num_heads : int
        H, which must divide E; each head attends with E / H features.
    dropout : float, default 0.0
        Dropout on the attention weights during training.
    bias : bool, default True
        Learn ``in_proj_bias`` (3E,) and ``out_proj.bias`` (E,).
    add_bias_kv, add_zero_attn : bool, default False
        Only False is supported (kept for PyTorch's argument order).
    kdim, vdim : int, optional
        Feature sizes of keys and values (E by default). When they differ
        from E the projections are separate parameters ``q_proj_weight``,
        ``k_proj_weight`` and ``v_proj_weight``, as in PyTorch.
    batch_first : bool, default True
        Inputs are (N, L, E); False for PyTorch's (L, N, E) (PyTorch's
        default is False). Unbatched (L, E) inputs work either way.
    dtype : {"float32", "float64"}, default "float32"

    Notes
    -----
    Initialisation as PyTorch: Xavier-uniform ``in_proj_weight``, zero
    biases, ``out_proj.weight`` as a :class:`~mlequations.nn.Linear`; so a
    state dict copies one to one. Differences: a query whose keys are all
    masked gets a zero output (PyTorch gives NaN), and ``is_causal=True``
    without ``attn_mask`` applies the causal mask (PyTorch asks for the mask
    and treats ``is_causal`` as a hint, which is what happens here when both
    are given).

    Examples
    --------
    >>> from mlequations import nn
    >>> _ = nn.manual_seed(0)
    >>> attention = nn.MultiheadAttention(8, 2)
    >>> x = np.ones((3, 5, 8), dtype=np.float32)
    >>> out, weights = attention(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    >>> [name for name, _ in attention.named_parameters()]
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        self.embed_dim = check_integer(embed_dim, "embed_dim", 1)
        self.num_heads = check_integer(num_heads, "num_heads", 1)
        if self.embed_dim % self.num_heads:
            raise ValidationError(
                f"embed_dim must be divisible by num_heads={self.num_heads}, got {embed_dim}"
            )
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = check_real_number(dropout, "dropout")
        if not 0.0 <= self.dropout <= 1.0:
            raise ValidationError(f"dropout must be a probability in [0, 1], got {dropout}")
        for flag, name in ((add_bias_kv, "add_bias_kv"), (add_zero_attn, "add_zero_attn")):
            if _flag(flag, name):
                raise ValidationError(f"{name} must be False (not supported), got True")
        self.batch_first = _flag(batch_first, "batch_first")
        _flag(bias, "bias")
        e = self.embed_dim
        self.kdim = e if kdim is None else check_integer(kdim, "kdim", 1)
        self.vdim = e if vdim is None else check_integer(vdim, "vdim", 1)
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        dtype = resolve_dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's initialisation: Xavier-uniform projections, zero biases."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    # ----------------------------------------------------------------------- forward

    def _as_input(self, x: Any, name: str, width: int, batched: bool) -> Tensor:
        """``x`` as an (N, L, width) tensor of the layer's dtype."""
        dtype = self.out_proj.weight.dtype
        x = x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)
        if x.dtype != dtype:
            raise ArrayTypeError(f"{name} must have the layer's dtype {dtype}, got {x.dtype}")
        if x.ndim != (3 if batched else 2) or x.shape[-1] != width:
            layout = "(N, L, {})" if self.batch_first else "(L, N, {})"
            expected = layout.format(width) if batched else f"(L, {width})"
            raise ShapeError(
                f"{name} must have shape {expected} like the query's layout, got {x.shape}"
            )
        if not batched:
            return x[None]
        return x if self.batch_first else x.transpose(1, 0, 2)

    def _projections(self, query: Any, key: Any, value: Any, batched: bool) -> list[Any]:
        """(tensor, columns) of the projected queries, keys and values."""
        e, bias = self.embed_dim, self.in_proj_bias
        b = [None] * 3 if bias is None else [bias[:e], bias[e : 2 * e], bias[2 * e :]]
        if not self._qkv_same_embed_dim:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
            names, widths = ("query", "key", "value"), (e, self.kdim, self.vdim)
            sources = zip((query, key, value), names, widths, weights, b, strict=True)
            return [
                (functional.linear(self._as_input(x, name, width, batched), w, bi), None)
                for x, name, width, w, bi in sources
            ]
        w = self.in_proj_weight
        if query is key and key is value:
            qkv = functional.linear(self._as_input(query, "query", e, batched), w, bias)
            return [(qkv, (0, e)), (qkv, (e, 2 * e)), (qkv, (2 * e, 3 * e))]
        q = functional.linear(self._as_input(query, "query", e, batched), w[:e], b[0])
        if key is value:
            kv_bias = None if bias is None else bias[e:]
            kv = functional.linear(self._as_input(key, "key", e, batched), w[e:], kv_bias)
            return [(q, None), (kv, (0, e)), (kv, (e, 2 * e))]
        k = functional.linear(self._as_input(key, "key", e, batched), w[e : 2 * e], b[1])
        v = functional.linear(self._as_input(value, "value", e, batched), w[2 * e :], b[2])
        return [(q, None), (k, None), (v, None)]

    def _mask(
        self, attn_mask: Any, key_padding_mask: Any, n: int, length: int, source: int, batched: bool
    ) -> np.ndarray | None:
        """PyTorch's two masks (True = masked out) as one over (N, H, L, S), True = takes part."""
        dtype, heads = self.out_proj.weight.dtype, self.num_heads
        masks = []
        if attn_mask is not None:
            values = _mask_values(attn_mask, "attn_mask", dtype)
            shapes = [
                (length, source),
                (n * heads, length, source) if batched else (heads, length, source),
            ]
            if values.shape not in shapes:
                raise ShapeError(
                    f"attn_mask must have shape {shapes[0]} or {shapes[1]}, got {values.shape}"
                )
            values = values.reshape(n, heads, length, source) if values.ndim == 3 else values
            masks.append(~values if values.dtype == np.bool_ else values)
        if key_padding_mask is not None:
            values = _mask_values(key_padding_mask, "key_padding_mask", dtype)
            expected = (n, source) if batched else (source,)
            if values.shape != expected:
                raise ShapeError(f"key_padding_mask must have shape {expected}, got {values.shape}")
            values = values.reshape(n, 1, 1, source)
            masks.append(~values if values.dtype == np.bool_ else values)
        return _combine(masks)

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; returns ``(output, weights)``.

        Parameters
        ----------
        query : array_like or Tensor of shape (N, L, E)
            ((L, N, E) without ``batch_first``; (L, E) unbatched).
        key, value : array_like or Tensor of shape (N, S, kdim) and (N, S, vdim)
        key_padding_mask : array of shape (N, S), optional
            Boolean True for keys to ignore (padding), or floating, added.
        need_weights : bool, default True
            Return the attention weights as well (slower: not fused).
        attn_mask : array of shape (L, S) or (N * num_heads, L, S), optional
            Boolean True where a query must NOT attend (the opposite of
            ``scaled_dot_product_attention``), or floating, added to the scores.
        average_attn_weights : bool, default True
            Average the weights over the heads: (N, L, S); else (N, H, L, S).
        is_causal : bool, default False
            Query i attends to keys j <= i only (a hint when ``attn_mask`` is given).

        Returns
        -------
        output : Tensor of the query's shape
        weights : Tensor of shape (N, L, S) or (N, H, L, S), or None
        """
        for flag, name in (
            (need_weights, "need_weights"),
            (average_attn_weights, "average_attn_weights"),
            (is_causal, "is_causal"),
        ):
            _flag(flag, name)
        batched = np.ndim(query.data if isinstance(query, Tensor) else query) != 2
        (q, qc), (k, kc), (v, vc) = self._projections(query, key, value, batched)
        n, length, source = q.shape[0], q.shape[1], k.shape[1]
        mask = self._mask(attn_mask, key_padding_mask, n, length, source, batched)
        out, weights = multi_head_attention(
            q,
            k,
            v,
            self.num_heads,
            attn_mask=mask,
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=is_causal and attn_mask is None,
            need_weights=need_weights,
            query_columns=qc,
            key_columns=kc,
            value_columns=vc,
        )
        out = self.out_proj(out)
        if weights is not None and average_attn_weights:
            weights = weights.mean(axis=1)
        if not batched:
            return out[0], None if weights is None else weights[0]
        return (out if self.batch_first else out.transpose(1, 0, 2)), weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
