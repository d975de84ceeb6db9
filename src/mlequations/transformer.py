r"""Layer 1: one transformer encoder block as plain array equations.

Self-attention lets every token gather information from the others; a
position-wise feed-forward network then transforms each token on its own.
Each sublayer is wrapped in a residual connection and a layer normalisation,
after the sum (post-norm, the original transformer) or before the sublayer
(pre-norm):

.. math::

    \text{post-norm:}\quad h = \operatorname{LN}_1\big(x + \operatorname{MHA}(x)\big), \quad
    y = \operatorname{LN}_2\big(h + \operatorname{FFN}(h)\big)

.. math::

    \text{pre-norm:}\quad h = x + \operatorname{MHA}(\operatorname{LN}_1 x), \quad
    y = h + \operatorname{FFN}(\operatorname{LN}_2 h)

with :math:`\operatorname{FFN}(h) = \phi(h W_1^\top + b_1) W_2^\top + b_2`. The
parameters are named as in ``torch.nn.TransformerEncoderLayer.state_dict()``,
so a trained layer's state dict (this library's or PyTorch's) can be passed
as it is. Array-API generic; the trainable layer is
:class:`mlequations.nn.TransformerEncoderLayer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlequations._array import (
    ArrayTypeError,
    ShapeError,
    ValidationError,
    array_namespace,
    as_array,
    as_arrays,
    to_numpy,
)
from mlequations._checks import check_integer, check_real_number
from mlequations.activations import gelu, relu
from mlequations.attention import multi_head_attention

__all__ = ["PARAMETER_NAMES", "layer_norm", "parameter_shapes", "transformer_encoder_layer"]

#: The parameters of one block, under PyTorch's state-dict names.
PARAMETER_NAMES = (
    "self_attn.in_proj_weight",
    "self_attn.in_proj_bias",
    "self_attn.out_proj.weight",
    "self_attn.out_proj.bias",
    "linear1.weight",
    "linear1.bias",
    "linear2.weight",
    "linear2.bias",
    "norm1.weight",
    "norm1.bias",
    "norm2.weight",
    "norm2.bias",
)
_ACTIVATIONS = {"relu": relu, "gelu": gelu}


def layer_norm(x: Any, weight: Any, bias: Any, eps: float = 1e-5) -> Any:
    r"""Normalise the last axis to mean 0 and variance 1, then scale and shift.

    .. math::

        y = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta

    with the mean :math:`\mu` and the biased variance :math:`\sigma^2` of the last axis.

    Examples
    --------
    >>> layer_norm([[1.0, 2.0, 3.0]], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]).round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """
    xp, x, weight, bias = as_arrays(x, weight, bias, names=("x", "weight", "bias"))
    centred = x - xp.mean(x, axis=-1, keepdims=True)
    variance = xp.mean(centred * centred, axis=-1, keepdims=True)
    return centred / xp.sqrt(variance + eps) * weight + bias


def parameter_shapes(d_model: int, dim_feedforward: int) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter of a block, by PyTorch's state-dict name.

    Examples
    --------
    >>> parameter_shapes(4, 8)["linear1.weight"]
    (8, 4)
    """
    e = check_integer(d_model, "d_model", 1)
    f = check_integer(dim_feedforward, "dim_feedforward", 1)
    shapes = [
        (3 * e, e),
        (3 * e,),
        (e, e),
        (e,),
        (f, e),
        (f,),
        (e, f),
        (e,),
        (e,),
        (e,),
        (e,),
        (e,),
    ]
    return dict(zip(PARAMETER_NAMES, shapes, strict=True))


def _parameters(params: Any, xp: Any, dtype: Any) -> dict[str, Any]:
    """The block's parameters in the input's namespace ``xp`` and precision ``dtype``.

    So a state dict of NumPy arrays (``layer.state_dict()``) serves inputs of any
    array library, and a float64 state dict runs a float32 input in float32.
    """
    if not isinstance(params, Mapping):
        raise ArrayTypeError(
            f"params must be a mapping of PyTorch's state-dict names to arrays, got "
            f"{type(params).__name__}"
        )
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise ValidationError(f"params must hold {', '.join(missing)} (missing)")
    moved = {}
    for name in PARAMETER_NAMES:
        value = as_array(params[name], f"params[{name!r}]")
        if array_namespace(value).__name__ != xp.__name__:
            value = xp.asarray(to_numpy(value))
        moved[name] = value if value.dtype == dtype else xp.astype(value, dtype)
    return moved


def transformer_encoder_layer(
    x: Any,
    params: Mapping[str, Any],
    num_heads: int,
    norm_first: bool = False,
    activation: str = "relu",
    eps: float = 1e-5,
    mask: Any = None,
    is_causal: bool = False,
) -> Any:
    r"""One transformer encoder block: self-attention, feed-forward, residuals, layer norms.

    Parameters
    ----------
    x : array_like of shape (..., L, d_model)
        A sequence of L token vectors (batch axes first).
    params : mapping of str to array_like
        The names of :data:`PARAMETER_NAMES` (``"self_attn.in_proj_weight"``
        of shape (3 d_model, d_model), ``"linear1.weight"`` of shape
        (d_ff, d_model), ...), as in ``TransformerEncoderLayer.state_dict()``.
        They are converted to the namespace and precision of ``x``.
    num_heads : int
    norm_first : bool, default False
        Pre-norm instead of post-norm.
    activation : {"relu", "gelu"}, default "relu"
    eps : float, default 1e-5
        The layer norms' :math:`\varepsilon`.
    mask : array_like, optional
        Broadcasts against (..., num_heads, L, L); boolean True where a token
        may attend (note: PyTorch's ``src_mask`` uses True for "may not"), or
        floating, added to the scores.
    is_causal : bool, default False
        Token i attends to tokens j <= i only.

    Returns
    -------
    array of shape (..., L, d_model)

    Examples
    --------
    With zero weights the sublayers add only their biases (here zero) and the
    post-norm block is a layer norm of the input:

    >>> import numpy as np
    >>> shapes = parameter_shapes(d_model=4, dim_feedforward=8)
    >>> params = {name: np.zeros(shape) for name, shape in shapes.items()}
    >>> params["norm1.weight"] = params["norm2.weight"] = np.ones(4)
    >>> transformer_encoder_layer([[1.0, 2.0, 3.0, 4.0]], params, num_heads=2).round(4)
    array([[-1.3416, -0.4472,  0.4472,  1.3416]])
    """
    num_heads = check_integer(num_heads, "num_heads", 1)
    eps = check_real_number(eps, "eps")
    if activation not in _ACTIVATIONS:
        raise ValidationError(f"activation must be 'relu' or 'gelu', got {activation!r}")
    if not isinstance(norm_first, bool):
        raise ArrayTypeError(f"norm_first must be True or False, got {norm_first!r}")
    xp, x = as_arrays(x, names=("x",))
    p = _parameters(params, xp, x.dtype)
    d_model = int(x.shape[-1]) if x.ndim else 0
    if x.ndim < 2 or tuple(p["self_attn.in_proj_weight"].shape) != (3 * d_model, d_model):
        raise ShapeError(
            f"x must have shape (..., L, d_model) matching self_attn.in_proj_weight "
            f"(3 d_model, d_model), got x {tuple(x.shape)} and weight "
            f"{tuple(p['self_attn.in_proj_weight'].shape)}"
        )
    w_q, w_k, w_v = (
        p["self_attn.in_proj_weight"][i * d_model : (i + 1) * d_model, ...] for i in range(3)
    )
    b_q, b_k, b_v = (p["self_attn.in_proj_bias"][i * d_model : (i + 1) * d_model] for i in range(3))

    def attention(h: Any) -> Any:
        return multi_head_attention(
            h, w_q, w_k, w_v, p["self_attn.out_proj.weight"], num_heads,
            b_q, b_k, b_v, p["self_attn.out_proj.bias"], mask=mask, is_causal=is_causal,
        )  # fmt: skip

    def feed_forward(h: Any) -> Any:
        hidden = h @ xp.matrix_transpose(p["linear1.weight"]) + p["linear1.bias"]
        hidden = _ACTIVATIONS[activation](hidden)
        return hidden @ xp.matrix_transpose(p["linear2.weight"]) + p["linear2.bias"]

    def norm(h: Any, which: str) -> Any:
        return layer_norm(h, p[f"{which}.weight"], p[f"{which}.bias"], eps)

    if norm_first:
        h = x + attention(norm(x, "norm1"))
        return h + feed_forward(norm(h, "norm2"))
    h = norm(x + attention(x), "norm1")
    return norm(h + feed_forward(h), "norm2")
