r"""One gradient three ways, and the computational graph that backpropagation walks.

The guide's example is

.. math::

    g(\theta) = \theta_1^2 + 2\theta_2^2 - \theta_3^2, \qquad
    \nabla g(\theta) = [2\theta_1,\ 4\theta_2,\ -2\theta_3]^T
    = [2, -4, -2]^T \text{ at } \theta = [1, -1, 1].

The demo computes that gradient **symbolically** (SymPy differentiates the
formula, :func:`mlequations.symbolic.symbolic_gradient`), **numerically**
(central differences treat :math:`g` as a black box,
:func:`mlequations.calculus.numerical_gradient`) and **automatically**
(:mod:`mlequations.autodiff` records the forward pass as a graph and applies
the chain rule backwards, one local derivative per edge,
:math:`\partial g/\partial u = \sum_v \partial g/\partial v \cdot \partial v/\partial u`).

It returns the chain-rule trace of :meth:`Graph.trace
<mlequations.autodiff.Graph.trace>` in its summary, writes the Graphviz DOT
text to ``computational-graph.dot`` and draws the graph with matplotlib: one
column per depth, circles for the inputs, boxes for the operations, each edge
labelled with its local derivative :math:`\partial v/\partial u`.

Examples
--------
>>> for method, gradient in gradients_three_ways().items():
...     print(f"{method:9} {gradient.round(8)}")
symbolic  [ 2. -4. -2.]
numerical [ 2. -4. -2.]
autodiff  [ 2. -4. -2.]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mlequations.autodiff import Graph, Tensor
from mlequations.calculus import numerical_gradient
from mlequations.demos import DemoResult
from mlequations.symbolic import symbolic_gradient

__all__ = ["EXPRESSION", "POINT", "build_graph", "gradients_three_ways", "layered_layout", "run"]

EXPRESSION = "theta1**2 + 2*theta2**2 - theta3**2"
VARIABLES = ("theta1", "theta2", "theta3")
POINT = np.array([1.0, -1.0, 1.0])


def g(theta: np.ndarray) -> float:
    """The guide's function as plain NumPy, the black box of numerical differentiation."""
    return float(theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2)


def build_graph(point: np.ndarray = POINT) -> tuple[Tensor, tuple[Tensor, ...]]:
    """The result ``g`` and the inputs θ1, θ2, θ3 as named scalar tensors."""
    theta = tuple(
        Tensor(float(value), requires_grad=True, name=f"θ{i + 1}") for i, value in enumerate(point)
    )
    result = theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2
    result.name = "g"
    return result, theta


def gradients_three_ways(point: np.ndarray = POINT) -> dict[str, np.ndarray]:
    """The gradient of :math:`g` at ``point`` symbolically, numerically and by autodiff."""
    result, theta = build_graph(point)
    result.backward()
    return {
        "symbolic": symbolic_gradient(EXPRESSION, list(VARIABLES), at=point).value,
        "numerical": numerical_gradient(g, point),
        "autodiff": np.array([float(t.grad) for t in theta]),
    }


def _depths(graph: Graph) -> list[int]:
    """Inputs at depth 0, an operation one past its deepest parent, a constant just
    before the operation that uses it."""
    depth = [0] * len(graph.nodes)
    for node in graph.nodes:  # parents come first
        if node.parents:
            depth[node.index] = 1 + max(depth[p] for p in node.parents)
    for node in graph.nodes:
        for parent in node.parents:
            if graph.nodes[parent].label == "const":
                depth[parent] = depth[node.index] - 1
    return depth


def layered_layout(graph: Graph) -> dict[int, tuple[float, float]]:
    """Node index -> (x, y): x is the depth; within a column nodes are ordered by
    the mean height of their parents, constants sit beside their siblings."""
    depth = _depths(graph)
    height: dict[int, float] = {}
    for layer in range(max(depth) + 1):
        members = [n for n in graph.nodes if depth[n.index] == layer and n.label != "const"]

        def key(node, layer_nodes=members):
            known = [height[p] for p in node.parents if p in height]
            return np.mean(known) if known else -float(layer_nodes.index(node))

        for rank, node in enumerate(sorted(members, key=key, reverse=True)):
            height[node.index] = float(len(members) - 1) / 2 - rank
    for node in graph.nodes:
        for parent in node.parents:
            if graph.nodes[parent].label == "const":
                siblings = [height[p] for p in node.parents if p in height]
                height[parent] = float(np.mean(siblings)) + 0.6
    return {i: (float(depth[i]), height[i]) for i in height}


def _short(value: np.ndarray | None) -> str:
    return "-" if value is None else np.format_float_positional(float(value), 4, trim="-")


def _draw(axes: Axes, graph: Graph) -> None:
    where = layered_layout(graph)
    artists = {}
    for node in graph.nodes:
        x, y = where[node.index]
        if node.label == "const":
            text, box = _short(node.value), {"boxstyle": "round", "fc": "white", "ec": "0.7"}
        elif not node.op:
            text = f"{node.label}\n= {_short(node.value)}\ngrad {_short(node.gradient)}"
            box = {"boxstyle": "circle,pad=0.5", "fc": "#dbe9f6", "ec": "tab:blue"}
        else:
            text = (
                f"{node.label} = {node.formula([graph.name_of(p) for p in node.parents])}"
                f"\nvalue {_short(node.value)}\n"
                f"grad {_short(node.gradient)}"
            )
            box = {"boxstyle": "square,pad=0.4", "fc": "#fdebd3", "ec": "tab:orange"}
        artists[node.index] = axes.text(x, y, text, ha="center", va="center", bbox=box, size=9)
    for node in graph.nodes:
        for k, parent in enumerate(node.parents):
            axes.annotate(
                "",
                xy=(0, 0.5),
                xycoords=artists[node.index],
                xytext=(1, 0.5),
                textcoords=artists[parent],
                arrowprops={"arrowstyle": "->", "color": "0.35"},
            )
            local = node.local[k] if k < len(node.local) else None
            if local is not None:
                (x0, y0), (x1, y1) = where[parent], where[node.index]
                label = f"∂{node.label}/∂{graph.nodes[parent].label} = {_short(local)}"
                axes.text(
                    (x0 + x1) / 2,
                    (y0 + y1) / 2,
                    label,
                    ha="center",
                    va="center",
                    size=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                )
    xs, ys = zip(*where.values(), strict=True)
    axes.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.8, max(ys) + 0.9))
    axes.set_axis_off()


def run(out_dir: Path) -> DemoResult:
    """Compare the three gradients, write the DOT text and draw the graph."""
    gradients = gradients_three_ways()
    result, _ = build_graph()
    graph = result.graph()
    dot_path = out_dir / "computational-graph.dot"
    dot_path.write_text(graph.to_dot() + "\n", encoding="utf-8")
    figure = Figure(figsize=(12, 5.2), layout="constrained")
    axes = figure.subplots()
    _draw(axes, graph)
    axes.set_title("g(θ) = θ₁² + 2θ₂² − θ₃² at θ = [1, −1, 1]: ∇g = [2, −4, −2]")
    path = out_dir / "computational-graph.png"
    figure.savefig(path, dpi=120)
    values = {
        f"{method}_d{name}": float(gradient[i])
        for method, gradient in gradients.items()
        for i, name in enumerate(VARIABLES)
    }
    stacked = np.stack(list(gradients.values()))
    values["max_disagreement"] = float(np.max(stacked.max(axis=0) - stacked.min(axis=0)))
    summary = (
        ", ".join(f"{method} {gradient.round(8)}" for method, gradient in gradients.items())
        + f"; DOT text in {dot_path}; the chain rule step by step:\n"
        + graph.trace()
    )
    return DemoResult((path, dot_path), summary, values)
