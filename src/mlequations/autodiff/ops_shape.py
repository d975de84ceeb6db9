"""Operations that move values without changing them: reshape, transpose, indexing,
gather, concatenate and stack.

Their backward passes move the gradient back to where each value came from; a
value read twice (repeated indices) receives both gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import normalize_axis
from mlequations.autodiff.tensor import Tensor, lift, record

__all__ = ["concatenate", "gather", "getitem", "reshape", "stack", "transpose"]


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """The same values in a new shape (one axis may be -1)."""
    try:
        out = x.data.reshape(tuple(shape))
    except (ValueError, TypeError) as error:
        raise ShapeError(
            f"cannot reshape a tensor of shape {x.shape} to {tuple(shape)}: {error}"
        ) from None
    return record("reshape", out, (x,), lambda g: (g.reshape(x.shape),))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None)."""
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    axes = tuple(normalize_axis(a, x.ndim) for a in axes) if x.ndim else tuple(axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ShapeError(f"axes must be a permutation of 0..{x.ndim - 1}, got {axes}")
    inverse = tuple(np.argsort(axes))
    return record("transpose", x.data.transpose(axes), (x,), lambda g: (g.transpose(inverse),))


def _plain_index(index: Any) -> Any:
    """The index with tensors replaced by their values; float indices are refused."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        raise ArrayTypeError("index must hold integers or booleans, got a (floating) Tensor")
    if isinstance(index, list | np.ndarray):
        array = np.asarray(index)
        if array.dtype.kind not in "biu" and array.size:
            raise ArrayTypeError(f"index arrays must hold integers or booleans, got {array.dtype}")
        return array
    return index


def _is_basic(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (no repeated positions)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, int | np.integer | slice) or p is None or p is Ellipsis for p in parts)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with NumPy's basic and advanced indexing."""
    index = _plain_index(index)
    try:
        out = x.data[index]
    except IndexError as error:
        raise ShapeError(f"index out of range for a tensor of shape {x.shape}: {error}") from None
    basic = _is_basic(index)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        full = np.zeros(x.shape, dtype=g.dtype)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return record(_index_op(index), np.asarray(out), (x,), backward)


def _index_op(index: Any) -> str:
    """``"{}[0]"`` for a simple index (shown in the graph as ``θ[0]``), else ``"getitem"``."""
    parts = index if isinstance(index, tuple) else (index,)
    if all(isinstance(p, int | np.integer) for p in parts):
        return "{}[" + ", ".join(str(int(p)) for p in parts) + "]"
    return "getitem"


def _along_axis(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """Full fancy indices that pick ``index`` along ``axis`` and every position elsewhere."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def gather(x: Tensor, axis: int, index: Any) -> Tensor:
    """Pick entries along ``axis``: ``out[..., j, ...] = x[..., index[..., j, ...], ...]``.

    As ``torch.gather``: ``index`` is an integer array with ``x``'s number of
    dimensions. Picking ``x[n, t_n]`` (the log-probability of each sample's
    class) is ``gather(x, 1, t[:, None])``.
    """
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        raise ArrayTypeError(f"index must hold integers, got dtype {index.dtype}")
    if index.ndim != x.ndim:
        raise ShapeError(f"index must have {x.ndim} dimensions like the tensor, got {index.ndim}")
    axis = normalize_axis(axis, x.ndim)
    size = x.shape[axis]
    if index.size and (index.min() < -size or index.max() >= size):
        raise ValidationError(
            f"index must lie in [0, {size}) along axis {axis}, got values outside"
        )
    positions = _along_axis(index, axis)
    try:
        out = x.data[positions]
    except IndexError as error:
        raise ShapeError(
            f"index of shape {index.shape} does not fit tensor {x.shape}: {error}"
        ) from None

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        full = np.zeros(x.shape, dtype=g.dtype)
        np.add.at(full, positions, g)
        return (full,)

    return record("gather", out, (x,), backward)


def _tensors(tensors: Sequence[Any], name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor | np.ndarray) or not len(tensors):
        raise ValidationError(f"{name} needs a non-empty sequence of tensors")
    # Arrays and numbers beside a tensor take its dtype if they hold integers (float32 stays).
    like = next((t.dtype for t in tensors if isinstance(t, Tensor)), np.dtype(np.float64))
    return [lift(t, like) for t in tensors]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; each gets back its own slice of the gradient."""
    items = _tensors(tensors, "concatenate")
    try:
        out = np.concatenate([t.data for t in items], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ShapeError(f"cannot concatenate shapes {[t.shape for t in items]}: {error}") from None
    axis = normalize_axis(axis, out.ndim)
    bounds = np.cumsum([t.shape[axis] for t in items])[:-1]
    return record("concatenate", out, tuple(items), lambda g: tuple(np.split(g, bounds, axis=axis)))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis; each gets back its slice of the gradient."""
    items = _tensors(tensors, "stack")
    try:
        out = np.stack([t.data for t in items], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ShapeError(f"cannot stack shapes {[t.shape for t in items]}: {error}") from None
    axis = normalize_axis(axis, out.ndim)
    return record(
        "stack",
        out,
        tuple(items),
        lambda g: tuple(np.take(g, i, axis=axis) for i in range(len(items))),
    )
