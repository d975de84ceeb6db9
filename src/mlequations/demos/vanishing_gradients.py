r"""Vanishing gradients: a deep sigmoid network's first layers barely receive a gradient.

Backpropagation through a layer :math:`h_l = f(a_l)`, :math:`a_l = W_l h_{l-1} + b_l`
multiplies the gradient by the activation's derivative and by the weights,

.. math::

    \frac{\partial L}{\partial h_{l-1}} = W_l^T \left( f'(a_l) \odot
    \frac{\partial L}{\partial h_l} \right), \qquad
    \frac{\partial L}{\partial W_l} = \left( f'(a_l) \odot
    \frac{\partial L}{\partial h_l} \right) h_{l-1}^T .

The sigmoid's derivative :math:`\sigma'(a) = \sigma(a)(1 - \sigma(a))` is at
most :math:`1/4` (at :math:`a = 0`; one guide says it rises to 1, which is
the bound of :math:`\tanh' = 1 - \tanh^2`, not of :math:`\sigma'`). With
weights that keep the scale (Glorot/Xavier normal with the recommended gain
:math:`g` of :func:`mlequations.nn.init.calculate_gain`: 1 for the sigmoid,
5/3 for tanh, :math:`\sqrt 2` for ReLU; zero biases) each sigmoid layer
therefore shrinks the gradient about four-fold, and after 9 of them the first
layer gets about :math:`4^{-9} \approx 4 \cdot 10^{-6}` of what the last one
gets. Tanh (:math:`\tanh'(0) = 1`) and ReLU (:math:`\mathrm{ReLU}' \in \{0, 1\}`,
half the units active) keep it of the same order.

The demo measures :math:`\lVert \partial L / \partial W_l \rVert_F` for every
layer of a 10-layer, 64-unit-wide MLP at initialisation, on 512 standardised
digits with the cross-entropy loss, and then trains networks of 2 to 10 layers
for 10 epochs of SGD with momentum (:math:`\gamma = 0.01`, :math:`\mu = 0.9`):
from 4 layers on, the sigmoid networks stay near the loss of guessing,
:math:`\log 10 \approx 2.30`, while tanh and ReLU networks learn.

Examples
--------
>>> norms = layer_gradient_norms("sigmoid", depth=4)
>>> bool(norms[0] < norms[1] < norms[2] < norms[3])
True
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations import nn, optim
from mlequations.autodiff import Tensor
from mlequations.demos import DemoResult
from mlequations.demos._digits import DigitsSplit, load_digits_split
from mlequations.training import fit

__all__ = [
    "ACTIVATIONS",
    "DEPTH",
    "TRAINING_DEPTHS",
    "deep_mlp",
    "layer_gradient_norms",
    "run",
    "training_loss_against_depth",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu")
DEPTH = 10
WIDTH = 64
GRADIENT_SAMPLES = 512
TRAINING_DEPTHS = (2, 4, 6, 8, 10)
TRAINING_EPOCHS = 10
COLORS = {"sigmoid": "tab:red", "tanh": "tab:blue", "relu": "tab:green"}


def deep_mlp(activation: str, depth: int = DEPTH, width: int = WIDTH, n_inputs: int = 64) -> nn.MLP:
    """An MLP of ``depth`` Linear layers (``depth − 1`` hidden ones of ``width`` units), Glorot
    normal weights with the activation's gain and zero biases, from nn's default generator."""
    model = nn.MLP([n_inputs] + [width] * (depth - 1) + [10], activation=activation)
    gain = nn.init.calculate_gain(activation)
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_normal_(layer.weight, gain=gain)
            nn.init.zeros_(layer.bias)
    return model


def _linear_layers(model: nn.MLP) -> list[nn.Linear]:
    return [layer for layer in model if isinstance(layer, nn.Linear)]


def layer_gradient_norms(
    activation: str,
    depth: int = DEPTH,
    data: DigitsSplit | None = None,
    random_state: int = 0,
) -> np.ndarray:
    r"""The Frobenius norm of :math:`\partial L/\partial W_l` for every layer, input side first,
    of a fresh :func:`deep_mlp` on the first 512 training digits."""
    data = load_digits_split() if data is None else data
    nn.manual_seed(random_state)
    model = deep_mlp(activation, depth)
    inputs, labels = data.X_train[:GRADIENT_SAMPLES], data.y_train[:GRADIENT_SAMPLES]
    nn.functional.cross_entropy(model(Tensor(inputs)), labels).backward()
    return np.array([np.linalg.norm(layer.weight.grad) for layer in _linear_layers(model)])


def training_loss_against_depth(
    activation: str,
    depths: tuple[int, ...] = TRAINING_DEPTHS,
    data: DigitsSplit | None = None,
    epochs: int = TRAINING_EPOCHS,
    random_state: int = 0,
) -> np.ndarray:
    """The mean training loss of the last epoch of short SGD runs, one per depth."""
    data = load_digits_split() if data is None else data
    losses = []
    for depth in depths:
        nn.manual_seed(random_state)
        model = deep_mlp(activation, depth)
        history = fit(
            model,
            nn.functional.cross_entropy,
            optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
            data.X_train,
            data.y_train,
            epochs=epochs,
            batch_size=64,
            random_state=random_state,
            verbose=0,
        )
        losses.append(history.train_loss[-1])
    return np.array(losses)


def _plot(norms: dict[str, np.ndarray], losses: dict[str, np.ndarray], path: Path) -> None:
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    norm_axes, loss_axes = figure.subplots(1, 2)
    layers = np.arange(1, DEPTH + 1)
    for activation in ACTIVATIONS:
        color = COLORS[activation]
        norm_axes.semilogy(layers, norms[activation], "o-", color=color, label=activation)
        loss_axes.plot(TRAINING_DEPTHS, losses[activation], "o-", color=color, label=activation)
    bound = norms["sigmoid"][-1] * 0.25 ** (DEPTH - layers)
    norm_axes.semilogy(layers, bound, ":", color="0.5", label="last layer × (1/4)^(layers back)")
    norm_axes.set(
        title=f"Gradient norm per layer at initialisation ({DEPTH} layers × {WIDTH})",
        xlabel="layer (1 = next to the input)",
        ylabel="‖∂L/∂W‖ (log scale)",
        xticks=layers,
    )
    loss_axes.axhline(math.log(10), color="0.6", linestyle=":", label="log 10 (guessing)")
    loss_axes.set(
        title=f"Training loss after {TRAINING_EPOCHS} epochs of SGD",
        xlabel="number of layers",
        ylabel="mean cross-entropy, last epoch",
        xticks=TRAINING_DEPTHS,
    )
    for axes in (norm_axes, loss_axes):
        axes.legend(fontsize=8)
    figure.savefig(path, dpi=120)


def run(out_dir: Path) -> DemoResult:
    """Measure the gradient norms per layer and the training loss per depth, and plot them."""
    data = load_digits_split()
    norms = {a: layer_gradient_norms(a, data=data) for a in ACTIVATIONS}
    losses = {a: training_loss_against_depth(a, data=data) for a in ACTIVATIONS}
    path = out_dir / "vanishing-gradients.png"
    _plot(norms, losses, path)
    values: dict[str, float] = {}
    for activation in ACTIVATIONS:
        ratio = float(norms[activation][0] / norms[activation][-1])
        values[f"{activation}_first_last_ratio"] = ratio
        values[f"{activation}_factor_per_layer"] = ratio ** (1 / (DEPTH - 1))
        for depth, loss in zip(TRAINING_DEPTHS, losses[activation], strict=True):
            values[f"{activation}_loss_depth_{depth}"] = float(loss)
    summary = "first/last layer gradient norm: " + ", ".join(
        f"{a} {values[f'{a}_first_last_ratio']:.2e}" for a in ACTIVATIONS
    )
    summary += f"; training loss at depth {TRAINING_DEPTHS[-1]}: " + ", ".join(
        f"{a} {losses[a][-1]:.3f}" for a in ACTIVATIONS
    )
    return DemoResult((path,), summary, values)
