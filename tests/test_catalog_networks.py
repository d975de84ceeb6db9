"""The autodiff and networks chapters: their argument forms, and the guides' claims they make."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from mlequations import nn
from mlequations.autodiff import Tensor, grad
from mlequations.catalog import CatalogError, load_catalog
from mlequations.catalog.verify import check_entry, decode_value, select_from
from mlequations.nn import functional, init

CATALOG = load_catalog()

# The guide's 2-3-1 network (seed 002): W1 as (out, in), input [1, 1], target 0.
W1 = np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]])
B1 = np.array([-0.0140, 0.5607, -0.0628])
W2 = np.array([[0.1528, -0.1745, -0.1135]])
B2 = np.array([-0.5516])


def test_the_new_chapters_hold_the_promised_ids():
    assert [e.id for e in CATALOG.in_chapter("autodiff")] == [
        "chain-rule",
        "computational-graph",
        "backpropagation",
        "automatic-differentiation",
    ]
    assert {e.id for e in CATALOG.in_chapter("networks")} == {
        "mlp",
        "sgd-momentum",
        "adam",
        "xavier-initialization",
        "kaiming-initialization",
        "dropout",
        "layer-normalization",
        "cross-entropy-with-logits",
    }
    for entry in CATALOG.in_chapter("autodiff") + CATALOG.in_chapter("networks"):
        assert check_entry(entry).ok, entry.id


# --------------------------------------------------------------------------- argument forms


def test_tensor_expression_records_a_graph():
    expression = "exp(a) * log(b) + sqrt(b) - Abs(a)"
    f = decode_value({"expression": expression, "variables": ["a", "b"], "form": "tensor"})
    value = f(Tensor([0.5, 4.0], requires_grad=True))
    assert isinstance(value, Tensor)
    assert value.item() == pytest.approx(math.exp(0.5) * math.log(4.0) + 2.0 - 0.5, rel=1e-14)
    gradient = grad(f)([0.5, 4.0])
    expected = [math.exp(0.5) * math.log(4.0) - 1.0, math.exp(0.5) / 4.0 + 0.25]
    np.testing.assert_allclose(gradient, expected, rtol=1e-14)
    root = decode_value(
        {"expression": "tanh(a) * b", "variables": ["a", "b"], "form": "tensor", "at": [0.0, 3.0]}
    )
    assert root.requires_grad
    np.testing.assert_allclose(root.graph().gradients()["theta"], [3.0, 0.0], atol=1e-15)
    with pytest.raises(CatalogError, match="expected a vector of 2 values, got 3"):
        f(Tensor([1.0, 2.0, 3.0]))


def test_array_kinds_and_calls(torch):
    as_torch = decode_value({"array": [1, 2], "dtype": "int64", "kind": "torch"})
    assert isinstance(as_torch, torch.Tensor)
    assert as_torch.dtype == torch.int64
    leaf = decode_value({"array": [1.0], "kind": "autodiff", "requires_grad": True})
    assert isinstance(leaf, Tensor)
    assert leaf.requires_grad
    with pytest.raises(CatalogError, match="array kind must be"):
        decode_value({"array": [1.0], "kind": "jax"})
    root_of_four = {"callable": "math:sqrt", "args": [4.0]}
    called = decode_value({"callable": "numpy:full", "args": [[2], root_of_four]})
    np.testing.assert_array_equal(called, [2.0, 2.0])
    assert decode_value({"callable": "math:sqrt"}) is math.sqrt


def test_select_calls_methods_but_reads_fields():
    assert select_from(np.array([1.0, 3.0]), ("std",)) == 1.0
    assert select_from(Tensor([1.0, 3.0]), ("mean", "item")) == 2.0
    assert select_from({"theta": (5, 6)}, ("theta", 1)) == 6


ENTRY_WITH_CALL = """
chapter = "demo"
title = { en = "Demo", zh = "演示" }

[[equation]]
id = "gradient-of-square"
title = { en = "Gradient of a square", zh = "平方的梯度" }
latex = '\\nabla \\lVert x \\rVert^{2} = 2x'
explanation = { en = "Twice x.", zh = "x 的两倍。" }
practical_use = { en = "Tests.", zh = "测试。" }
function = "mlequations.autodiff:grad"
related = ["gradient-of-square-again"]
demo = "computational-graph"

[equation.example]
description = { en = "At [1, -2]", zh = "在 [1, -2] 处" }
args = [{ expression = "a**2 + b**2", variables = ["a", "b"], form = "tensor" }]
call = [[1.0, -2.0]]
expected = [2.0, -4.0]

[equation.reference]
library = "closed-form"
expression = "2 * a"
kwargs = { a = 1.0 }

[[equation]]
id = "gradient-of-square-again"
title = { en = "Gradient of a square", zh = "平方的梯度" }
latex = '\\nabla \\lVert x \\rVert^{2} = 2x'
explanation = { en = "Twice x.", zh = "x 的两倍。" }
practical_use = { en = "Tests.", zh = "测试。" }
function = "mlequations.autodiff:grad"
related = ["gradient-of-square"]
demo = "computational-graph"

[equation.example]
description = { en = "At [1, -2]", zh = "在 [1, -2] 处" }
args = [{ expression = "a**2 + b**2", variables = ["a", "b"], form = "tensor" }]
call = [[1.0, -2.0]]
expected = [2.0, -4.0]

[equation.reference]
library = "closed-form"
expression = "2 * a"
kwargs = { a = 1.0 }
"""


def test_call_field_calls_the_returned_function(tmp_path):
    (tmp_path / "demo.toml").write_text(textwrap.dedent(ENTRY_WITH_CALL), encoding="utf-8")
    entry = load_catalog(tmp_path)["gradient-of-square"]
    result = check_entry(entry)
    assert result.example_ok
    np.testing.assert_array_equal(result.ours, [2.0, -4.0])
    assert not result.reference_ok  # a scalar reference cannot match a vector
    assert CATALOG["entropy"].example.call is None  # the field is optional
    broken = tmp_path / "broken"
    broken.mkdir()
    text = ENTRY_WITH_CALL.replace("call = [[1.0, -2.0]]", "call = 3")
    (broken / "demo.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(CatalogError, match="call: expected a list"):
        load_catalog(broken)


# --------------------------------------------------------------------------- the guides' claims


def guide_network_loss(torch):
    parameters = [torch.tensor(a, requires_grad=True) for a in (W1, B1, W2, B2)]
    w1, b1, w2, b2 = parameters
    x = torch.ones((1, 2), dtype=torch.float64)
    out = torch.sigmoid(x @ w1.T + b1) @ w2.T + b2
    return torch.nn.functional.mse_loss(out, torch.zeros_like(out)), out, parameters


def test_backpropagation_example_matches_torch_autograd(torch):
    loss, _, parameters = guide_network_loss(torch)
    loss.backward()
    expected = np.concatenate([p.grad.numpy().ravel() for p in parameters])
    entry = CATALOG["backpropagation"]
    np.testing.assert_allclose(check_entry(entry).ours, expected, rtol=1e-12)
    assert loss.item() == pytest.approx(0.3346, abs=1e-4)  # the loss the description states


def test_guide_forward_differences_are_off_by_about_1e_4(torch):
    """The correction's claim: the guide's float32 forward differences miss dL/db2 by ~1e-4."""
    weights = [a.astype(np.float32) for a in (W1.T, B1, W2.T, B2)]

    def guide_loss(w):
        hidden = 1 / (1 + np.exp(-(np.ones((1, 2)) @ w[0] + w[1])))
        return float(np.mean(np.square(hidden @ w[2] + w[3])))

    nudged = [w.copy() for w in weights]
    nudged[3][0] += 0.0001
    forward_difference = (guide_loss(nudged) - guide_loss(weights)) / 0.0001
    loss, _, parameters = guide_network_loss(torch)
    loss.backward()
    exact = parameters[3].grad.item()
    assert exact == pytest.approx(-1.15681, abs=1e-5)
    assert 5e-5 < abs(forward_difference - exact) < 2e-4


def test_mlp_example_is_the_guides_network_in_nn_mlp(torch):
    model = nn.MLP([2, 3, 1], activation="sigmoid", dtype="float64")
    model.load_state_dict({"0.weight": W1, "0.bias": B1, "2.weight": W2, "2.bias": B2})
    ours = model(np.ones((1, 2))).data
    _, reference, _ = guide_network_loss(torch)
    np.testing.assert_allclose(ours, reference.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(check_entry(CATALOG["mlp"]).ours, ours, rtol=1e-14)


def test_initialisation_formulas_match_torch(torch):
    rng = np.random.default_rng(1)
    torch.manual_seed(1)
    shape = (400, 600)
    xavier = (
        init.xavier_uniform_(np.zeros(shape), 5 / 3, rng),
        torch.nn.init.xavier_uniform_(torch.zeros(shape), 5 / 3),
        (5 / 3) * math.sqrt(2 / 1000),
    )
    kaiming = (
        init.kaiming_normal_(np.zeros(shape), nonlinearity="relu", generator=rng),
        torch.nn.init.kaiming_normal_(torch.zeros(shape), nonlinearity="relu"),
        math.sqrt(2 / 600),
    )
    for ours, theirs, formula in (xavier, kaiming):
        assert ours.std() == pytest.approx(formula, rel=0.01)
        assert theirs.std().item() == pytest.approx(formula, rel=0.01)
    # The explanation's pitfall: torch.nn.Linear's default bound is 1/sqrt(fan_in).
    gain = init.calculate_gain("leaky_relu", math.sqrt(5))
    assert gain == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)))
    assert gain * math.sqrt(3 / 600) == pytest.approx(1 / math.sqrt(600), rel=1e-14)


def test_dropout_scales_survivors_and_keeps_the_mean():
    y = functional.dropout(np.ones(100_000), 0.2, generator=np.random.default_rng(3))
    assert set(np.unique(y.data).tolist()) == {0.0, 1.25}
    assert y.data.mean() == pytest.approx(1.0, abs=0.01)


def test_cross_entropy_is_finite_where_log_of_softmax_is_not(torch):
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1.0, 2.0]])
    labels = np.array([2, 2])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        naive_softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        naive = -np.log(naive_softmax[[0, 1], labels]).mean()
    assert not np.isfinite(naive)
    ours = functional.cross_entropy(logits, labels).item()
    reference = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert ours == pytest.approx(reference.item(), rel=1e-14)
    assert ours == pytest.approx(1e4 + (math.log(1 + math.e + math.e**2) - 2) / 2, rel=1e-14)
