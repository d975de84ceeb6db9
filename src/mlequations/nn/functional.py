r"""The functions behind the layers, as ``torch.nn.functional``: ``import ... functional as F``.

Activations and the affine map are the engine's operations under PyTorch's
argument names (``dim``, ``negative_slope``, ``approximate``); dropout, layer
normalisation, embedding lookup, the losses
(:mod:`mlequations.nn.functional_losses`), convolution and max pooling
(:mod:`mlequations.nn.functional_convolution`) are fused nodes with hand-written
backward passes. Each accepts a :class:`~mlequations.autodiff.Tensor` or an
array (which becomes a constant).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations import autodiff
from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff import Tensor, record
from mlequations.nn.embedding import embedding
from mlequations.nn.functional_convolution import conv2d, max_pool2d
from mlequations.nn.functional_losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
)
from mlequations.nn.normalization import layer_norm
from mlequations.nn.random import resolve_generator

__all__ = [
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""The affine map :math:`y = x W^\top + b` as one node (``weight`` is ``(out, in)``).

    An array ``input`` is taken as a constant of the weight's dtype; a tensor
    of another dtype is refused (as in PyTorch) rather than silently promoted.

    Examples
    --------
    >>> w = Tensor([[1.0, 2.0], [0.0, -1.0]])
    >>> linear([[1.0, 1.0]], w, Tensor([0.5, 0.5])).data
    array([[ 3.5, -0.5]])
    """
    x = input if isinstance(input, Tensor) else Tensor(input, dtype=weight.dtype)
    if x.dtype != weight.dtype:
        raise ArrayTypeError(
            f"input must have the weight's dtype {weight.dtype}, got {x.dtype}; convert it "
            f"with Tensor(x, dtype='{weight.dtype}')"
        )
    return autodiff.linear(x, weight, bias)


def relu(input: Any) -> Tensor:
    r""":math:`\max(0, x)`."""
    return autodiff.relu(_tensor(input))


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    r""":math:`\max(\alpha x, x)` with :math:`\alpha` = ``negative_slope``."""
    return autodiff.leaky_relu(_tensor(input), negative_slope)


def sigmoid(input: Any) -> Tensor:
    r""":math:`1 / (1 + e^{-x})`."""
    return autodiff.sigmoid(_tensor(input))


def tanh(input: Any) -> Tensor:
    r""":math:`\tanh x`."""
    return autodiff.tanh(_tensor(input))


def gelu(input: Any, approximate: str = "none") -> Tensor:
    r""":math:`x\,\Phi(x)`; ``approximate="tanh"`` for the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValidationError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return autodiff.gelu(_tensor(input), approximate=approximate)


def silu(input: Any) -> Tensor:
    r""":math:`x\,\sigma(x)`."""
    return autodiff.silu(_tensor(input))


def softmax(input: Any, dim: int = -1) -> Tensor:
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``.

    Examples
    --------
    >>> softmax([[0.0, 0.0]], dim=1).data
    array([[0.5, 0.5]])
    """
    return autodiff.softmax(_tensor(input), axis=dim)


def log_softmax(input: Any, dim: int = -1) -> Tensor:
    r""":math:`x_i - \log \sum_j e^{x_j}` along ``dim``."""
    return autodiff.log_softmax(_tensor(input), axis=dim)


def dropout(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""Inverted dropout: zero each entry with probability ``p``, scale the rest by :math:`1/(1-p)`.

    .. math::

        y = \frac{m \odot x}{1 - p}, \quad m_i \sim \operatorname{Bernoulli}(1 - p),
        \qquad \bar{x} = \frac{m \odot \bar{y}}{1 - p}

    so :math:`\mathbb{E}[y] = x` and nothing needs rescaling at evaluation,
    where (``training=False``) the input is returned unchanged. The mask is
    drawn from ``generator`` or the default generator of
    :mod:`mlequations.nn.random`.

    Examples
    --------
    >>> x = Tensor(np.ones(8))
    >>> y = dropout(x, 0.5, generator=np.random.default_rng(0))
    >>> sorted(set(y.data.tolist()))
    [0.0, 2.0]
    >>> dropout(x, 0.5, training=False) is x
    True
    """
    p = check_real_number(p, "p")
    if not 0.0 <= p <= 1.0:
        raise ValidationError(f"p must be a probability in [0, 1], got {p}")
    if not isinstance(training, bool):
        raise ArrayTypeError(f"training must be True or False, got {training!r}")
    rng = resolve_generator(generator)
    x = _tensor(input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        scale = np.zeros_like(x.data)
    else:
        keep = rng.random(x.shape, dtype=x.dtype) >= p
        scale = np.where(keep, x.dtype.type(1.0 / (1.0 - p)), x.dtype.type(0.0))
    return record("dropout", x.data * scale, (x,), lambda g: (g * scale,))
