r"""The :class:`TransformerEncoderLayer`: self-attention and a feed-forward network, with residuals.

Each sublayer adds its result to its input (a residual connection) and layer
normalisation keeps the scale in check, either after the sum (post-norm, the
original transformer) or before the sublayer (pre-norm, ``norm_first=True``,
which trains deep stacks more stably):

.. math::

    \text{post-norm:}\quad x \leftarrow \operatorname{LN}_1\big(x + \operatorname{MHA}(x)\big),
    \quad x \leftarrow \operatorname{LN}_2\big(x + \operatorname{FFN}(x)\big)

.. math::

    \text{pre-norm:}\quad x \leftarrow x + \operatorname{MHA}(\operatorname{LN}_1 x),
    \quad x \leftarrow x + \operatorname{FFN}(\operatorname{LN}_2 x)

with :math:`\operatorname{FFN}(x) = W_2\, \phi(W_1 x + b_1) + b_2` and
:math:`\phi` ReLU or GELU. Sub-modules and parameters carry
``torch.nn.TransformerEncoderLayer``'s names, so state dicts copy one to one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer
from mlequations.autodiff import Tensor
from mlequations.nn import functional
from mlequations.nn.attention import MultiheadAttention
from mlequations.nn.dropout import Dropout
from mlequations.nn.linear import Linear
from mlequations.nn.module import Module
from mlequations.nn.normalization import LayerNorm

__all__ = ["TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {
    "relu": functional.relu,
    "gelu": functional.gelu,
}


def _activation(activation: Any) -> Callable[[Any], Tensor]:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValidationError(
                f"activation must be 'relu', 'gelu' or a callable, got {activation!r}"
            )
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise ArrayTypeError(f"activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


class TransformerEncoderLayer(Module):
    """One transformer encoder block, as ``torch.nn.TransformerEncoderLayer``.

    Parameters
    ----------
    d_model : int
        The width of the tokens' vectors.
    nhead : int
        The number of attention heads (divides ``d_model``).
    dim_feedforward : int, default 2048
        The hidden width of the feed-forward network.
    dropout : float, default 0.0
        Dropout on the attention weights, after each sublayer and inside the
        feed-forward network (PyTorch's default is 0.1).
    activation : {"relu", "gelu"} or callable, default "relu"
    layer_norm_eps : float, default 1e-5
    batch_first : bool, default True
        Inputs are (N, L, d_model); False for (L, N, d_model) (PyTorch's default).
    norm_first : bool, default False
        Pre-norm (normalise before each sublayer) instead of post-norm.
    bias : bool, default True
        Biases in the linear layers and the layer norms.
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations import nn
    >>> _ = nn.manual_seed(0)
    >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
    >>> y = layer(np.ones((2, 5, 16), dtype=np.float32), is_causal=True)
    >>> y.shape, y.dtype
    ((2, 5, 16), dtype('float32'))
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.0,
        activation: str | Callable[[Any], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = True,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        d_model = check_integer(d_model, "d_model", 1)
        dim_feedforward = check_integer(dim_feedforward, "dim_feedforward", 1)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        if not isinstance(norm_first, bool):
            raise ArrayTypeError(f"norm_first must be True or False, got {norm_first!r}")
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self,
        src: Any,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Transform the sequence ``src``; masks as :meth:`MultiheadAttention.forward`.

        Parameters
        ----------
        src : array_like or Tensor of shape (N, L, d_model)
            ((L, N, d_model) without ``batch_first``; (L, d_model) unbatched).
        src_mask : array of shape (L, L) or (N * nhead, L, L), optional
            Boolean True where a position must not attend, or floating, added.
        src_key_padding_mask : array of shape (N, L), optional
            Boolean True at padding positions.
        is_causal : bool, default False
            Each position attends to itself and earlier ones only (applies the
            causal mask when ``src_mask`` is None; a hint otherwise).
        """
        x = src if isinstance(src, Tensor) else Tensor(src, dtype=self.linear1.weight.dtype)
        if self.norm_first:
            x = x + self._attention_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward_block(self.norm2(x))
        x = self.norm1(x + self._attention_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward_block(x))

    def _attention_block(
        self, x: Tensor, mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        out, _ = self.self_attn(
            x,
            x,
            x,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            attn_mask=mask,
            is_causal=is_causal,
        )
        return self.dropout1(out)

    def _feed_forward_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def extra_repr(self) -> str:
        return f"norm_first={self.norm_first}"
