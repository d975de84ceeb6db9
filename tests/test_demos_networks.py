"""The network demos of issue 3 reproduce the guides' examples and measure what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations import nn as mlequations_nn
from mlequations.demos import backprop_numerical as backprop
from mlequations.demos import computational_graph as graph_demo
from mlequations.demos import mlp_digits, run_demo
from mlequations.demos import vanishing_gradients as vanishing
from mlequations.demos._digits import load_digits_split

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GUIDE_GRADIENT = np.array([2.0, -4.0, -2.0])


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > 10_000, path


# --------------------------------------------------------------------------- backprop-numerical


@pytest.fixture(scope="module")
def backprop_result(tmp_path_factory):
    return run_demo("backprop-numerical", tmp_path_factory.mktemp("backprop"))


def torch_training(torch, epochs: int, learning_rate: float) -> tuple[np.ndarray, list]:
    """The guide's network trained by PyTorch autograd and torch.optim.SGD in float64."""
    parameters = [torch.tensor(p, requires_grad=True) for p in backprop.initial_parameters()]
    optimizer = torch.optim.SGD(parameters, lr=learning_rate)
    inputs, target = torch.tensor(backprop.INPUTS), torch.tensor(backprop.TARGET)
    losses, first_gradients = [], None
    for _ in range(epochs):
        optimizer.zero_grad()
        hidden = torch.sigmoid(torch.nn.functional.linear(inputs, *parameters[:2]))
        output = torch.nn.functional.linear(hidden, *parameters[2:])
        loss = torch.nn.functional.mse_loss(output, target)
        loss.backward()
        if first_gradients is None:
            first_gradients = [p.grad.numpy().copy() for p in parameters]
        losses.append(loss.item())
        optimizer.step()
    return np.array(losses), first_gradients


def test_backprop_and_finite_difference_curves_agree(backprop_result):
    values = backprop_result.values
    assert values["max_loss_difference"] < 1e-6  # the brief's bound; in fact ~1e-13
    assert values["max_loss_difference"] < 1e-10
    # The guide's forward differences in float32 drift visibly more, yet stay close.
    assert 1e3 * values["max_loss_difference"] < values["max_loss_difference_guide_recipe"] < 1e-3
    assert_png(backprop_result.files[0])


def test_engine_training_matches_pytorch(torch, backprop_result):
    engine = backprop.train_with_engine()
    reference, _ = torch_training(torch, backprop.EPOCHS, backprop.LEARNING_RATE)
    np.testing.assert_allclose(engine.losses, reference, rtol=1e-9, atol=1e-15)
    assert backprop_result.values["initial_loss"] == pytest.approx(reference[0], rel=1e-12)
    assert backprop_result.values["final_loss_engine"] == pytest.approx(reference[-1], abs=1e-15)


def test_first_step_gradients_match_pytorch(torch):
    loss, gradients = backprop.engine_gradients(backprop.initial_parameters())
    reference_losses, reference_gradients = torch_training(torch, 1, backprop.LEARNING_RATE)
    assert loss == pytest.approx(reference_losses[0], rel=1e-14)
    for ours, theirs in zip(gradients, reference_gradients, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_finite_difference_training_ends_where_the_engine_does():
    numerical = backprop.train_by_finite_differences(epochs=50)
    engine = backprop.train_with_engine(epochs=50)
    for ours, exact in zip(numerical.parameters, engine.parameters, strict=True):
        np.testing.assert_allclose(ours, exact, rtol=0, atol=1e-9)


def test_guide_recipe_keeps_float32_weights():
    run = backprop.train_guide_recipe(epochs=2)
    assert all(p.dtype == np.float32 for p in run.parameters)
    # Its first loss is the one at the guide's float32 weights, evaluated in float64.
    assert run.losses[0] == pytest.approx(
        backprop.network_loss(backprop.initial_parameters(np.float32)), rel=1e-15
    )


# --------------------------------------------------------------------------- computational-graph


@pytest.fixture(scope="module")
def graph_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graph")
    return folder, run_demo("computational-graph", folder)


@pytest.mark.parametrize("method", ["symbolic", "numerical", "autodiff"])
def test_graph_gradient_three_ways(graph_result, method):
    _, result = graph_result
    found = [result.values[f"{method}_d{name}"] for name in graph_demo.VARIABLES]
    tolerance = 1e-8 if method == "numerical" else 0.0
    np.testing.assert_allclose(found, GUIDE_GRADIENT, rtol=0, atol=tolerance)
    assert result.values["max_disagreement"] < 1e-8


def test_graph_gradient_matches_pytorch(torch):
    theta = torch.tensor(graph_demo.POINT, requires_grad=True)
    (theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2).backward()
    np.testing.assert_array_equal(graph_demo.gradients_three_ways()["autodiff"], theta.grad)


def test_graph_demo_writes_dot_png_and_trace(graph_result):
    folder, result = graph_result
    assert_png(result.files[0])
    dot = (folder / "computational-graph.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph")
    assert dot.count("->") == 9  # 9 edges: 3 squares, 2·θ2², the sum and the difference
    assert dot.count("shape=ellipse") == 3  # θ1, θ2, θ3
    assert "dg/dθ1 = 2" in result.summary
    assert "dg/dθ2 = -4" in result.summary
    assert "dg/dθ3 = -2" in result.summary


def test_layered_layout_puts_parents_left_of_children():
    result, _ = graph_demo.build_graph()
    graph = result.graph()
    where = graph_demo.layered_layout(graph)
    assert set(where) == {node.index for node in graph.nodes}
    for node in graph.nodes:
        for parent in node.parents:
            assert where[parent][0] < where[node.index][0]
    assert len(set(where.values())) == len(where)  # no two nodes on the same spot


# --------------------------------------------------------------------------- mlp-digits


@pytest.fixture(scope="module")
def digits_run():
    return mlp_digits.train_digits_mlp()  # the demo's real setting


def numpy_logits(model, X: np.ndarray) -> np.ndarray:
    """The MLP's forward pass in plain float64 NumPy from its state dict."""
    state = {
        name: np.asarray(value, dtype=np.float64) for name, value in model.state_dict().items()
    }
    hidden = np.maximum(X @ state["0.weight"].T + state["0.bias"], 0.0)
    return hidden @ state["2.weight"].T + state["2.bias"]


def test_mlp_digits_reaches_97_percent(digits_run):
    from sklearn.metrics import accuracy_score, log_loss

    data = digits_run.data
    assert (len(data.y_train), len(data.y_test)) == (1347, 450)
    logits = numpy_logits(digits_run.model, data.X_test.astype(np.float64))
    accuracy = accuracy_score(data.y_test, logits.argmax(axis=1))
    assert accuracy >= 0.97
    assert digits_run.test_accuracy == pytest.approx(accuracy, abs=1e-12)
    np.testing.assert_array_equal(digits_run.predictions, logits.argmax(axis=1))
    shifted = logits - logits.max(axis=1, keepdims=True)
    probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    reference_loss = log_loss(data.y_test, probabilities, labels=np.arange(10))
    assert digits_run.history.val_loss[-1] == pytest.approx(reference_loss, rel=1e-5)


def test_mlp_digits_demo_values(tmp_path):
    result = run_demo("mlp-digits", tmp_path)
    assert result.values["test_accuracy"] >= 0.97
    assert result.values["epochs"] == mlp_digits.EPOCHS
    assert result.values["final_train_loss"] < result.values["final_test_loss"] < 0.2
    assert_png(result.files[0])


def test_digits_are_standardised_with_training_statistics(digits_run):
    data = digits_run.data
    mean, std = data.X_train.mean(axis=0), data.X_train.std(axis=0)
    varying = std > 0  # constant pixels stay 0 (StandardScaler leaves them unscaled)
    np.testing.assert_allclose(mean, 0.0, atol=1e-5)
    np.testing.assert_allclose(std[varying], 1.0, atol=1e-5)
    assert np.bincount(data.y_test).min() >= 43  # stratified: ~45 of each digit


# --------------------------------------------------------------------------- vanishing-gradients


@pytest.fixture(scope="module")
def vanishing_result(tmp_path_factory):
    return run_demo("vanishing-gradients", tmp_path_factory.mktemp("vanishing"))


def test_sigmoid_gradients_vanish_relu_and_tanh_do_not(vanishing_result):
    values = vanishing_result.values
    sigmoid, relu, tanh = (values[f"{a}_first_last_ratio"] for a in ("sigmoid", "relu", "tanh"))
    assert sigmoid < 1e-4
    assert sigmoid < 1e-3 * relu
    assert 0.1 < relu < 10
    assert 0.1 < tanh < 10
    # σ' ≤ 1/4 (and ≈ 1/4 near 0): the gradient shrinks about four-fold per sigmoid layer.
    assert 0.2 < values["sigmoid_factor_per_layer"] < 0.3
    assert_png(vanishing_result.files[0])


def test_deep_sigmoid_networks_do_not_learn(vanishing_result):
    values = vanishing_result.values
    for depth in (6, 8, 10):
        assert values[f"sigmoid_loss_depth_{depth}"] == pytest.approx(np.log(10), abs=0.05)
    assert values["sigmoid_loss_depth_2"] < 1.0
    for activation in ("tanh", "relu"):
        for depth in vanishing.TRAINING_DEPTHS:
            assert values[f"{activation}_loss_depth_{depth}"] < 0.3


@pytest.mark.parametrize("activation", vanishing.ACTIVATIONS)
def test_layer_gradient_norms_match_pytorch(torch, activation):
    data = load_digits_split()
    ours = vanishing.layer_gradient_norms(activation, depth=6, data=data, random_state=3)
    mlequations_nn.manual_seed(3)
    model = vanishing.deep_mlp(activation, depth=6)  # the same weights, drawn again
    torch_activation = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    layers = []
    for module in model:
        if not isinstance(module, mlequations_nn.Linear):
            layers.append(torch_activation[activation]())
            continue
        linear = torch.nn.Linear(module.in_features, module.out_features, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(module.weight.data.astype(np.float64)))
            linear.bias.copy_(torch.from_numpy(module.bias.data.astype(np.float64)))
        layers.append(linear)
    inputs = torch.from_numpy(data.X_train[:512].astype(np.float64))
    labels = torch.from_numpy(data.y_train[:512])
    torch.nn.functional.cross_entropy(torch.nn.Sequential(*layers)(inputs), labels).backward()
    theirs = [layer.weight.grad.norm().item() for layer in layers if hasattr(layer, "weight")]
    assert len(theirs) == 6
    np.testing.assert_allclose(ours, theirs, rtol=2e-4)
