"""The :class:`Flatten` layer: the bridge from feature maps to fully connected layers."""

from __future__ import annotations

import math
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import normalize_axis
from mlequations.autodiff import Tensor
from mlequations.nn.module import Module

__all__ = ["Flatten", "flatten"]


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes ``start_dim`` to ``end_dim`` (both included) into one, as ``torch.flatten``.

    The values and their order do not change (row-major), so the gradient is
    the upstream gradient reshaped back.

    Examples
    --------
    >>> import numpy as np
    >>> flatten(np.ones((2, 3, 4, 5)), 1).shape
    (2, 60)
    >>> flatten(np.ones((2, 3, 4, 5)), 1, 2).shape
    (2, 12, 5)
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim == 0:
        return x.reshape(1)
    start = normalize_axis(start_dim, x.ndim, "start_dim")
    end = normalize_axis(end_dim, x.ndim, "end_dim")
    if start > end:
        raise ValidationError(
            f"start_dim must not come after end_dim, got start_dim={start_dim} and "
            f"end_dim={end_dim} for a tensor of {x.ndim} dimensions"
        )
    merged = math.prod(x.shape[start : end + 1])
    return x.reshape((*x.shape[:start], merged, *x.shape[end + 1 :]))


class Flatten(Module):
    """Flatten the axes ``start_dim`` to ``end_dim``; by default all but the batch axis.

    Examples
    --------
    >>> import numpy as np
    >>> Flatten()(np.ones((8, 32, 7, 7))).shape
    (8, 1568)
    >>> Flatten()
    Flatten(start_dim=1, end_dim=-1)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ArrayTypeError(f"{name} must be an integer, got {value!r}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Any) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
