r"""scikit-learn's bundled 8×8 digits for the network demos: the split, training and figures.

1797 grey-level images of the digits 0-9 (64 pixels, values 0-16) ship with
scikit-learn, so nothing is downloaded. The split is stratified; each pixel is
standardised, :math:`x' = (x - \mu)/s`, with the mean and standard deviation
of the *training* part only, so the test part stays unseen.

Examples
--------
>>> data = load_digits_split()
>>> data.X_train.shape, data.X_test.shape, data.X_train.dtype
((1347, 64), (450, 64), dtype('float32'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from mlequations import nn, optim
from mlequations.autodiff import Tensor, no_grad
from mlequations.training import History, evaluate, fit

__all__ = [
    "DigitsSplit",
    "load_digits_split",
    "plot_mistakes",
    "plot_training_curves",
    "train_classifier",
]


@dataclass(frozen=True)
class DigitsSplit:
    """Standardised float32 inputs and integer labels of a train/test split of the digits."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    images_test: np.ndarray


def load_digits_split(test_size: float = 0.25, random_state: int = 0) -> DigitsSplit:
    """The digits, stratified into train and test, standardised with the training statistics.

    ``images_test`` holds the raw 8×8 test images, for drawing.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    X_train, X_test, y_train, y_test, _, images_test = train_test_split(
        digits.data,
        digits.target,
        digits.images,
        test_size=test_size,
        stratify=digits.target,
        random_state=random_state,
    )
    scaler = StandardScaler().fit(X_train)
    return DigitsSplit(
        X_train=scaler.transform(X_train).astype(np.float32),
        X_test=scaler.transform(X_test).astype(np.float32),
        y_train=y_train,
        y_test=y_test,
        images_test=images_test,
    )


def train_classifier(
    model: nn.Module,
    data: Any,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    random_state: int,
) -> tuple[History, float, np.ndarray]:
    """Train ``model`` with Adam on the mean cross-entropy, validating on the test part.

    ``data`` has ``X_train``, ``y_train``, ``X_test`` and ``y_test``. Returns the
    history, the test accuracy and the predicted test labels.
    """
    history = fit(
        model,
        nn.functional.cross_entropy,
        optim.Adam(model.parameters(), lr=learning_rate),
        data.X_train,
        data.y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(data.X_test, data.y_test),
        random_state=random_state,
        verbose=0,
    )
    scores = evaluate(model, nn.functional.cross_entropy, data.X_test, data.y_test)
    model.eval()
    with no_grad():
        predictions = np.argmax(model(Tensor(data.X_test)).data, axis=1)
    return history, scores["accuracy"], predictions


def plot_training_curves(figure: Figure, history: History) -> None:
    """Loss (log scale) and accuracy per epoch, training against test, side by side."""
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


def plot_mistakes(
    figure: Figure, predictions: np.ndarray, labels: np.ndarray, images: np.ndarray, shown: int
) -> None:
    """The first ``shown`` misclassified test images (8×8), titled true → predicted."""
    wrong = np.flatnonzero(predictions != labels)
    figure.suptitle(
        f"Misclassified test digits: {len(wrong)} of {len(predictions)}"
        f"{f', the first {shown} shown' if len(wrong) > shown else ''} (true → predicted)",
        fontsize=10,
    )
    for k, axes in enumerate(figure.subplots(1, shown)):
        axes.set_axis_off()
        if k < len(wrong):
            index = wrong[k]
            axes.imshow(images[index], cmap="gray_r")
            axes.set_title(f"{labels[index]} → {predictions[index]}", fontsize=9, color="tab:red")
