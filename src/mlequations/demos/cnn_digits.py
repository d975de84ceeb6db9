r"""A small convolutional network learns scikit-learn's 8×8 handwritten digits to about 98 %.

Each convolution slides learned 3×3 kernels over the image and sums over the
input channels (a cross-correlation, as every CNN library computes it),

.. math::

    y[o, p, q] = b_o + \sum_{c, i, j} w[o, c, i, j]\, x[c, p + i - 1, q + j - 1],

so the same few weights look for the same stroke everywhere in the image. The
network is

    Conv2d(1→16, 3×3, padding 1) → ReLU → MaxPool2d(2) →
    Conv2d(16→32, 3×3, padding 1) → ReLU → MaxPool2d(2) → Flatten → Linear(128→10),

6090 weights, trained by :func:`mlequations.training.fit` with Adam on the
mean cross-entropy, in float32 on the autodiff engine. The 1797 digits ship
with scikit-learn (no download); a stratified quarter is held out as the test
set, and the grey levels are standardised with the mean and standard deviation
of all training pixels (one pair of numbers, so the image keeps its shape
information, unlike per-pixel scaling). The figure shows the loss
and accuracy per epoch, the sixteen kernels of the first layer and the test
digits the network gets wrong. The full run takes a few seconds.

Examples
--------
>>> result = train_digits_cnn(epochs=2)
>>> bool(result.test_accuracy > 0.8)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations import nn
from mlequations.demos import DemoResult
from mlequations.demos._digits import plot_mistakes, plot_training_curves, train_classifier
from mlequations.training import History

__all__ = [
    "EPOCHS",
    "CNNRun",
    "DigitImages",
    "build_cnn",
    "load_digit_images",
    "run",
    "train_digits_cnn",
]

EPOCHS = 12
BATCH_SIZE = 32
LEARNING_RATE = 3e-3


@dataclass(frozen=True)
class DigitImages:
    """Standardised train and test images of shape (n, 1, 8, 8), float32, and their labels.

    ``images_test`` keeps the raw test images (grey levels 0-16), for drawing.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    images_test: np.ndarray


@dataclass(frozen=True)
class CNNRun:
    """The trained network, its history, the data and its test predictions."""

    model: nn.Sequential
    history: History
    data: DigitImages
    test_accuracy: float
    predictions: np.ndarray


def load_digit_images(test_size: float = 0.25, random_state: int = 0) -> DigitImages:
    """The digits as one-channel images, split stratified into train and test."""
    from sklearn.model_selection import train_test_split

    from mlequations.datasets import load_digits

    digits = load_digits(bunch=True)
    train_images, test_images, y_train, y_test = train_test_split(
        digits.images[:, None, :, :],
        digits.target,
        test_size=test_size,
        stratify=digits.target,
        random_state=random_state,
    )
    mean, std = train_images.mean(), train_images.std()

    def standardised(images: np.ndarray) -> np.ndarray:
        return ((images - mean) / std).astype(np.float32)

    return DigitImages(
        standardised(train_images), standardised(test_images), y_train, y_test, test_images
    )


def build_cnn() -> nn.Sequential:
    """Two convolution + pooling stages and a linear read-out, 8×8 → 4×4 → 2×2 → 10 scores."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def train_digits_cnn(epochs: int = EPOCHS, random_state: int = 0) -> CNNRun:
    """Train the CNN with Adam; ``random_state`` seeds the weights and the shuffles."""
    data = load_digit_images(random_state=random_state)
    nn.manual_seed(random_state)
    model = build_cnn()
    history, accuracy, predictions = train_classifier(
        model,
        data,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        random_state=random_state,
    )
    return CNNRun(model, history, data, accuracy, predictions)


def _plot_filters(figure: Figure, model: nn.Sequential) -> None:
    kernels = model[0].weight.data[:, 0]  # (16, 3, 3)
    figure.suptitle("The 16 learned 3×3 kernels of the first layer (red +, blue −)", fontsize=10)
    limit = float(np.abs(kernels).max())
    for kernel, axes in zip(kernels, figure.subplots(2, 8).ravel(), strict=True):
        axes.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes.set_axis_off()


def run(out_dir: Path, epochs: int = EPOCHS, random_state: int = 0) -> DemoResult:
    """Train the CNN; plot the curves, the first-layer kernels and the mistakes."""
    result = train_digits_cnn(epochs=epochs, random_state=random_state)
    history = result.history
    figure = Figure(figsize=(11, 8.5), layout="constrained")
    curves, filters, mistakes = figure.subfigures(3, 1, height_ratios=(3.2, 1.5, 1.1))
    plot_training_curves(curves, history)
    curves.suptitle("A small CNN (2 × [conv 3×3 → ReLU → max-pool 2×2] → linear) on the 8×8 digits")
    _plot_filters(filters, result.model)
    data = result.data
    plot_mistakes(mistakes, result.predictions, data.y_test, data.images_test[:, 0], shown=10)
    path = out_dir / "cnn-digits.png"
    figure.savefig(path, dpi=110)
    wrong = int(np.sum(result.predictions != result.data.y_test))
    values = {
        "test_accuracy": float(result.test_accuracy),
        "train_accuracy": float(history.train_accuracy[-1]),
        "final_train_loss": float(history.train_loss[-1]),
        "final_test_loss": float(history.val_loss[-1]),
        "epochs": float(history.epochs),
        "parameters": float(sum(p.size for p in result.model.parameters())),
    }
    summary = (
        f"test accuracy {values['test_accuracy']:.4f} ({wrong} of {len(result.data.y_test)} "
        f"wrong) after {history.epochs} epochs, {int(values['parameters'])} weights; training "
        f"loss {values['final_train_loss']:.4f}, test loss {values['final_test_loss']:.4f}"
    )
    return DemoResult((path,), summary, values)
