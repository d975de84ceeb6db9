r"""The guide's 2-3-1 network trained twice: by finite differences and by backpropagation.

The network has two inputs, three sigmoid hidden units and one linear output,

.. math::

    h = \sigma(W_1 x + b_1), \qquad \hat y = W_2 h + b_2, \qquad
    L = (\hat y - t)^2,

with the guide's initial weights, the single input :math:`x = [1, 1]`, the
target :math:`t = 0` and plain gradient descent
:math:`\theta \leftarrow \theta - \gamma \nabla L(\theta)` for 1000 epochs at
:math:`\gamma = 0.01`. The guide estimates each of the 13 partial derivatives
by nudging one weight and re-running the network; backpropagation
(:mod:`mlequations.autodiff`) gets all 13 from one backward pass. Both are
run here in float64 and their loss curves agree to about :math:`10^{-13}`.

Our finite differences are **central** differences in float64
(:func:`mlequations.calculus.numerical_gradient`, error :math:`O(h^2)`). The
guide's own recipe is a **forward** difference with :math:`h = 10^{-4}` on
weights stored in float32 (its inputs are integers, so NumPy evaluates the
loss itself in float64); :func:`train_guide_recipe` repeats it exactly. Its
curve drifts from the exact one by up to about :math:`10^{-5}` — the
:math:`O(h)` truncation error plus float32 rounding of the nudged weights —
and stalls near a loss of :math:`10^{-9}`, where the biased forward-difference
gradient, not the true one, vanishes. (Distances below :math:`10^{-18}` are
drawn at :math:`10^{-18}`.)

Examples
--------
>>> engine = train_with_engine(epochs=3)
>>> numerical = train_by_finite_differences(epochs=3)
>>> bool(np.max(np.abs(engine.losses - numerical.losses)) < 1e-9)
True
>>> round(float(engine.losses[0]), 6)  # the loss at the guide's initial weights
0.33455
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.autodiff import Tensor, linear
from mlequations.calculus import numerical_gradient
from mlequations.demos import DemoResult

__all__ = [
    "EPOCHS",
    "INPUTS",
    "LEARNING_RATE",
    "TARGET",
    "TrainingRun",
    "engine_gradients",
    "initial_parameters",
    "network_loss",
    "run",
    "train_by_finite_differences",
    "train_guide_recipe",
    "train_with_engine",
]

INPUTS = np.array([[1.0, 1.0]])
TARGET = np.array([[0.0]])
EPOCHS = 1000
LEARNING_RATE = 0.01
#: The guide's nudge for its forward differences.
GUIDE_STEP = 1e-4


@dataclass(frozen=True)
class TrainingRun:
    """The loss before each update and the parameters after the last one."""

    losses: np.ndarray
    parameters: tuple[np.ndarray, ...]


def initial_parameters(dtype: type = np.float64) -> tuple[np.ndarray, ...]:
    """The guide's initial (W1, b1, W2, b2); weights in PyTorch's (out, in) layout."""
    hidden_weight = [[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]]
    hidden_bias = [-0.0140, 0.5607, -0.0628]
    output_weight = [[0.1528, -0.1745, -0.1135]]
    output_bias = [-0.5516]
    return tuple(
        np.array(p, dtype=dtype) for p in (hidden_weight, hidden_bias, output_weight, output_bias)
    )


def network_loss(parameters: tuple[np.ndarray, ...]) -> float:
    r"""The squared error :math:`(\hat y - t)^2` of the network on the guide's input (NumPy)."""
    hidden_weight, hidden_bias, output_weight, output_bias = parameters
    hidden = 1.0 / (1.0 + np.exp(-(INPUTS @ hidden_weight.T + hidden_bias)))
    output = hidden @ output_weight.T + output_bias
    return float(np.mean((output - TARGET) ** 2))


def _flatten(parameters: tuple[np.ndarray, ...]) -> np.ndarray:
    return np.concatenate([p.ravel() for p in parameters])


def _unflatten(vector: np.ndarray, like: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    ends = np.cumsum([p.size for p in like])
    pieces = np.split(vector, ends[:-1])
    return tuple(piece.reshape(p.shape) for piece, p in zip(pieces, like, strict=True))


def train_by_finite_differences(
    epochs: int = EPOCHS, learning_rate: float = LEARNING_RATE
) -> TrainingRun:
    """Gradient descent with central-difference gradients of all 13 parameters, in float64."""
    shapes = initial_parameters()
    theta = _flatten(shapes)
    losses = np.empty(epochs)

    def loss_of(vector: np.ndarray) -> float:
        return network_loss(_unflatten(vector, shapes))

    for epoch in range(epochs):
        losses[epoch] = loss_of(theta)
        theta = theta - learning_rate * numerical_gradient(loss_of, theta, method="central")
    return TrainingRun(losses, _unflatten(theta, shapes))


def train_guide_recipe(
    epochs: int = EPOCHS, learning_rate: float = LEARNING_RATE, step: float = GUIDE_STEP
) -> TrainingRun:
    r"""The guide's own recipe: forward differences :math:`(L(\theta + h e_i) - L(\theta))/h`
    with :math:`h = 10^{-4}`, weights stored (and nudged) in float32."""
    parameters = initial_parameters(np.float32)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        base = network_loss(parameters)
        losses[epoch] = base
        updated = [p.copy() for p in parameters]
        for k, parameter in enumerate(parameters):
            for index in np.ndindex(parameter.shape):
                nudged = [p.copy() for p in parameters]
                nudged[k][index] += step  # rounded to float32, as in the guide
                slope = (network_loss(tuple(nudged)) - base) / step
                updated[k][index] -= slope * learning_rate
        parameters = tuple(updated)
    return TrainingRun(losses, parameters)


def _engine_loss(parameters: tuple[Tensor, ...]) -> Tensor:
    hidden_weight, hidden_bias, output_weight, output_bias = parameters
    hidden = linear(Tensor(INPUTS), hidden_weight, hidden_bias).sigmoid()
    output = linear(hidden, output_weight, output_bias)
    return ((output - Tensor(TARGET)) ** 2).mean()


def engine_gradients(parameters: tuple[np.ndarray, ...]) -> tuple[float, tuple[np.ndarray, ...]]:
    """The loss and its gradient with respect to (W1, b1, W2, b2), by one backward pass."""
    tensors = tuple(Tensor(p, requires_grad=True) for p in parameters)
    loss = _engine_loss(tensors)
    loss.backward()
    return loss.item(), tuple(t.grad for t in tensors)


def train_with_engine(epochs: int = EPOCHS, learning_rate: float = LEARNING_RATE) -> TrainingRun:
    """Gradient descent with gradients by backpropagation (:mod:`mlequations.autodiff`), float64."""
    parameters = initial_parameters()
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch], gradients = engine_gradients(parameters)
        parameters = tuple(
            p - learning_rate * g for p, g in zip(parameters, gradients, strict=True)
        )
    return TrainingRun(losses, parameters)


def _plot(runs: dict[str, TrainingRun], path: Path) -> None:
    figure = Figure(figsize=(11, 4.3), layout="constrained")
    loss_axes, difference_axes = figure.subplots(1, 2)
    exact = runs["backpropagation (engine)"].losses
    styles = (("-", "tab:blue"), ("--", "tab:orange"), (":", "tab:green"))
    for (label, result), (style, color) in zip(runs.items(), styles, strict=True):
        loss_axes.semilogy(result.losses, style, color=color, label=label, linewidth=1.8)
        if result.losses is not exact:
            distance = np.abs(result.losses - exact)
            difference_axes.semilogy(np.maximum(distance, 1e-18), style, color=color, label=label)
    loss_axes.set(
        title="2-3-1 network, x = [1, 1], t = 0", xlabel="epoch", ylabel="loss (ŷ − t)² (log scale)"
    )
    loss_axes.legend(fontsize=8)
    difference_axes.set(
        title="Distance from the backpropagation curve",
        xlabel="epoch",
        ylabel="|loss − backprop loss| (log scale)",
    )
    difference_axes.legend(fontsize=8)
    figure.savefig(path, dpi=120)


def run(out_dir: Path) -> DemoResult:
    """Train the network three ways, plot the loss curves and their differences."""
    runs = {
        "backpropagation (engine)": train_with_engine(),
        "central differences, float64": train_by_finite_differences(),
        "guide: forward differences, h = 1e-4, float32": train_guide_recipe(),
    }
    engine, central, guide = (result.losses for result in runs.values())
    values = {
        "initial_loss": float(engine[0]),
        "final_loss_engine": float(engine[-1]),
        "final_loss_finite_differences": float(central[-1]),
        "final_loss_guide_recipe": float(guide[-1]),
        "max_loss_difference": float(np.max(np.abs(engine - central))),
        "max_loss_difference_guide_recipe": float(np.max(np.abs(engine - guide))),
    }
    path = out_dir / "backprop-numerical.png"
    _plot(runs, path)
    summary = (
        f"loss {values['initial_loss']:.6f} -> {values['final_loss_engine']:.3g} after "
        f"{EPOCHS} epochs; backprop vs central differences differ by at most "
        f"{values['max_loss_difference']:.2e} (guide's float32 forward differences: "
        f"{values['max_loss_difference_guide_recipe']:.2e})"
    )
    return DemoResult((path,), summary, values)
