r"""Seeing the computational graph: Graphviz DOT text and a step-by-step chain-rule trace.

:meth:`Tensor.graph() <mlequations.autodiff.Tensor.graph>` returns a
:class:`Graph` of every node the result was computed from. Its gradients are
those of one backward pass from the result (leaf ``.grad`` is not touched), so
the trace shows the chain rule of the guides at work: each node's gradient
:math:`\partial L/\partial v`, and along each edge the local derivative
:math:`\partial v/\partial u` and the product it sends back,

.. math::

    \frac{\partial L}{\partial u} \mathrel{+}= \frac{\partial L}{\partial v}
    \frac{\partial v}{\partial u}.

For a non-element-wise operation (a sum, a product of matrices) the "local
derivative" shown is the vector-Jacobian product with a gradient of ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlequations.autodiff.engine import backpropagate, sum_to_shape
from mlequations.autodiff.tensor import Tensor

__all__ = ["Graph", "GraphNode"]


def _format(values: np.ndarray | None) -> str:
    if values is None:
        return "-"
    if values.size > 6:
        return f"<{values.dtype} array of shape {values.shape}>"
    if values.ndim == 0:
        return np.format_float_positional(values.item(), precision=6, trim="-")
    return np.array2string(values, precision=6, separator=", ", suppress_small=True)


def _formula(op: str, arguments: list[str]) -> str:
    """``op(a, b)``, or the op's own template when it has one (``"{} ** 2"`` gives ``a ** 2``)."""
    if "{}" in op:
        return op.replace("{}", arguments[0])
    return f"{op}({', '.join(arguments)})"


@dataclass
class GraphNode:
    """One tensor of the graph: its label, forward value and (if reached) its gradient."""

    index: int
    label: str
    op: str
    value: np.ndarray
    parents: list[int]
    gradient: np.ndarray | None = None
    local: list[np.ndarray | None] = field(default_factory=list)
    sent: list[np.ndarray | None] = field(default_factory=list)

    def formula(self, arguments: list[str] | None = None) -> str:
        """The operation applied to ``arguments`` (``"·"`` for each by default): ``v2 ** 2``."""
        return _formula(self.op, arguments or ["·"] * len(self.parents))


def _all_nodes(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was computed from (constants included), parents first."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node._parents))
    return order


def _shares(node: Tensor, upstream: np.ndarray) -> list[np.ndarray | None]:
    """What ``node``'s backward sends to each parent, summed to the parent's shape."""
    shares = []
    for parent, share in zip(node._parents, node._backward(upstream), strict=True):
        keep = share is not None and parent.requires_grad
        shares.append(sum_to_shape(np.asarray(share), parent.shape) if keep else None)
    return shares


@dataclass
class Graph:
    """The computational graph of a tensor: read it (:meth:`trace`) or draw it (:meth:`to_dot`)."""

    nodes: list[GraphNode]

    @classmethod
    def of(cls, root: Tensor) -> Graph:
        tensors = _all_nodes(root)
        index = {id(t): i for i, t in enumerate(tensors)}
        nodes = [
            GraphNode(
                index=i,
                label=t.name
                or (f"v{i + 1}" if t._backward is not None or t.requires_grad else "const"),
                op=t._op,
                value=t.data,
                parents=[index[id(p)] for p in t._parents],
            )
            for i, t in enumerate(tensors)
        ]
        if root.requires_grad and root.size == 1:

            def visit(tensor: Tensor, gradient: np.ndarray) -> None:
                node = nodes[index[id(tensor)]]
                node.gradient = np.asarray(gradient)  # a 0-d gradient may be a NumPy scalar
                if tensor._backward is not None:
                    node.local = _shares(tensor, np.ones_like(tensor.data))
                    node.sent = _shares(tensor, gradient)

            backpropagate(root, None, accumulate=False, visit=visit)
        return cls(nodes)

    def name_of(self, i: int) -> str:
        """How node ``i`` is referred to: its label, or its value for a constant."""
        node = self.nodes[i]
        return node.label if node.label != "const" else _format(node.value)

    def trace(self) -> str:
        """The forward pass, then the backward pass edge by edge, as plain text."""
        lines = ["forward pass (value of each node)"]
        for node in self.nodes:
            if node.op:
                formula = _formula(node.op, [self.name_of(p) for p in node.parents])
                lines.append(f"  {node.label} = {formula} = {_format(node.value)}")
            elif node.label != "const":
                lines.append(f"  {node.label} = {_format(node.value)}  (input)")
        root = self.nodes[-1]
        if root.gradient is None:
            lines.append(
                "no backward pass: the result needs no gradient or has more than one entry"
            )
            return "\n".join(lines)
        lines.append(f"backward pass (gradient of {root.label} flowing back, starting from 1)")
        for node in reversed(self.nodes):
            if node.gradient is None:
                continue
            lines.append(f"  d{root.label}/d{node.label} = {_format(node.gradient)}")
            for parent, local, sent in zip(node.parents, node.local, node.sent, strict=True):
                if sent is None:
                    continue
                lines.append(
                    f"    -> {self.name_of(parent)}: local d{node.label}/d{self.name_of(parent)} = "
                    f"{_format(local)}, sends {_format(sent)}"
                )
        return "\n".join(lines)

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient of the result with respect to each named or numbered node."""
        return {n.label: n.gradient for n in self.nodes if n.gradient is not None}

    def to_dot(self) -> str:
        """Graphviz DOT text: inputs as ellipses, operations as boxes, edges labelled
        with the local derivative when it is small enough to print."""
        lines = ["digraph computational_graph {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
        for node in self.nodes:
            shape = "box" if node.op else ("ellipse" if node.label != "const" else "plaintext")
            text = f"{node.label} = {node.formula()}" if node.op else self.name_of(node.index)
            if node.label != "const":  # a constant's label is already its value
                text += f"\\nvalue {_format(node.value)}"
            if node.gradient is not None:
                text += f"\\ngrad {_format(node.gradient)}"
            text = text.replace('"', '\\"').replace("\n", "\\n")  # rows of a matrix value
            lines.append(f'  n{node.index} [shape={shape}, label="{text}"];')
        for node in self.nodes:
            for k, parent in enumerate(node.parents):
                local = node.local[k] if k < len(node.local) else None
                label = (
                    f' [label="{_format(local)}"]' if local is not None and local.size == 1 else ""
                )
                lines.append(f"  n{parent} -> n{node.index}{label};")
        lines.append("}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.trace()
