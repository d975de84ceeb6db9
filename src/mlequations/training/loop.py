r"""The training loop: minibatch gradient descent over a data set, epoch after epoch.

Each epoch shuffles the :math:`n` samples, cuts them into minibatches
:math:`S^{(i)}` and takes one optimizer step per batch on the batch's mean loss,

.. math::

    \theta^{(i+1)} = \theta^{(i)} - \gamma^{(i)}\, d\Bigl(\nabla_\theta
    \frac{1}{|S^{(i)}|} \sum_{n \in S^{(i)}} \ell\bigl(f_\theta(x_n), y_n\bigr)\Bigr),

where :math:`d` is the optimizer's direction (the gradient itself for plain
SGD). After each epoch the model is evaluated on the validation data, the
scheduler may change :math:`\gamma`, and a checkpoint may be written.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from mlequations import nn
from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer
from mlequations.autodiff import Tensor
from mlequations.optim.lr_scheduler import LRScheduler
from mlequations.optim.optimizer import Optimizer
from mlequations.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from mlequations.training.data import batches, check_data, correct_count, resolve_metrics
from mlequations.training.evaluation import evaluate, loss_value
from mlequations.training.history import History
from mlequations.training.progress import progress_bar

__all__ = ["Trainer", "TrainingDivergedError", "evaluate", "fit"]


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite: the run diverged, usually from too large a learning rate.

    Attributes
    ----------
    loss : float
        The non-finite loss.
    epoch, step : int
        Where it happened: the epoch (from 1) and the update within it (from 1).
    """

    def __init__(self, loss: float, epoch: int, step: int, learning_rates: list[float]) -> None:
        self.loss, self.epoch, self.step = loss, epoch, step
        rates = ", ".join(f"{rate:g}" for rate in learning_rates)
        super().__init__(
            f"training diverged: the loss became {loss} at epoch {epoch}, step {step}; "
            f"the learning rate (lr={rates}) is probably too large: try a smaller one, "
            f"e.g. a tenth of it"
        )


class Trainer:
    """Train a model with an optimizer over minibatches; :func:`fit` in object form.

    The arguments are those of :func:`fit` except the data, ``epochs``,
    ``validation_data`` and ``resume``, which go to :meth:`fit`. The
    shuffling generator is made once here, so two calls of :meth:`fit` see
    different shuffles.

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations import nn, optim
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> y = 3 * X - 1
    >>> _ = nn.manual_seed(0)
    >>> model = nn.Linear(1, 1, dtype="float64")
    >>> trainer = Trainer(model, nn.functional.mse_loss, optim.SGD(model.parameters(), lr=0.5),
    ...                   batch_size=8, random_state=0, verbose=0)
    >>> history = trainer.fit(X, y, epochs=30)
    >>> np.round([model.weight.item(), model.bias.item()], 3)
    array([ 3., -1.])
    """

    def __init__(
        self,
        model: Any,
        loss_fn: Any,
        optimizer: Optimizer,
        *,
        batch_size: int = 32,
        shuffle: bool = True,
        random_state: Any = None,
        scheduler: LRScheduler | None = None,
        scheduler_interval: str = "epoch",
        metrics: Any = None,
        verbose: int = 1,
        checkpoint: str | os.PathLike[str] | None = None,
    ) -> None:
        for name, value in (("model", model), ("loss_fn", loss_fn)):
            if not callable(value):
                raise ArrayTypeError(f"{name} must be callable, got {type(value).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise ArrayTypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
        if scheduler is not None and not isinstance(scheduler, LRScheduler):
            raise ArrayTypeError(
                f"scheduler must be an LRScheduler or None, got {type(scheduler).__name__}"
            )
        if scheduler_interval not in ("epoch", "step"):
            raise ValidationError(
                f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}"
            )
        if not isinstance(shuffle, bool):
            raise ArrayTypeError(f"shuffle must be True or False, got {shuffle!r}")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.batch_size = check_integer(batch_size, "batch_size", 1)
        self.shuffle, self.scheduler, self.scheduler_interval = (
            shuffle,
            scheduler,
            scheduler_interval,
        )
        self.metrics, self.verbose = metrics, check_integer(verbose, "verbose", 0)
        self.checkpoint = None if checkpoint is None else os.fspath(checkpoint)
        self.rng = np.random.default_rng(random_state)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int,
        validation_data: tuple[Any, Any] | None = None,
        resume: bool = False,
    ) -> History:
        """Train for ``epochs`` epochs in all (counting those of a resumed checkpoint)."""
        X, y = check_data(X, y, "X", "y")
        epochs = check_integer(epochs, "epochs", 1)
        validation = self._validation(validation_data)
        metrics = resolve_metrics(self.metrics, y, "y")
        config = self._config(len(X), metrics, validation is not None)
        history, start, global_step = self._start(resume, config)
        steps_per_epoch = math.ceil(len(X) / self.batch_size)
        bar = progress_bar(epochs * steps_per_epoch, start * steps_per_epoch, self.verbose)
        was_training = getattr(self.model, "training", True)
        try:
            for epoch in range(start + 1, epochs + 1):
                bar.set_description(f"epoch {epoch}/{epochs}")
                self.model.train()
                global_step = self._train_epoch(X, y, epoch, metrics, history, bar, global_step)
                if validation is not None:
                    scores = evaluate(
                        self.model,
                        self.loss_fn,
                        *validation,
                        batch_size=self.batch_size,
                        metrics=metrics,
                    )
                    history.val_loss.append(scores["loss"])
                    if metrics:
                        history.val_accuracy.append(scores["accuracy"])
                    bar.set_postfix(loss=history.train_loss[-1], val_loss=scores["loss"])
                if self.scheduler is not None and self.scheduler_interval == "epoch":
                    self.scheduler.step()
                self._save(epoch, global_step, config, history)
        finally:
            bar.close()
            self.model.train(was_training)
        return history

    def _validation(self, validation_data: Any) -> tuple[np.ndarray, np.ndarray] | None:
        if validation_data is None:
            return None
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise ValidationError(
                "validation_data must be a pair (X_val, y_val), got "
                f"{type(validation_data).__name__}"
            )
        return check_data(*validation_data, "validation X", "validation y")

    def _train_epoch(
        self,
        X: np.ndarray,
        y: np.ndarray,
        epoch: int,
        metrics: tuple[str, ...],
        history: History,
        bar: Any,
        global_step: int,
    ) -> int:
        order = self.rng.permutation(len(X)) if self.shuffle else None
        total, correct = 0.0, 0
        for step, index in enumerate(batches(len(X), self.batch_size, order), start=1):
            targets = y[index]
            output, loss = self._update(X[index], targets, epoch, step)
            total += loss * len(targets)
            if metrics:
                correct += correct_count(output, targets)
            history.step_loss.append(loss)
            global_step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        history.train_loss.append(total / len(X))
        if metrics:
            history.train_accuracy.append(correct / len(X))
        return global_step

    def _update(self, inputs: np.ndarray, targets: np.ndarray, epoch: int, step: int) -> Any:
        """One optimizer step on a batch; the model's output values and the loss."""
        self.optimizer.zero_grad()
        output = self.model(Tensor(inputs))
        loss = self.loss_fn(output, targets)
        value = loss_value(loss)
        if not math.isfinite(value):
            rates = [group["lr"] for group in self.optimizer.param_groups]
            raise TrainingDivergedError(value, epoch, step, rates)
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return output.data, value

    # ----------------------------------------------------------------------- checkpoints

    def _config(self, n_samples: int, metrics: tuple[str, ...], validation: bool) -> dict:
        """The settings a resumed run must share with the one that wrote the checkpoint."""
        return {
            "n_samples": n_samples,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "metrics": list(metrics),
            "validation": validation,
            "scheduler_interval": self.scheduler_interval,
            "model": type(self.model).__name__,
            "optimizer": type(self.optimizer).__name__,
            "scheduler": None if self.scheduler is None else type(self.scheduler).__name__,
        }

    def _start(self, resume: bool, config: dict) -> tuple[History, int, int]:
        """A fresh history at epoch 0, or the state of the checkpoint when resuming."""
        if not isinstance(resume, bool):
            raise ArrayTypeError(f"resume must be True or False, got {resume!r}")
        if resume and self.checkpoint is None:
            raise ValidationError("resume=True needs checkpoint=<path of the .npz file>")
        if not resume or not os.path.exists(self.checkpoint):
            return History(), 0, 0
        saved = load_checkpoint(self.checkpoint)
        try:
            self._restore(saved, config)
        except (ValueError, TypeError) as error:
            raise type(error)(f"cannot resume from {self.checkpoint!r}: {error}") from error
        return saved.history, saved.epoch, saved.global_step

    def _restore(self, saved: Checkpoint, config: dict) -> None:
        for key, value in config.items():
            if saved.config.get(key) != value:
                raise ValidationError(
                    f"the checkpoint was written with {key}={saved.config.get(key)!r}, this run "
                    f"has {key}={value!r}; resuming would not continue the same run"
                )
        if len(saved.history.train_loss) != saved.epoch:
            raise ValidationError(
                f"the history holds {saved.history.epochs} epoch(s), the counter {saved.epoch}"
            )
        self.model.load_state_dict(saved.model_state)
        self.optimizer.load_state_dict(saved.optimizer_state)
        if self.scheduler is not None:
            self.scheduler.load_state_dict(saved.scheduler_state)
        expected = type(self.rng.bit_generator).__name__
        state = saved.shuffle_rng_state
        if not isinstance(state, dict) or state.get("bit_generator") != expected:
            raise ValidationError(f"the shuffling generator's state is not a {expected} state")
        self.rng.bit_generator.state = state
        nn.set_rng_state(saved.nn_rng_state)

    def _save(self, epoch: int, global_step: int, config: dict, history: History) -> None:
        if self.checkpoint is None:
            return
        checkpoint = Checkpoint(
            epoch=epoch,
            global_step=global_step,
            config=config,
            model_state=dict(self.model.state_dict()),
            optimizer_state=self.optimizer.state_dict(),
            scheduler_state=None if self.scheduler is None else self.scheduler.state_dict(),
            shuffle_rng_state=self.rng.bit_generator.state,
            nn_rng_state=nn.get_rng_state(),
            history=history,
        )
        save_checkpoint(self.checkpoint, checkpoint)


def fit(
    model: Any,
    loss_fn: Any,
    optimizer: Optimizer,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    random_state: Any = None,
    scheduler: LRScheduler | None = None,
    scheduler_interval: str = "epoch",
    metrics: Any = None,
    verbose: int = 1,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
) -> History:
    r"""Train ``model`` on ``(X, y)`` with minibatch steps of ``optimizer``; return the history.

    Parameters
    ----------
    model : Module
        Called on a batch ``Tensor``; needs ``train()``, ``eval()``, and for
        checkpoints ``state_dict()`` / ``load_state_dict()``.
    loss_fn : callable
        ``loss_fn(output, targets)`` -> a one-element Tensor, the batch's mean
        loss (e.g. :func:`mlequations.nn.functional.cross_entropy`); targets
        are the rows of ``y`` as a NumPy array.
    optimizer : Optimizer
        Over the model's parameters.
    X, y : array_like
        Inputs and targets, one row per sample.
    epochs : int
        The total number of epochs (a resumed run trains only the missing ones).
    batch_size : int, default 32
        The last batch of an epoch holds the remainder.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch, in evaluation mode without gradients.
    shuffle : bool, default True
        Draw a new order of the samples every epoch.
    random_state : int, numpy.random.Generator or None
        Seeds the shuffling (``numpy.random.default_rng``). Dropout draws
        from :mod:`mlequations.nn`'s generator: seed it with
        :func:`mlequations.nn.manual_seed`.
    scheduler : LRScheduler, optional
        Stepped after every epoch, or after every update with
        ``scheduler_interval="step"`` (for :class:`~mlequations.optim.lr_scheduler.ScheduleLR`).
    metrics : sequence of str, optional
        ``("accuracy",)`` or ``()``; by default accuracy when ``y`` holds
        integer class labels. Accuracy takes the arg-max of 2-D outputs, the
        sign of 1-D (or one-column) logits.
    verbose : int, default 1
        0 is silent; otherwise a progress bar shows the loss when standard
        error is a terminal.
    checkpoint : path, optional
        An ``.npz`` file rewritten (atomically) at the end of every epoch.
    resume : bool, default False
        Continue from ``checkpoint`` if it exists: the model, optimizer,
        scheduler, generators and history are restored, so the result equals
        that of an uninterrupted run. Without the file, start afresh.

    Returns
    -------
    History

    Raises
    ------
    TrainingDivergedError
        The loss became NaN or infinite (a ``FloatingPointError``).
    ValidationError, ArrayTypeError
        Bad arguments, or a checkpoint that does not fit this run.

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations import nn, optim
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 2)).astype(np.float32)
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> _ = nn.manual_seed(0)
    >>> model = nn.Linear(2, 2)
    >>> history = fit(model, nn.functional.cross_entropy, optim.SGD(model.parameters(), lr=0.5),
    ...               X, y, epochs=20, batch_size=16, random_state=0, verbose=0)
    >>> history.train_loss[-1] < history.train_loss[0], history.train_accuracy[-1] > 0.9
    (True, True)
    """
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        batch_size=batch_size,
        shuffle=shuffle,
        random_state=random_state,
        scheduler=scheduler,
        scheduler_interval=scheduler_interval,
        metrics=metrics,
        verbose=verbose,
        checkpoint=checkpoint,
    )
    return trainer.fit(X, y, epochs=epochs, validation_data=validation_data, resume=resume)
