r"""The 2-D convolutional layer :class:`Conv2d`, as ``torch.nn.Conv2d``.

``weight`` has shape ``(out_channels, in_channels, kh, kw)`` and ``bias``
``(out_channels,)``; both start, as in PyTorch, uniform on
:math:`[-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}}]` with
:math:`\text{fan\_in} = \text{in\_channels} \cdot k_h k_w` (Kaiming uniform
with :math:`a = \sqrt{5}` for the weight), so a state dict copies between the
two one to one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError
from mlequations._checks import check_integer
from mlequations._windows import as_pair
from mlequations.autodiff import Tensor
from mlequations.nn import init
from mlequations.nn.functional_convolution import conv2d
from mlequations.nn.module import Module
from mlequations.nn.parameter import Parameter, resolve_dtype

__all__ = ["Conv2d"]


class Conv2d(Module):
    r"""A bank of ``out_channels`` learned kernels slid over images in NCHW layout.

    .. math::

        y[n, o] = b_o + \sum_{c} w[o, c] \star x[n, c]

    where :math:`\star` is the 2-D cross-correlation with the layer's stride
    and zero padding (:func:`mlequations.nn.functional.conv2d`).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros added on each side; ``padding = kernel_size // 2`` with stride 1
        keeps an odd kernel's output the size of its input.
    bias : bool, default True
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> layer = Conv2d(1, 4, 3, padding=1)
    >>> layer
    Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> layer.weight.shape, layer(np.ones((2, 1, 8, 8))).shape
    ((4, 1, 3, 3), (2, 4, 8, 8))
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        bias: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        self.in_channels = check_integer(in_channels, "in_channels", 1)
        self.out_channels = check_integer(out_channels, "out_channels", 1)
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = as_pair(stride, "stride", 1)
        self.padding = as_pair(padding, "padding", 0)
        if not isinstance(bias, bool):
            raise ArrayTypeError(f"bias must be True or False, got {bias!r}")
        dtype = resolve_dtype(dtype)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw PyTorch's default initialisation again (from the default generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        return conv2d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text if self.weight.dtype == np.float32 else f"{text}, dtype={self.weight.dtype}"
