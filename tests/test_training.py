"""The training loop (mlequations.training): learning, history, divergence, progress, resume."""

from __future__ import annotations

import io
import math
import os
import sys

import numpy as np
import pytest

from mlequations import nn, optim
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.optim.lr_scheduler import PolynomialDecayLR, StepLR
from mlequations.training import (
    History,
    Trainer,
    TrainingDivergedError,
    evaluate,
    fit,
    load_checkpoint,
)

F = nn.functional


def blobs(n: int = 60, seed: int = 0, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 4 dimensions, integer labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    return (centres[y] + 0.5 * rng.normal(size=(n, 4))).astype(dtype), y


def mlp(seed: int = 0, dtype: str = "float64") -> nn.Module:
    nn.manual_seed(seed)
    return nn.MLP([4, 8, 3], dtype=dtype)


def test_loss_decreases_on_a_separable_problem():
    X, y = blobs()
    model = mlp()
    history = fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.2, momentum=0.9),
        X,
        y,
        epochs=8,
        batch_size=16,
        random_state=0,
        verbose=0,
    )
    assert history.epochs == 8
    assert history.train_loss[-1] < 0.25 * history.train_loss[0]
    assert history.train_accuracy[-1] == 1.0
    assert evaluate(model, F.cross_entropy, X, y)["accuracy"] == 1.0


def test_history_is_consistent_and_validation_recomputes():
    X, y = blobs(50)
    X_val, y_val = blobs(23, seed=1)
    model = nn.Sequential(
        nn.Linear(4, 8, dtype="float64"),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(8, 3, dtype="float64"),
    )
    history = fit(
        model,
        F.cross_entropy,
        optim.Adam(model.parameters(), lr=0.01),
        X,
        y,
        epochs=3,
        batch_size=16,
        validation_data=(X_val, y_val),
        random_state=1,
        verbose=0,
    )
    steps = math.ceil(50 / 16)
    assert len(history.step_loss) == 3 * steps
    sizes = np.array([16, 16, 16, 2])
    for epoch in range(3):
        losses = np.array(history.step_loss[epoch * steps : (epoch + 1) * steps])
        assert history.train_loss[epoch] == pytest.approx(losses @ sizes / 50, rel=1e-12)
    assert len(history.train_accuracy) == len(history.val_loss) == len(history.val_accuracy) == 3
    model.eval()  # validation runs in evaluation mode: dropout off
    logits = model(X_val)
    assert history.val_loss[-1] == pytest.approx(F.cross_entropy(logits, y_val).item(), rel=1e-12)
    accuracy = np.mean(logits.data.argmax(axis=1) == y_val)
    assert history.val_accuracy[-1] == pytest.approx(accuracy, rel=1e-12)
    assert model.training is False  # fit restored the mode the model had (eval, set above)


def test_minibatch_steps_match_torch(torch):
    X, y = blobs(30)
    model = mlp(3)
    reference = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    ).double()
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    history = fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1, momentum=0.5),
        X,
        y,
        epochs=3,
        batch_size=8,
        random_state=7,
        verbose=0,
    )
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.5)
    rng, losses = np.random.default_rng(7), []
    for _ in range(3):
        order = rng.permutation(30)
        for start in range(0, 30, 8):
            index = order[start : start + 8]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                reference(torch.from_numpy(X[index])), torch.from_numpy(y[index])
            )
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    np.testing.assert_allclose(history.step_loss, losses, rtol=1e-10)
    for name, value in reference.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name], value.numpy(), rtol=1e-10, atol=1e-12)


def test_without_shuffle_batches_run_in_order():
    X, y = blobs(20)
    seen = []

    def loss_fn(output, targets):
        seen.append(targets.copy())
        return F.cross_entropy(output, targets)

    model = mlp()
    fit(
        model,
        loss_fn,
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=1,
        batch_size=8,
        shuffle=False,
        verbose=0,
    )
    np.testing.assert_array_equal(np.concatenate(seen), y)
    assert [len(s) for s in seen] == [8, 8, 4]


def test_regression_has_no_accuracy_and_float32_stays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    nn.manual_seed(0)
    model = nn.Linear(3, 1)
    history = fit(
        model,
        F.mse_loss,
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=10,
        batch_size=8,
        random_state=0,
        verbose=0,
    )
    assert history.train_accuracy == []
    assert history.val_loss == []
    assert history.train_loss[-1] < 0.01 * history.train_loss[0]
    assert all(p.data.dtype == np.float32 for p in model.parameters())


def test_scheduler_per_step_sets_the_rates():
    X, y = blobs(20)
    model = mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = PolynomialDecayLR(optimizer, beta=0.5, alpha=1.0)
    fit(
        model,
        F.cross_entropy,
        optimizer,
        X,
        y,
        epochs=2,
        batch_size=5,
        scheduler=scheduler,
        scheduler_interval="step",
        verbose=0,
    )
    assert scheduler.last_epoch == 8  # one step per update
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 / (1 + 0.5 * 9), rel=1e-15)


def test_divergence_names_epoch_and_step():
    X, y = blobs(20)
    calls = []

    def loss_fn(output, targets):
        calls.append(1)
        loss = F.cross_entropy(output, targets)
        return loss * float("nan") if len(calls) == 7 else loss

    model = mlp()
    with pytest.raises(TrainingDivergedError) as caught:
        fit(
            model,
            loss_fn,
            optim.SGD(model.parameters(), lr=0.5),
            X,
            y,
            epochs=3,
            batch_size=5,
            verbose=0,
        )
    error = caught.value
    assert isinstance(error, FloatingPointError)
    assert (error.epoch, error.step) == (2, 3)
    assert "epoch 2, step 3" in str(error)
    assert "lr=0.5" in str(error)
    assert "smaller" in str(error)


def test_huge_learning_rate_diverges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    y = X @ np.array([1.0, 2.0, 3.0])[:, None] * 10
    nn.manual_seed(0)
    model = nn.Linear(3, 1, dtype="float64")
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(TrainingDivergedError, match="try a smaller one"),
    ):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=1e3), X, y, epochs=50, verbose=0)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("verbose", [0, 1])
def test_silent_without_a_terminal_or_with_verbose_0(capsys, monkeypatch, verbose):
    X, y = blobs(20)
    model = mlp()
    if verbose == 0:  # even on a terminal
        monkeypatch.setattr(sys, "stderr", FakeTerminal())
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=2,
        validation_data=(X, y),
        verbose=verbose,
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    if verbose == 0:
        assert sys.stderr.getvalue() == ""


def test_progress_bar_on_a_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    X, y = blobs(20)
    model = mlp()
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=2,
        batch_size=10,
        verbose=1,
    )
    shown = terminal.getvalue()
    assert "epoch 2/2" in shown
    assert "loss=" in shown
    assert "4/4" in shown


def dropout_run(path, epochs: int, resume: bool, seed: int) -> tuple:
    """Build a fresh model/optimizer/scheduler (initial weights from ``seed``) and fit."""
    X, y = blobs(40)
    X_val, y_val = blobs(12, seed=5)
    nn.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(4, 16, dtype="float64"),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(16, 3, dtype="float64"),
    )
    optimizer = optim.Adam(model.parameters(), lr=0.02, amsgrad=True)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.8)
    trainer = Trainer(
        model,
        F.cross_entropy,
        optimizer,
        batch_size=12,
        random_state=11,
        scheduler=scheduler,
        verbose=0,
        checkpoint=path,
    )
    history = trainer.fit(X, y, epochs=epochs, validation_data=(X_val, y_val), resume=resume)
    return model, optimizer, scheduler, history


def test_resume_gives_the_identical_run(tmp_path):
    straight = dropout_run(tmp_path / "straight.npz", 4, resume=False, seed=0)
    dropout_run(tmp_path / "split.npz", 2, resume=False, seed=0)
    assert load_checkpoint(tmp_path / "split.npz").epoch == 2
    nn.manual_seed(12345)  # the interruption moves the dropout generator on
    resumed = dropout_run(tmp_path / "split.npz", 4, resume=True, seed=99)

    for name, value in straight[0].state_dict().items():
        np.testing.assert_array_equal(resumed[0].state_dict()[name], value)
    assert resumed[3].as_dict() == straight[3].as_dict()
    assert resumed[2].state_dict() == straight[2].state_dict()
    first, second = straight[1].state_dict(), resumed[1].state_dict()
    assert first["param_groups"] == second["param_groups"]
    for index, entries in first["state"].items():
        for name, value in entries.items():
            np.testing.assert_array_equal(second["state"][index][name], value)
    assert sorted(os.listdir(tmp_path)) == ["split.npz", "straight.npz"]  # no temporary left


def test_resume_momentum_sgd_with_per_step_schedule(tmp_path):
    X, y = blobs(30)

    def run(epochs, seed):
        model = mlp(seed)
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        scheduler = PolynomialDecayLR(optimizer, beta=0.1, alpha=0.75)
        history = fit(
            model,
            F.cross_entropy,
            optimizer,
            X,
            y,
            epochs=epochs,
            batch_size=7,
            random_state=3,
            scheduler=scheduler,
            scheduler_interval="step",
            verbose=0,
            checkpoint=tmp_path / "run.npz",
            resume=True,
        )
        return model.state_dict(), history

    straight_state, straight_history = run(3, 0)
    os.remove(tmp_path / "run.npz")
    run(1, 0)
    resumed_state, resumed_history = run(3, 1)
    assert resumed_history.as_dict() == straight_history.as_dict()
    for name, value in straight_state.items():
        np.testing.assert_array_equal(resumed_state[name], value)
    again_state, again_history = run(2, 2)  # already past 2 epochs: nothing to train
    assert again_history.epochs == 3
    for name, value in straight_state.items():
        np.testing.assert_array_equal(again_state[name], value)


def test_checkpoint_mismatch_is_explained(tmp_path):
    X, y = blobs(20)
    path = tmp_path / "run.npz"
    model = mlp()
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=1,
        verbose=0,
        checkpoint=path,
    )
    model = mlp()
    with pytest.raises(
        ValidationError, match="written with batch_size=32, this run has batch_size"
    ):
        fit(
            model,
            F.cross_entropy,
            optim.SGD(model.parameters(), lr=0.1),
            X,
            y,
            epochs=2,
            batch_size=8,
            verbose=0,
            checkpoint=path,
            resume=True,
        )
    other = nn.MLP([4, 5, 3], dtype="float64")
    with pytest.raises(ShapeError, match=r"cannot resume from .*must have shape"):
        fit(
            other,
            F.cross_entropy,
            optim.SGD(other.parameters(), lr=0.1),
            X,
            y,
            epochs=2,
            verbose=0,
            checkpoint=path,
            resume=True,
        )
    with pytest.raises(ValidationError, match="written with optimizer='SGD', this run has"):
        fit(
            model,
            F.cross_entropy,
            optim.Adam(model.parameters()),
            X,
            y,
            epochs=2,
            verbose=0,
            checkpoint=path,
            resume=True,
        )


def test_corrupt_checkpoints_are_refused(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValidationError, match=r"is not a readable \.npz file"):
        load_checkpoint(garbage)
    plain = tmp_path / "plain.npz"
    np.savez(plain, weights=np.ones(3))
    with pytest.raises(ValidationError, match="no 'meta' entry"):
        load_checkpoint(plain)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, meta=np.array('{"format": "something else"}'))
    with pytest.raises(ValidationError, match="has format 'something else'"):
        load_checkpoint(wrong)


def test_history_round_trips_through_arrays():
    history = History([1.0, 0.5], [0.2, 0.9], [], [], [1.5, 0.5, 0.7, 0.3])
    assert History.from_arrays(history.to_arrays()) == history
    with pytest.raises(ValidationError, match="lacks the series"):
        History.from_arrays({"train_loss": np.ones(2)})


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"epochs": 0}, ValidationError, "epochs must be >= 1"),
        ({"batch_size": 0}, ValidationError, "batch_size must be >= 1"),
        ({"y": np.zeros(3, dtype=int)}, ShapeError, "same number of samples"),
        ({"X": np.zeros((0, 4))}, ShapeError, "at least one sample"),
        ({"metrics": ("f1",)}, ValidationError, "metrics must be chosen from"),
        ({"metrics": "accuracy"}, ArrayTypeError, "metrics must be a sequence"),
        ({"y": np.zeros(20), "metrics": ("accuracy",)}, ValidationError, "integer class labels"),
        ({"resume": True}, ValidationError, "resume=True needs checkpoint"),
        ({"scheduler_interval": "batch"}, ValidationError, "'epoch' or 'step'"),
        ({"validation_data": np.zeros(3)}, ValidationError, "must be a pair"),
        ({"optimizer": "sgd"}, ArrayTypeError, "optimizer must be an Optimizer"),
        ({"scheduler": "step"}, ArrayTypeError, "scheduler must be an LRScheduler"),
        ({"shuffle": 1}, ArrayTypeError, "shuffle must be True or False"),
        ({"verbose": -1}, ValidationError, "verbose must be >= 0"),
        ({"loss_fn": lambda out, t: out}, ArrayTypeError, "one-element Tensor"),
    ],
)
def test_bad_arguments(change, error, message):
    X, y = blobs(20)
    model = mlp()
    arguments = {
        "model": model,
        "loss_fn": F.cross_entropy,
        "optimizer": optim.SGD(model.parameters(), lr=0.1),
        "X": X,
        "y": y,
        "epochs": 1,
        "verbose": 0,
        **change,
    }
    with pytest.raises(error, match=message):
        fit(**arguments)
