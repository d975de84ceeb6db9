r"""Layer 1: softmax attention and multi-head attention, the core of the transformer.

Every query looks at every key, turns the similarities into probabilities with
a softmax and returns the matching average of the values:

.. math::

    \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(
    \frac{Q K^\top}{\sqrt{d_k}} + M \right) V

Masks follow PyTorch's ``scaled_dot_product_attention``: a boolean mask says
which keys take part (True) for each query, a floating mask is added to the
scores (``-inf`` removes a key). A query whose keys are all masked gets zero
weights and a zero output, never NaN. Array-API generic, float32 kept.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlequations._array import (
    ArrayTypeError,
    ShapeError,
    ValidationError,
    _is_array,
    as_array,
    as_arrays,
    is_numpy_namespace,
)
from mlequations._checks import check_integer, check_real_number

__all__ = ["attention_weights", "multi_head_attention", "scaled_dot_product_attention"]


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ArrayTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in x.shape)


def _check_query_key(query: Any, key: Any) -> tuple[int, ...]:
    """The broadcast batch shape of ``query`` (..., L, E) and ``key`` (..., S, E)."""
    for array, name, rows in ((query, "query", "L"), (key, "key", "S")):
        if array.ndim < 2:
            raise ShapeError(
                f"{name} must have shape (..., {rows}, E) with at least 2 dimensions, got shape "
                f"{_shape(array)}"
            )
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(
            f"key must have the query's feature size E={query.shape[-1]} in its last axis, got "
            f"shape {_shape(key)} (query {_shape(query)})"
        )
    if key.shape[-2] == 0 or key.shape[-1] == 0:
        raise ShapeError(
            f"key must hold at least one key of at least one feature, got {_shape(key)}"
        )
    try:
        return np.broadcast_shapes(_shape(query)[:-2], _shape(key)[:-2])
    except ValueError:
        raise ShapeError(
            f"query and key must have broadcastable batch axes, got shapes {_shape(query)} and "
            f"{_shape(key)}"
        ) from None


def _check_scale(scale: Any, features: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(features)
    scale = check_real_number(scale, "scale")
    if not (math.isfinite(scale) and scale > 0):
        raise ValidationError(f"scale must be a positive finite number or None, got {scale}")
    return scale


def _as_mask(mask: Any, xp: Any, dtype: Any, scores_shape: tuple[int, ...]) -> Any:
    """``mask`` in ``xp``: boolean (True takes part) kept boolean, anything else as ``dtype``."""
    if _is_array(mask) and xp.isdtype(mask.dtype, "bool"):
        values = mask
    elif not _is_array(mask) and np.asarray(mask).dtype == np.bool_:
        values = xp.asarray(np.asarray(mask))
    else:
        values = as_array(mask, "mask", xp)
        values = values if values.dtype == dtype else xp.astype(values, dtype)
    try:
        np.broadcast_shapes(_shape(values), scores_shape)
    except ValueError:
        raise ShapeError(
            f"mask must broadcast against the scores of shape (..., L, S) = {scores_shape}, got "
            f"shape {_shape(values)}"
        ) from None
    return values


def _causal(xp: Any, length: int, source_length: int) -> Any:
    """The lower-triangular pattern: query ``i`` sees keys ``j <= i`` (top-left aligned)."""
    rows = xp.reshape(xp.arange(length), (length, 1))
    columns = xp.reshape(xp.arange(source_length), (1, source_length))
    return columns <= rows


def _masked_softmax(xp: Any, scores: Any, allowed: Any) -> Any:
    """Softmax over the last axis of ``scores`` where ``allowed``; an empty row gives zeros.

    ``scores`` is a fresh array: NumPy's is overwritten in place (three passes instead of six).
    """
    if allowed is not None and is_numpy_namespace(xp):
        np.copyto(scores, -math.inf, where=np.logical_not(allowed))
    elif allowed is not None:
        scores = xp.where(allowed, scores, xp.asarray(-math.inf, dtype=scores.dtype))
    largest = xp.max(scores, axis=-1, keepdims=True)
    # A row without any key left has max -inf: shift by 0 instead, so exp gives 0, not NaN.
    largest = xp.where(largest == -math.inf, xp.zeros_like(largest), largest)
    if is_numpy_namespace(xp):
        exponentials = np.exp(np.subtract(scores, largest, out=scores), out=scores)
    else:
        exponentials = xp.exp(scores - largest)
    total = xp.sum(exponentials, axis=-1, keepdims=True)
    total = xp.where(total == 0, xp.ones_like(total), total)
    if is_numpy_namespace(xp):
        return np.divide(exponentials, total, out=exponentials)
    return exponentials / total


def attention_weights(
    query: Any,
    key: Any,
    mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> Any:
    r"""How much each query attends to each key: the softmax of the scaled, masked scores.

    .. math::

        A = \operatorname{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right),
        \qquad \sum_j A_{ij} = 1

    (each row sums to 1, or is all zero when every key of that query is masked).

    Parameters
    ----------
    query : array_like of shape (..., L, E)
    key : array_like of shape (..., S, E)
    mask : array_like, optional
        Broadcasts against (..., L, S). Boolean: True where the key takes
        part. Floating: added to the scores (``-inf`` removes the key).
    is_causal : bool, default False
        Let query ``i`` see only keys ``j <= i`` (combined with ``mask``).
    scale : float, optional
        The factor on the scores; :math:`1/\sqrt{E}` by default.

    Returns
    -------
    array of shape (..., L, S)

    Examples
    --------
    >>> attention_weights([[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]]).round(4)
    array([[0.5   , 0.5   ],
           [0.6698, 0.3302]])
    """
    xp, query, key = as_arrays(query, key, names=("query", "key"))
    batch = _check_query_key(query, key)
    scale = _check_scale(scale, int(query.shape[-1]))
    is_causal = _check_flag(is_causal, "is_causal")
    length, source_length = int(query.shape[-2]), int(key.shape[-2])
    scores = xp.matmul(query * scale, xp.matrix_transpose(key))
    allowed = _causal(xp, length, source_length) if is_causal else None
    if mask is not None:
        values = _as_mask(mask, xp, scores.dtype, (*batch, length, source_length))
        if xp.isdtype(values.dtype, "bool"):
            allowed = values if allowed is None else allowed & values
        else:
            scores = scores + values
    return _masked_softmax(xp, scores, allowed)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    mask: Any = None,
    is_causal: bool = False,
    return_weights: bool = False,
    scale: float | None = None,
) -> Any:
    r"""Scaled dot-product attention: a weighted average of the values, weighted by similarity.

    .. math::

        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(
        \frac{Q K^\top}{\sqrt{d_k}} + M\right) V

    Dividing by :math:`\sqrt{d_k}` keeps the scores of unit-variance features
    at unit variance, so the softmax does not saturate as :math:`d_k` grows.
    Masks as in :func:`torch.nn.functional.scaled_dot_product_attention`; a
    query with every key masked gets a zero output (PyTorch does the same).

    Parameters
    ----------
    query : array_like of shape (..., L, E)
    key : array_like of shape (..., S, E)
    value : array_like of shape (..., S, Ev)
        Batch axes (...) broadcast.
    mask : array_like, optional
        Broadcasts against (..., L, S): boolean, True where the key takes part;
        or floating, added to the scores.
    is_causal : bool, default False
        Query ``i`` sees keys ``j <= i`` only (combined with ``mask``, where
        PyTorch refuses both).
    return_weights : bool, default False
        Also return the attention weights (..., L, S).
    scale : float, optional
        :math:`1/\sqrt{E}` by default.

    Returns
    -------
    output : array of shape (..., L, Ev)
    weights : array of shape (..., L, S)
        Only with ``return_weights``.

    Raises
    ------
    ShapeError
        If the feature sizes of query and key, the key and value counts, the
        batch axes or the mask do not fit together.

    Examples
    --------
    The guide's example: the first query is equally close to both keys, the
    second prefers the first key (:math:`e^{1/\sqrt{2}} : 1`).

    >>> Q = [[1.0, 0.0], [0.0, 1.0]]
    >>> K = [[1.0, 1.0], [1.0, 0.0]]
    >>> V = [[0.0, 1.0], [1.0, 0.0]]
    >>> scaled_dot_product_attention(Q, K, V).round(4)
    array([[0.5   , 0.5   ],
           [0.3302, 0.6698]])
    >>> scaled_dot_product_attention(Q, K, V, mask=[[True, True], [False, False]])[1]
    array([0., 0.])
    """
    return_weights = _check_flag(return_weights, "return_weights")
    xp, query, key, value = as_arrays(query, key, value, names=("query", "key", "value"))
    if value.ndim < 2 or key.ndim < 2 or value.shape[-2] != key.shape[-2]:
        raise ShapeError(
            f"value must have shape (..., S, Ev) with the keys' count S="
            f"{key.shape[-2] if key.ndim >= 2 else '?'}, got shape {_shape(value)}"
        )
    weights = attention_weights(query, key, mask, is_causal, scale)
    try:
        output = xp.matmul(weights, value)
    except ValueError:
        raise ShapeError(
            f"value must have batch axes that broadcast with query's and key's, got shapes "
            f"{_shape(query)}, {_shape(key)} and {_shape(value)}"
        ) from None
    return (output, weights) if return_weights else output


def _projection(xp: Any, x: Any, weight: Any, bias: Any) -> Any:
    """``x @ weight.T + bias`` (a linear layer, weight of shape (out, in))."""
    y = xp.matmul(x, xp.matrix_transpose(weight))
    return y if bias is None else y + bias


def _split_heads(xp: Any, y: Any, num_heads: int) -> Any:
    """(..., L, D) -> (..., H, L, D / H): each head gets its own slice of the features."""
    batch = tuple(y.shape[:-2])
    y = xp.reshape(y, (*batch, y.shape[-2], num_heads, y.shape[-1] // num_heads))
    n = len(batch)
    return xp.permute_dims(y, (*range(n), n + 1, n, n + 2))


def _merge_heads(xp: Any, y: Any) -> Any:
    """(..., H, L, d) -> (..., L, H d): the heads' outputs side by side again."""
    n = y.ndim - 3
    y = xp.permute_dims(y, (*range(n), n + 1, n, n + 2))
    return xp.reshape(y, (*y.shape[:-2], y.shape[-2] * y.shape[-1]))


def _check_weight(weight: Any, name: str, rows: int | None, columns: int, what: str) -> None:
    """Raise a :class:`ShapeError` unless ``weight`` is an (out, in) matrix of the given sizes."""
    if weight.ndim != 2 or weight.shape[1] != columns or rows not in (None, weight.shape[0]):
        wanted = f"({'out' if rows is None else rows}, {columns})"
        raise ShapeError(
            f"{name} must be an (out, in) matrix of shape {wanted} {what}, got shape "
            f"{_shape(weight)}"
        )


def _check_projections(
    x: Any, context: Any, weights: dict[str, Any], biases: dict[str, Any], num_heads: int
) -> None:
    """Check the (out, in) layout of the weights and that the heads divide their widths."""
    _check_weight(weights["w_q"], "w_q", None, x.shape[-1], "with in = the features of x")
    model = int(weights["w_q"].shape[0])
    _check_weight(weights["w_k"], "w_k", model, context.shape[-1], "with out = w_q's rows")
    _check_weight(weights["w_v"], "w_v", None, context.shape[-1], "with in = the context features")
    value_width = int(weights["w_v"].shape[0])
    _check_weight(weights["w_o"], "w_o", None, value_width, "with in = w_v's rows")
    for name, width in (("w_q", model), ("w_v", value_width)):
        if width % num_heads:
            raise ShapeError(
                f"{name} must have a number of rows (the embedding size) divisible by "
                f"num_heads={num_heads}, got {width}"
            )
    for name, bias in biases.items():
        rows = int(weights["w_" + name[2:]].shape[0])
        if bias is not None and _shape(bias) != (rows,):
            raise ShapeError(f"{name} must have shape ({rows},), got {_shape(bias)}")


def multi_head_attention(
    x: Any,
    w_q: Any,
    w_k: Any,
    w_v: Any,
    w_o: Any,
    num_heads: int,
    b_q: Any = None,
    b_k: Any = None,
    b_v: Any = None,
    b_o: Any = None,
    *,
    context: Any = None,
    mask: Any = None,
    is_causal: bool = False,
    return_weights: bool = False,
) -> Any:
    r"""Multi-head attention: several attentions in parallel on slices of projected features.

    .. math::

        \operatorname{head}_h = \operatorname{Attention}\big(X W_Q^{(h)\top},\,
        C W_K^{(h)\top},\, C W_V^{(h)\top}\big), \qquad
        \operatorname{MultiHead}(X, C) = [\operatorname{head}_1, \dots,
        \operatorname{head}_H]\, W_O^\top + b_O

    The projections are computed whole (:math:`X W_Q^\top + b_Q` of width
    :math:`D`) and then cut into ``num_heads`` slices of :math:`D/H` features,
    so each head attends in its own subspace at the cost of one attention of
    width :math:`D`; the heads' outputs are laid side by side and mixed by
    :math:`W_O`. Each head's scores are scaled by :math:`1/\sqrt{D/H}`.

    Parameters
    ----------
    x : array_like of shape (..., L, E)
        The queries' source; also the keys' and values' (self-attention)
        unless ``context`` is given.
    w_q, w_k : array_like of shape (D, E) and (D, E_c)
        Weights in the layout of ``nn.Linear``: ``y = x @ W.T + b``, rows are
        outputs. ``torch.nn.MultiheadAttention``'s ``in_proj_weight`` is
        ``w_q``, ``w_k`` and ``w_v`` stacked, its ``out_proj.weight`` is ``w_o``.
    w_v : array_like of shape (D_v, E_c)
    w_o : array_like of shape (E_o, D_v)
    num_heads : int
        Must divide :math:`D` and :math:`D_v`.
    b_q, b_k, b_v, b_o : array_like, optional
        Biases of shapes (D,), (D,), (D_v,), (E_o,).
    context : array_like of shape (..., S, E_c), optional
        The source of keys and values (cross-attention); ``x`` by default.
    mask : array_like, optional
        Broadcasts against (..., H, L, S); boolean True where the key takes
        part, floating added to the scores (as :func:`scaled_dot_product_attention`).
    is_causal : bool, default False
    return_weights : bool, default False
        Also return every head's weights, shape (..., H, L, S) (not averaged).

    Returns
    -------
    output : array of shape (..., L, E_o)
    weights : array of shape (..., H, L, S), only with ``return_weights``

    Examples
    --------
    With identity projections and one head it is plain self-attention:

    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> eye = np.eye(2)
    >>> multi_head_attention(x, eye, eye, eye, eye, num_heads=1).round(4)
    array([[0.6698, 0.3302],
           [0.3302, 0.6698]])
    """
    num_heads = check_integer(num_heads, "num_heads", 1)
    return_weights = _check_flag(return_weights, "return_weights")
    given = {"x": x, "w_q": w_q, "w_k": w_k, "w_v": w_v, "w_o": w_o}
    optional = {"context": context, "b_q": b_q, "b_k": b_k, "b_v": b_v, "b_o": b_o}
    given |= {name: value for name, value in optional.items() if value is not None}
    xp, *arrays = as_arrays(*given.values(), names=tuple(given))
    values = dict(zip(given, arrays, strict=True))
    x = values["x"]
    if x.ndim < 2:
        raise ShapeError(
            f"x must have shape (..., L, E) with at least 2 dimensions, got {_shape(x)}"
        )
    source = values.get("context", x)
    if source.ndim < 2:
        raise ShapeError(f"context must have shape (..., S, E_c), got {_shape(source)}")
    weights = {name: values[name] for name in ("w_q", "w_k", "w_v", "w_o")}
    biases = {name: values.get(name) for name in ("b_q", "b_k", "b_v", "b_o")}
    _check_projections(x, source, weights, biases, num_heads)
    q = _split_heads(xp, _projection(xp, x, weights["w_q"], biases["b_q"]), num_heads)
    k = _split_heads(xp, _projection(xp, source, weights["w_k"], biases["b_k"]), num_heads)
    v = _split_heads(xp, _projection(xp, source, weights["w_v"], biases["b_v"]), num_heads)
    heads, attention = scaled_dot_product_attention(
        q, k, v, mask=mask, is_causal=is_causal, return_weights=True
    )
    output = _projection(xp, _merge_heads(xp, heads), weights["w_o"], biases["b_o"])
    return (output, attention) if return_weights else output
