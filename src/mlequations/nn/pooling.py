r"""The max-pooling layer :class:`MaxPool2d`, as ``torch.nn.MaxPool2d``.

.. math::

    y[n, c, p, q] = \max_{i < k_h,\ j < k_w} x_{\text{pad}}[n, c,\, p s_h + i,\, q s_w + j]

Pooling shrinks the feature maps (halves them with the usual 2×2 windows and
stride 2) and makes the output tolerant to small shifts of a feature within a
window; it has no parameters.
"""

from __future__ import annotations

from typing import Any

from mlequations._windows import as_pair
from mlequations.autodiff import Tensor
from mlequations.nn.functional_convolution import max_pool2d
from mlequations.nn.module import Module

__all__ = ["MaxPool2d"]


class MaxPool2d(Module):
    """The largest value of each ``kernel_size`` window, moved by ``stride``.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit :math:`-\\infty` on each side, at most half the kernel.

    The gradient of a window goes to its first maximum in row-major order
    (:func:`mlequations.nn.functional.max_pool2d`).

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4)).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        as_pair(kernel_size, "kernel_size", 1)
        if stride is not None:
            as_pair(stride, "stride", 1)
        as_pair(padding, "padding", 0)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input: Any) -> Tensor:
        return max_pool2d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
