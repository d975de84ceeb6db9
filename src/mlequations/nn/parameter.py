"""The :class:`Parameter`: a tensor that a :class:`~mlequations.nn.Module` learns.

A parameter is a leaf of the computational graph that always requires a
gradient. Assigning one as an attribute of a module registers it, so
``module.parameters()`` finds it for the optimiser.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError
from mlequations.autodiff import Tensor

__all__ = ["Parameter", "resolve_dtype"]

_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


def resolve_dtype(dtype: Any) -> np.dtype:
    """``"float32"``, ``"float64"`` or the matching NumPy dtype, as a :class:`numpy.dtype`."""
    try:
        resolved = np.dtype(_DTYPES.get(dtype, dtype)) if dtype is not None else None
    except TypeError:
        resolved = None
    if resolved not in _DTYPES.values():
        raise ArrayTypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return resolved


class Parameter(Tensor):
    """A tensor that requires a gradient and is registered by the module that holds it.

    Parameters
    ----------
    data : array_like or Tensor
        The initial values (shared with ``data`` when it is already a float
        array of the requested dtype, as ``torch.nn.Parameter`` shares memory).
    dtype : {"float32", "float64"}, optional
        Convert the values to this precision; by default float arrays keep
        theirs and integers become float64.

    Examples
    --------
    >>> w = Parameter([1.0, 2.0])
    >>> (w * w).sum().backward()
    >>> w.requires_grad, w.grad
    (True, array([2., 4.]))
    """

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
