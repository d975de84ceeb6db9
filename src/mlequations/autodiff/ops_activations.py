r"""Activation functions on tensors: the layer-1 equations forward, their derivatives backward.

The forward values come from :mod:`mlequations.activations` (stable at the
edges, float32 kept); the backward passes use the derivatives of
:mod:`mlequations.activation_derivatives` or, where it is cheaper, the output
itself (:math:`\sigma' = \sigma(1-\sigma)`, :math:`\tanh' = 1 - \tanh^2`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations import activation_derivatives as derivatives
from mlequations import activations
from mlequations.autodiff.tensor import Tensor, record

__all__ = [
    "gelu",
    "leaky_relu",
    "log_softmax",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "swish",
    "tanh",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(x: Any) -> Tensor:
    r""":math:`\max(0, x)`; the gradient passes where :math:`x > 0`."""
    x = _tensor(x)
    return record("relu", activations.relu(x.data), (x,), lambda g: (g * (x.data > 0),))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    r""":math:`\max(\alpha x, x)`; the derivative is 1 for :math:`x > 0` and :math:`\alpha` else."""
    x = _tensor(x)
    out = activations.leaky_relu(x.data, alpha=negative_slope)
    slope = np.asarray(negative_slope, dtype=x.dtype)
    return record(
        "leaky_relu", out, (x,), lambda g: (g * np.where(x.data > 0, np.ones((), x.dtype), slope),)
    )


def sigmoid(x: Any) -> Tensor:
    r""":math:`\sigma(x) = 1/(1+e^{-x})`; :math:`\sigma'(x) = \sigma(x)(1-\sigma(x))`."""
    x = _tensor(x)
    out = activations.sigmoid(x.data)
    return record("sigmoid", out, (x,), lambda g: (g * out * (1 - out),))


def tanh(x: Any) -> Tensor:
    r""":math:`\tanh x`; :math:`\tanh' x = 1 - \tanh^2 x`."""
    x = _tensor(x)
    out = activations.tanh(x.data)
    return record("tanh", out, (x,), lambda g: (g * (1 - out * out),))


def gelu(x: Any, approximate: bool | str = "none") -> Tensor:
    r""":math:`x\,\Phi(x)` (or its tanh approximation with ``approximate="tanh"``)."""
    x = _tensor(x)
    out = activations.gelu(x.data, approximate=approximate)  # validates ``approximate``
    return record(
        "gelu",
        out,
        (x,),
        lambda g: (g * derivatives.gelu_derivative(x.data, approximate=approximate),),
    )


def swish(x: Any, beta: float = 1.0) -> Tensor:
    r""":math:`x\,\sigma(\beta x)`, the swish; with :math:`\beta = 1` it is SiLU."""
    x = _tensor(x)
    out = activations.swish(x.data, beta=beta)
    return record(
        "swish", out, (x,), lambda g: (g * derivatives.swish_derivative(x.data, beta=beta),)
    )


def silu(x: Any) -> Tensor:
    r""":math:`x\,\sigma(x)` (``torch.nn.functional.silu``)."""
    return swish(x, 1.0)


def softmax(x: Any, axis: int = -1) -> Tensor:
    r"""Probabilities :math:`s = e^{x}/\sum e^{x}` along ``axis``.

    .. math::

        \bar{x} = s \odot \left(\bar{s} - \textstyle\sum_j \bar{s}_j s_j\right)

    the product with the Jacobian :math:`\operatorname{diag}(s) - s s^\top`
    without forming it.
    """
    x = _tensor(x)
    out = activations.softmax(x.data, axis=axis)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (out * (g - np.sum(g * out, axis=axis, keepdims=True)),)

    return record("softmax", out, (x,), backward)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    r""":math:`x - \log\sum e^{x}` along ``axis``.

    .. math::

        \bar{x} = \bar{y} - s \textstyle\sum_j \bar{y}_j, \qquad s = \operatorname{softmax}(x)
    """
    x = _tensor(x)
    out = activations.log_softmax(x.data, axis=axis)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),)

    return record("log_softmax", out, (x,), backward)
