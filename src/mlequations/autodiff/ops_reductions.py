r"""Reductions of tensors: sum, mean and max over some axes (or all of them).

Each output entry is computed from a group of input entries; the backward pass
hands every member of the group the output's gradient, times the derivative of
the reduction with respect to it: 1 for a sum, :math:`1/n` for a mean, and for
a maximum 1 shared equally among the entries that attain it (as
``torch.amax``).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from mlequations._array import EmptyInputError
from mlequations._checks import normalize_axis
from mlequations.autodiff.tensor import Tensor, record

__all__ = ["max", "mean", "sum"]

Axis = int | Sequence[int] | None


def _axes(x: Tensor, axis: Axis) -> tuple[int, ...]:
    """The reduced axes as a sorted tuple of non-negative integers."""
    if axis is None:
        return tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    if x.ndim == 0 and axes in ((0,), (-1,)):
        return ()
    normalized = sorted({normalize_axis(a, x.ndim) for a in axes})
    if len(normalized) != len(axes):
        raise ValueError(f"axis must not repeat an axis, got {axis}")
    return tuple(normalized)


def _expand(g: np.ndarray, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """The output gradient with the reduced axes restored as length-1 axes."""
    return g if keepdims else np.expand_dims(g, axes)


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    r""":math:`\sum_i x_i` over ``axis``; every summand receives the output's gradient."""
    axes = _axes(x, axis)
    out = np.sum(x.data, axis=axes, keepdims=keepdims)
    return record(
        "sum",
        np.asarray(out),
        (x,),
        lambda g: (np.broadcast_to(_expand(g, x, axes, keepdims), x.shape),),
    )


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    r""":math:`\frac{1}{n}\sum_i x_i` over ``axis``; each entry gets :math:`1/n` of the gradient."""
    axes = _axes(x, axis)
    count = int(np.prod([x.shape[a] for a in axes]))
    if count == 0:
        raise EmptyInputError(f"mean over an empty axis of a tensor of shape {x.shape}")
    out = np.asarray(np.mean(x.data, axis=axes, keepdims=keepdims))
    scale = 1.0 / count
    return record(
        "mean",
        out,
        (x,),
        lambda g: (np.broadcast_to(_expand(g, x, axes, keepdims) * scale, x.shape),),
    )


def max(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The largest entry over ``axis``; ties share the gradient equally (as ``torch.amax``)."""
    axes = _axes(x, axis)
    if x.size == 0 or builtins.any(x.shape[a] == 0 for a in axes):
        raise EmptyInputError(f"max over an empty axis of a tensor of shape {x.shape}")
    kept = np.max(x.data, axis=axes, keepdims=True)
    out = kept if keepdims else np.squeeze(kept, axis=axes)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        winners = x.data == kept
        ties = np.sum(winners, axis=axes, keepdims=True, dtype=g.dtype)
        share = _expand(g, x, axes, keepdims) / ties
        return (np.where(winners, share, np.zeros((), dtype=share.dtype)),)

    return record("max", np.asarray(out), (x,), backward)
