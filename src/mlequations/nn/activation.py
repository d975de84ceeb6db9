r"""Activation layers: the functions of :mod:`mlequations.nn.functional` as modules.

They hold no parameters; they exist so a network can be written as a
:class:`~mlequations.nn.Sequential` of layers, as in ``torch.nn``:

.. math::

    \operatorname{ReLU}(x) = \max(0, x), \quad
    \sigma(x) = \frac{1}{1 + e^{-x}}, \quad
    \operatorname{GELU}(x) = x\,\Phi(x), \quad
    \operatorname{SiLU}(x) = x\,\sigma(x).
"""

from __future__ import annotations

import numbers
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff import Tensor
from mlequations.nn import functional
from mlequations.nn.module import Module

__all__ = ["GELU", "LeakyReLU", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax", "Tanh"]


class ReLU(Module):
    """:math:`\\max(0, x)` element-wise.

    Examples
    --------
    >>> ReLU()([-1.0, 2.0]).data
    array([0., 2.])
    """

    def forward(self, input: Any) -> Tensor:
        return functional.relu(input)


class LeakyReLU(Module):
    """:math:`x` for :math:`x > 0`, else ``negative_slope`` :math:`\\cdot x`.

    Examples
    --------
    >>> LeakyReLU(0.1)([-1.0, 2.0]).data
    array([-0.1,  2. ])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_real_number(negative_slope, "negative_slope")
        if not 0.0 <= self.negative_slope <= 1.0:
            raise ValidationError(f"negative_slope must lie in [0, 1], got {negative_slope}")

    def forward(self, input: Any) -> Tensor:
        return functional.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """The logistic function :math:`1 / (1 + e^{-x})` element-wise."""

    def forward(self, input: Any) -> Tensor:
        return functional.sigmoid(input)


class Tanh(Module):
    """:math:`\\tanh x` element-wise."""

    def forward(self, input: Any) -> Tensor:
        return functional.tanh(input)


class GELU(Module):
    """:math:`x\\,\\Phi(x)`, exact (``approximate="none"``) or by the tanh formula (``"tanh"``).

    Examples
    --------
    >>> GELU()
    GELU(approximate='none')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValidationError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Any) -> Tensor:
        return functional.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """:math:`x\\,\\sigma(x)` element-wise (the swish with :math:`\\beta = 1`)."""

    def forward(self, input: Any) -> Tensor:
        return functional.silu(input)


class Softmax(Module):
    """Probabilities :math:`e^{x_i} / \\sum_j e^{x_j}` along ``dim``.

    Examples
    --------
    >>> Softmax(dim=-1)([[0.0, 0.0]]).data
    array([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise ArrayTypeError(f"dim must be an integer, got {dim!r}")
        self.dim = int(dim)

    def forward(self, input: Any) -> Tensor:
        return functional.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """:math:`x_i - \\log \\sum_j e^{x_j}` along ``dim`` (log-probabilities)."""

    def forward(self, input: Any) -> Tensor:
        return functional.log_softmax(input, self.dim)
