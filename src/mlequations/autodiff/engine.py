r"""The backward pass: the chain rule applied to the whole graph, last node first.

For a result :math:`L` and a node :math:`v` with children :math:`c` (the nodes
computed from it),

.. math::

    \frac{\partial L}{\partial v} = \sum_{c} \frac{\partial L}{\partial c}\,
    \frac{\partial c}{\partial v},

so a node's gradient is complete once every child has sent its share: the
graph is visited in reverse topological order. The order is found by an
iterative depth-first search (no recursion, so graphs a hundred thousand
nodes deep work), a node used by several children gets the sum of their
contributions, and broadcasting is undone in one place, :func:`sum_to_shape`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlequations._array import ShapeError
from mlequations.autodiff.tensor import Tensor

__all__ = ["backpropagate", "sum_to_shape", "topological_order"]


def sum_to_shape(gradient: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo NumPy broadcasting: sum ``gradient`` over the axes that broadcasting added.

    An input of shape ``(1, 4)`` used in an operation whose result has shape
    ``(3, 4)`` influenced all three rows, so its gradient is the sum of theirs.

    Examples
    --------
    >>> sum_to_shape(np.ones((2, 3, 4)), (1, 4)).tolist()
    [[6.0, 6.0, 6.0, 6.0]]
    """
    if gradient.shape == shape:
        return gradient
    leading = gradient.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i
        for i, size in enumerate(shape)
        if size == 1 and gradient.shape[leading + i] != 1
    )
    return np.sum(gradient, axis=axes, keepdims=True).reshape(shape)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every node ``root`` depends on (through tensors that require gradients), parents first."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node._parents if p.requires_grad)
    return order


def _initial_gradient(root: Tensor, gradient: Any) -> np.ndarray:
    if gradient is None:
        if root.data.size != 1:
            raise ShapeError(
                f"backward() without a gradient needs a tensor with one element (a loss), got "
                f"shape {root.shape}; pass gradient= of that shape"
            )
        return np.ones_like(root.data)
    values = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if values.shape != root.shape:
        raise ShapeError(f"gradient must have the tensor's shape {root.shape}, got {values.shape}")
    return values.astype(root.dtype)  # a copy: the caller's array is never aliased


def backpropagate(
    root: Tensor,
    gradient: Any = None,
    *,
    accumulate: bool = True,
    visit: Callable[[Tensor, np.ndarray], None] | None = None,
) -> None:
    """Send ``gradient`` (``∂L/∂root``) back through the graph of ``root``.

    Leaf tensors that require a gradient get it added to their ``.grad``
    (unless ``accumulate`` is False); ``visit(node, ∂L/∂node)`` is called on
    every node reached, in backward order (used to draw the graph).
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require gradients: no input had "
            "requires_grad=True, or it was computed under no_grad()"
        )
    pending: dict[int, np.ndarray] = {id(root): _initial_gradient(root, gradient)}
    # How often each gradient array was handed out: an array given to two consumers
    # (``a + b`` sends the same ``g`` to both) must be copied before a leaf keeps it.
    handed: dict[int, int] = {}
    for node in reversed(topological_order(root)):
        g = pending.pop(id(node), None)
        if g is None:
            continue
        if visit is not None:
            visit(node, g)
        if node._backward is None:
            if accumulate:
                _accumulate(node, g, shared=handed.get(id(g), 0) > 1)
            continue
        for parent, share in zip(node._parents, node._backward(g), strict=True):
            if share is None or not parent.requires_grad:
                continue
            if share.shape != parent.data.shape:
                share = sum_to_shape(share, parent.data.shape)
            key = id(parent)
            previous = pending.get(key)
            pending[key] = share if previous is None else previous + share
            handed[id(share)] = handed.get(id(share), 0) + 1


def _accumulate(leaf: Tensor, g: np.ndarray, shared: bool) -> None:
    """``leaf.grad += g``, the leaf owning its gradient's memory.

    A fresh array made by a backward function becomes ``.grad`` as it is (no
    copy: for a large weight matrix that copy would cost as much as the
    update); a view, a read-only broadcast or an array also sent elsewhere is
    copied first, so no two gradients ever share memory.
    """
    if not isinstance(g, np.ndarray):  # NumPy arithmetic on 0-d arrays gives scalars
        g = np.asarray(g)
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    elif shared or g.base is not None or not g.flags.writeable:
        g = g.copy()
    leaf.grad = g if leaf.grad is None else np.asarray(leaf.grad + g)
