r"""``Tensor.graph()``: the chain-rule trace, the node gradients and the Graphviz DOT text.

The guides' example :math:`g(\theta) = \theta_1^2 + 2\theta_2^2 - \theta_3^2` at
:math:`[1, -1, 1]` has gradient :math:`[2, -4, -2]`; the trace must show every
node's forward value and that gradient, the DOT text must be well formed, and
drawing the graph must not touch the leaves' ``.grad``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from mlequations.autodiff import Graph, Tensor

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_NODE = re.compile(r"^\s*(n\d+) \[[^\[\]]*\];$")
_EDGE = re.compile(r"^\s*(n\d+) -> (n\d+)(?: \[[^\[\]]*\])?;$")
_ATTRIBUTE = re.compile(r"^\s*(?:\w+=\w+|(?:node|edge|graph) \[[^\[\]]*\]);$")


def parse_dot(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """The node names and edges of a ``digraph``; fails on anything this grammar does not hold.

    Quoted strings are blanked first (they may hold escaped quotes, never a raw
    newline); then the braces must balance and every line between them must be a
    node, an edge or a graph attribute, and every edge must join declared nodes.
    """
    quoted = _QUOTED.findall(text)
    assert not any("\n" in q for q in quoted), "a raw newline in a quoted string"
    body = _QUOTED.sub('""', text)
    assert '"' not in body.replace('""', ""), "unbalanced quotes"
    depth = 0
    for character in body:
        depth += {"{": 1, "}": -1}.get(character, 0)
        assert depth >= 0, "a closing brace without an opening one"
    assert depth == 0, "unbalanced braces"
    lines = body.strip().splitlines()
    assert re.fullmatch(r"digraph \w+ \{", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        if node := _NODE.match(line):
            assert node.group(1) not in nodes, f"{node.group(1)} declared twice"
            nodes.add(node.group(1))
        elif edge := _EDGE.match(line):
            edges.append((edge.group(1), edge.group(2)))
        else:
            assert _ATTRIBUTE.match(line), f"not a DOT statement: {line!r}"
    for tail, head in edges:
        assert {tail, head} <= nodes, f"edge {tail} -> {head} to an undeclared node"
    return nodes, edges


def test_the_dot_checker_rejects_broken_text():
    good = 'digraph g {\n  n0 [label="a \\"b\\""];\n  n1 [label="c"];\n  n0 -> n1;\n}'
    assert parse_dot(good) == ({"n0", "n1"}, [("n0", "n1")])
    for broken in [
        good.replace("n0 -> n1", "n0 -> n7"),
        good[:-1],
        good.replace('"c"', '"c\nd"'),
        good.replace("n0 -> n1;", "n0 -> n1"),
    ]:
        with pytest.raises(AssertionError):
            parse_dot(broken)


def _guide_example() -> tuple[Tensor, list[Tensor]]:
    thetas = [
        Tensor(value, requires_grad=True, name=f"θ{i}")
        for i, value in enumerate([1.0, -1.0, 1.0], start=1)
    ]
    t1, t2, t3 = thetas
    g = t1**2 + 2 * t2**2 - t3**2
    g.name = "g"
    return g, thetas


def test_graph_gradients_of_the_guide_example():
    g, thetas = _guide_example()
    gradients = g.graph().gradients()
    for name, expected in [("θ1", 2.0), ("θ2", -4.0), ("θ3", -2.0), ("g", 1.0)]:
        assert isinstance(gradients[name], np.ndarray)
        np.testing.assert_array_equal(gradients[name], expected)
    assert all(t.grad is None for t in thetas)  # drawing is not a backward pass


def test_trace_lists_forward_values_and_gradients():
    g, _ = _guide_example()
    trace = g.graph().trace()
    forward, backward = trace.split("backward pass")
    for line in ["θ1 = 1  (input)", "θ2 = -1  (input)", "θ3 = 1  (input)"]:
        assert line in forward
    assert re.search(r"^  g = subtract\(v\d+, v\d+\) = 2$", forward, re.MULTILINE)
    assert re.search(r"= θ2 \*\* 2 = 1$", forward, re.MULTILINE)
    assert re.search(r"= multiply\(2, v\d+\) = 2$", forward, re.MULTILINE)
    assert re.search(r"= add\(v\d+, v\d+\) = 3$", forward, re.MULTILINE)
    for line in ["dg/dg = 1", "dg/dθ1 = 2", "dg/dθ2 = -4", "dg/dθ3 = -2"]:
        assert f"  {line}\n" in backward + "\n"
    assert "-> θ2: local dv" in backward
    assert "= -2, sends -4" in backward
    assert str(g.graph()) == trace


def test_graph_leaves_accumulated_gradients_alone():
    g, thetas = _guide_example()
    g.backward()
    before = [t.grad.copy() for t in thetas]
    g.graph()
    for t, grad in zip(thetas, before, strict=True):
        np.testing.assert_array_equal(t.grad, grad)


def test_dot_text_of_the_guide_example_is_valid():
    g, _ = _guide_example()
    graph = g.graph()
    dot = graph.to_dot()
    nodes, edges = parse_dot(dot)
    assert len(nodes) == len(graph.nodes) == 10  # three leaves, the constant 2, six operations
    assert len(edges) == sum(len(n.parents) for n in graph.nodes) == 9
    assert re.search(r'label="θ1\\nvalue 1\\ngrad 2"', dot)
    assert re.search(r'label="g = subtract\(·, ·\)\\nvalue 2\\ngrad 1"', dot)


def test_dot_text_with_matrices_and_quotes_is_valid():
    x = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True, name='x "in"')
    y = (x @ Tensor([[1.0, 2.0], [3.0, 4.0]])).tanh().sum()
    dot = y.graph().to_dot()
    nodes, edges = parse_dot(dot)
    assert len(nodes) == 5
    assert len(edges) == 4
    assert 'x \\"in\\"' in dot


def test_gradients_of_inner_nodes():
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True, name="x")
    y = x.exp()
    y.name = "y"
    z = (y * x).sum()
    gradients = z.graph().gradients()
    np.testing.assert_allclose(gradients["y"], x.data, rtol=1e-15)
    np.testing.assert_allclose(gradients["x"], np.exp(x.data) * (1 + x.data), rtol=1e-15)


def test_graph_of_a_tensor_with_many_entries_has_no_backward_pass():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    graph = (x * 2).graph()
    assert graph.gradients() == {}
    assert "no backward pass" in graph.trace()
    parse_dot(graph.to_dot())


def test_graph_of_a_constant():
    graph = Tensor(3.0).graph()
    assert isinstance(graph, Graph)
    assert len(graph.nodes) == 1
    assert graph.gradients() == {}
    parse_dot(graph.to_dot())


def test_graph_of_a_deep_chain():
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    graph = y.graph()
    assert len(graph.nodes) == 2 * 10_000 + 1  # each step adds a constant and a product
    np.testing.assert_allclose(graph.gradients()["x"], 1.0001**10_000, rtol=1e-10)
