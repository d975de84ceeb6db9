"""The cnn-digits demo: a small CNN on the 8×8 digits reaches at least 97 % test accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations.autodiff import Tensor, no_grad
from mlequations.demos import cnn_digits, run_demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo("cnn-digits", tmp_path_factory.mktemp("cnn"))


def test_the_cnn_reaches_97_percent_on_held_out_digits(demo):
    assert demo.values["test_accuracy"] >= 0.97
    assert demo.values["train_accuracy"] >= 0.97
    assert demo.values["epochs"] == cnn_digits.EPOCHS
    assert demo.values["parameters"] == 16 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 10 + 10
    assert "test accuracy" in demo.summary


def test_the_figure_is_written(demo):
    (path,) = demo.files
    assert path.name == "cnn-digits.png"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000


def test_the_split_is_stratified_held_out_and_standardised():
    data = cnn_digits.load_digit_images()
    assert data.X_train.shape == (1347, 1, 8, 8)
    assert data.X_test.shape == (450, 1, 8, 8)
    assert data.X_train.dtype == np.float32
    assert abs(float(data.X_train.mean())) < 1e-5
    assert float(data.X_train.std()) == pytest.approx(1.0, rel=1e-5)
    totals = np.bincount(data.y_train) + np.bincount(data.y_test)
    assert np.all(np.abs(np.bincount(data.y_test) - totals / 4) <= 1)  # stratified quarter


def test_the_network_computes_what_pytorch_computes_with_its_weights(torch):
    """The same architecture in PyTorch, with the weights copied, gives the same scores."""
    model = cnn_digits.build_cnn()
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 10),
    )
    model.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    images = cnn_digits.load_digit_images().X_test[:64]
    with no_grad():
        ours = model(Tensor(images)).data
    np.testing.assert_allclose(ours, theirs(torch.from_numpy(images)).detach().numpy(), atol=1e-5)
