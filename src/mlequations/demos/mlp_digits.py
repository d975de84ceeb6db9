r"""A multilayer perceptron learns scikit-learn's 8×8 handwritten digits to about 98 %.

The network :math:`64 \to 128 \to 10` computes

.. math::

    z = W_2\,\mathrm{ReLU}(W_1 x + b_1) + b_2, \qquad
    \ell(z, y) = -\log \operatorname{softmax}(z)_y
    = \log \sum_k e^{z_k} - z_y,

and :func:`mlequations.training.fit` minimises the mean cross-entropy over
minibatches of 32 with Adam (:math:`\gamma = 10^{-3}`) for 30 epochs, all on
the autodiff engine in float32. The 1797 digits ship with scikit-learn (no
download); a stratified quarter is held out as the test set and every pixel is
standardised with the training statistics. The figure shows the loss and the
accuracy per epoch on both sets and the test digits the network gets wrong.
The run takes about a second on one CPU core.

Examples
--------
>>> result = train_digits_mlp(epochs=3)
>>> bool(result.test_accuracy > 0.9)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations import nn, optim
from mlequations.autodiff import Tensor, no_grad
from mlequations.demos import DemoResult
from mlequations.demos._digits import DigitsSplit, load_digits_split
from mlequations.training import History, evaluate, fit

__all__ = ["ARCHITECTURE", "EPOCHS", "DigitsRun", "run", "train_digits_mlp"]

ARCHITECTURE = (64, 128, 10)
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 1e-3


@dataclass(frozen=True)
class DigitsRun:
    """The trained model, its training history, the data and its test predictions."""

    model: nn.MLP
    history: History
    data: DigitsSplit
    test_accuracy: float
    predictions: np.ndarray


def train_digits_mlp(epochs: int = EPOCHS, random_state: int = 0) -> DigitsRun:
    """Train the MLP on the digits with Adam; ``random_state`` seeds the weights and shuffles."""
    data = load_digits_split(random_state=random_state)
    nn.manual_seed(random_state)
    model = nn.MLP(list(ARCHITECTURE), activation="relu")
    history = fit(
        model,
        nn.functional.cross_entropy,
        optim.Adam(model.parameters(), lr=LEARNING_RATE),
        data.X_train,
        data.y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_data=(data.X_test, data.y_test),
        random_state=random_state,
        verbose=0,
    )
    scores = evaluate(model, nn.functional.cross_entropy, data.X_test, data.y_test)
    model.eval()
    with no_grad():
        predictions = np.argmax(model(Tensor(data.X_test)).data, axis=1)
    return DigitsRun(model, history, data, scores["accuracy"], predictions)


def _plot_curves(figure: Figure, history: History) -> None:
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = np.arange(1, history.epochs + 1)
    loss_axes.semilogy(epochs, history.train_loss, label="training (during the epoch)")
    loss_axes.semilogy(epochs, history.val_loss, label="test (after the epoch)")
    loss_axes.set(title="Cross-entropy loss", xlabel="epoch", ylabel="mean loss (log scale)")
    accuracy_axes.plot(epochs, history.train_accuracy, label="training")
    accuracy_axes.plot(epochs, history.val_accuracy, label="test")
    accuracy_axes.axhline(0.97, color="0.6", linestyle=":", label="97 %")
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylabel="fraction correct", ylim=(0.8, 1.0))
    for axes in (loss_axes, accuracy_axes):
        axes.legend(fontsize=8)


def _plot_mistakes(figure: Figure, result: DigitsRun, shown: int = 12) -> None:
    wrong = np.flatnonzero(result.predictions != result.data.y_test)
    figure.suptitle(
        f"Misclassified test digits: {len(wrong)} of {len(result.predictions)}"
        f"{f', the first {shown} shown' if len(wrong) > shown else ''} (true → predicted)"
    )
    for k, axes in enumerate(figure.subplots(1, shown)):
        axes.set_axis_off()
        if k < len(wrong):
            index = wrong[k]
            axes.imshow(result.data.images_test[index], cmap="gray_r")
            truth, guess = result.data.y_test[index], result.predictions[index]
            axes.set_title(f"{truth} → {guess}", fontsize=9, color="tab:red")


def run(out_dir: Path, epochs: int = EPOCHS, random_state: int = 0) -> DemoResult:
    """Train the MLP, plot loss and accuracy per epoch and the mistakes."""
    result = train_digits_mlp(epochs=epochs, random_state=random_state)
    history = result.history
    figure = Figure(figsize=(11, 6.2), layout="constrained")
    curves, mistakes = figure.subfigures(2, 1, height_ratios=(3.2, 1))
    _plot_curves(curves, history)
    curves.suptitle(f"MLP {' → '.join(map(str, ARCHITECTURE))} (ReLU) on the 8×8 digits, Adam")
    _plot_mistakes(mistakes, result)
    path = out_dir / "mlp-digits.png"
    figure.savefig(path, dpi=120)
    values = {
        "test_accuracy": float(result.test_accuracy),
        "train_accuracy": float(history.train_accuracy[-1]),
        "final_train_loss": float(history.train_loss[-1]),
        "final_test_loss": float(history.val_loss[-1]),
        "epochs": float(history.epochs),
    }
    summary = (
        f"test accuracy {values['test_accuracy']:.4f} "
        f"({int(np.sum(result.predictions != result.data.y_test))} of "
        f"{len(result.data.y_test)} wrong) after {history.epochs} epochs; training loss "
        f"{values['final_train_loss']:.4f}, test loss {values['final_test_loss']:.4f}"
    )
    return DemoResult((path,), summary, values)
