r"""The fully connected layer :class:`Linear`: :math:`y = x W^\top + b`.

``weight`` has shape ``(out_features, in_features)`` and starts, as in
``torch.nn.Linear``, uniform on :math:`[-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}}]`
(Kaiming uniform with :math:`a = \sqrt{5}`), like ``bias``; so a state dict
copies between the two one to one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError
from mlequations._checks import check_integer
from mlequations.autodiff import Tensor
from mlequations.nn import functional, init
from mlequations.nn.module import Module
from mlequations.nn.parameter import Parameter, resolve_dtype

__all__ = ["Linear"]


class Linear(Module):
    r"""An affine map of the last axis, :math:`y = x W^\top + b`, as one fused node.

    Parameters
    ----------
    in_features, out_features : int
        The sizes of each input and output sample.
    bias : bool, default True
        Learn the additive ``bias`` of shape ``(out_features,)``.
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> layer = Linear(4, 2)
    >>> layer
    Linear(in_features=4, out_features=2, bias=True)
    >>> layer.weight.shape, layer(np.ones((5, 4))).shape
    ((2, 4), (5, 2))
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = "float32"
    ) -> None:
        super().__init__()
        self.in_features = check_integer(in_features, "in_features", 1)
        self.out_features = check_integer(out_features, "out_features", 1)
        if not isinstance(bias, bool):
            raise ArrayTypeError(f"bias must be True or False, got {bias!r}")
        dtype = resolve_dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw PyTorch's default initialisation again (from the default generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        return functional.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        text = (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
        return text if self.weight.dtype == np.float32 else f"{text}, dtype={self.weight.dtype}"
