r"""Layer normalisation: :func:`layer_norm` (one fused node) and the :class:`LayerNorm` layer.

Each sample is standardised over its last axes (the ``normalized_shape``) and
then scaled and shifted by learned parameters:

.. math::

    \hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
    y = \gamma \odot \hat{x} + \beta,

with :math:`\mu` and the biased variance :math:`\sigma^2` taken over those
:math:`n` entries. The backward pass is the closed form

.. math::

    \bar{x} = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}
    \left(\bar{\hat{x}} - \overline{\bar{\hat{x}}} - \hat{x}\,
    \overline{\bar{\hat{x}} \odot \hat{x}}\right), \qquad
    \bar{\hat{x}} = \gamma \odot \bar{y},

where the overline is the mean over the normalised axes: one node instead of
a dozen, and no graph of the mean and variance to walk.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.autodiff import Tensor, record
from mlequations.nn.module import Module
from mlequations.nn.parameter import Parameter, resolve_dtype

__all__ = ["LayerNorm", "layer_norm"]


def _shape(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        normalized_shape = (normalized_shape,)
    if (
        isinstance(normalized_shape, str)
        or not isinstance(normalized_shape, Sequence)
        or not normalized_shape
    ):
        raise ArrayTypeError(
            f"normalized_shape must be a positive integer or a non-empty sequence of them, "
            f"got {normalized_shape!r}"
        )
    return tuple(check_integer(n, "normalized_shape entries", 1) for n in normalized_shape)


def _affine(value: Any, name: str, shape: tuple[int, ...], x: Tensor) -> Tensor | None:
    if value is None:
        return None
    value = value if isinstance(value, Tensor) else Tensor(value, dtype=x.dtype)
    if value.shape != shape:
        raise ShapeError(f"{name} must have normalized_shape {shape}, got {value.shape}")
    if value.dtype != x.dtype:
        raise ArrayTypeError(f"{name} must have input's dtype {x.dtype}, got {value.dtype}")
    return value


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` axes, then scale and shift.

    Parameters
    ----------
    input : Tensor of shape (..., *normalized_shape)
    normalized_shape : int or sequence of int
    weight, bias : Tensor of shape normalized_shape, optional
        :math:`\\gamma` and :math:`\\beta` (1 and 0 when left out).
    eps : float, default 1e-5
        Added to the variance so a constant sample does not divide by zero.

    Examples
    --------
    >>> y = layer_norm(Tensor([[1.0, 2.0, 3.0]]), 3)
    >>> y.data.round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """
    shape = _shape(normalized_shape)
    like = weight.dtype if isinstance(weight, Tensor) else None
    x = input if isinstance(input, Tensor) else Tensor(input, dtype=like)
    if x.shape[x.ndim - len(shape) :] != shape or x.ndim < len(shape):
        raise ShapeError(f"input must end in normalized_shape {shape}, got shape {x.shape}")
    weight, bias = _affine(weight, "weight", shape, x), _affine(bias, "bias", shape, x)
    eps = check_real_number(eps, "eps")
    if not eps >= 0:
        raise ValidationError(f"eps must be >= 0, got {eps}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    centred = x.data - x.data.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.mean(centred * centred, axis=axes, keepdims=True) + eps)
    x_hat = np.multiply(centred, inv_std, out=centred)
    out = x_hat * weight.data if weight is not None else x_hat.copy()
    if bias is not None:
        out += bias.data

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        g_hat = g * weight.data if weight is not None else g
        grads: list[Any] = [None]
        if x.requires_grad:
            mean_g = g_hat.mean(axis=axes, keepdims=True)
            mean_gx = (g_hat * x_hat).mean(axis=axes, keepdims=True)
            grads[0] = inv_std * (g_hat - mean_g - x_hat * mean_gx)
        if weight is not None:
            grads.append(
                (g * x_hat).reshape(-1, *shape).sum(axis=0) if weight.requires_grad else None
            )
        if bias is not None:
            grads.append(g.reshape(-1, *shape).sum(axis=0) if bias.requires_grad else None)
        return tuple(grads)

    parents = (x, *(p for p in (weight, bias) if p is not None))
    return record("layer_norm", out, parents, backward)


class LayerNorm(Module):
    """Layer normalisation with a learned scale ``weight`` (ones) and shift ``bias`` (zeros).

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape normalised over (the feature size, usually).
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` and ``bias``; without it the layer has no parameters.
    bias : bool, default True
        Learn ``bias`` (only with ``elementwise_affine``).
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> norm = LayerNorm(3)
    >>> norm
    LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> norm(Tensor([[1.0, 2.0, 3.0]], dtype="float32")).data.round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = check_real_number(eps, "eps")
        if not (self.eps >= 0 and math.isfinite(self.eps)):
            raise ValidationError(f"eps must be a finite number >= 0, got {eps}")
        for flag, name in ((elementwise_affine, "elementwise_affine"), (bias, "bias")):
            if not isinstance(flag, bool):
                raise ArrayTypeError(f"{name} must be True or False, got {flag!r}")
        self.elementwise_affine = elementwise_affine
        dtype = resolve_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
