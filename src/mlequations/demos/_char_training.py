r"""Training the character transformer: random-window minibatches, Adam, checkpoints, resuming.

The run takes ``steps`` Adam updates on minibatches of random windows of the
training text. The learning rate rises linearly over ``warmup_steps`` and then
follows half a cosine down to ``min_lr_fraction`` of its peak,

.. math::

    \gamma_i = \gamma_0 \cdot \begin{cases}
        (i + 1) / w & i < w \\
        f + \tfrac{1}{2}(1 - f)\bigl(1 + \cos \pi \tfrac{i - w}{n - w}\bigr) & i \ge w
    \end{cases}

Every ``eval_interval`` updates the validation loss is measured (evaluation
mode, no gradients) and a checkpoint is written with
:func:`mlequations.training.save_checkpoint`: the model, Adam's moments, the
scheduler, the window sampler's and :mod:`mlequations.nn`'s generators and the
history. A run started with ``resume=True`` from that file continues exactly as
if it had never stopped (an "epoch" of the checkpoint is one interval here).
"""

from __future__ import annotations

import math
import os
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from mlequations import nn, optim
from mlequations._array import ValidationError
from mlequations._checks import check_integer
from mlequations.autodiff import no_grad
from mlequations.demos._pydoc_corpus import CharCorpus, random_windows, validation_windows
from mlequations.optim.lr_scheduler import LambdaLR
from mlequations.training import (
    Checkpoint,
    History,
    TrainingDivergedError,
    load_checkpoint,
    save_checkpoint,
)
from mlequations.training.progress import progress_bar

__all__ = [
    "CharRun",
    "CharTrainingConfig",
    "evaluate_loss",
    "load_char_transformer",
    "train_char_transformer",
]


@dataclass(frozen=True)
class CharTrainingConfig:
    """The model's size and the training schedule (everything a resumed run must share)."""

    context_length: int = 128
    d_model: int = 128
    nhead: int = 4
    num_layers: int = 4
    dim_feedforward: int = 512
    dropout: float = 0.0
    activation: str = "relu"
    tie_weights: bool = True
    batch_size: int = 32
    steps: int = 3000
    learning_rate: float = 2e-3
    warmup_steps: int = 100
    min_lr_fraction: float = 0.1
    eval_interval: int = 250
    eval_windows: int | None = None
    seed: int = 0

    def learning_rate_factor(self, step: int) -> float:
        """The factor of the peak learning rate at update ``step`` (from 0): warm-up, cosine."""
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        progress = min(1.0, (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps))
        f = self.min_lr_fraction
        return f + 0.5 * (1.0 - f) * (1.0 + math.cos(math.pi * progress))


@dataclass
class CharRun:
    """A trained model, its history and what the run measured."""

    model: nn.CharTransformer
    history: History
    steps_done: int
    resumed_from: int
    times: list[float]
    val_loss: float

    @property
    def seconds(self) -> float:
        """The time spent training and evaluating, over all sessions of the run."""
        return self.times[-1] if self.times else 0.0


def build_model(config: CharTrainingConfig, vocabulary: nn.CharVocabulary) -> nn.CharTransformer:
    """A fresh model of the configured size, its weights drawn after seeding with ``seed``."""
    nn.manual_seed(config.seed)
    return nn.CharTransformer(
        vocabulary,
        context_length=config.context_length,
        d_model=config.d_model,
        nhead=config.nhead,
        num_layers=config.num_layers,
        dim_feedforward=config.dim_feedforward,
        dropout=config.dropout,
        activation=config.activation,
        tie_weights=config.tie_weights,
    )


def load_char_transformer(path: str | os.PathLike[str]) -> nn.CharTransformer:
    """The model saved in a checkpoint of :func:`train_char_transformer`, in evaluation mode.

    The model is rebuilt from the settings stored with it (size and
    vocabulary); the default generator of :mod:`mlequations.nn` is left as it was.
    """
    saved = load_checkpoint(path)
    settings = dict(saved.config.get("settings") or {})
    try:
        vocabulary = nn.CharVocabulary(settings.pop("vocabulary"))
        config = CharTrainingConfig(**settings)
    except (KeyError, TypeError) as error:
        raise ValidationError(
            f"checkpoint {os.fspath(path)!r} was not written by train_char_transformer: {error}"
        ) from None
    state = nn.get_rng_state()
    try:
        model = build_model(config, vocabulary)
    finally:
        nn.set_rng_state(state)
    model.load_state_dict(saved.model_state)
    return model.eval()


def evaluate_loss(
    model: nn.CharTransformer, tokens: np.ndarray, count: int | None = None, batch: int = 64
) -> float:
    """The mean next-character loss (nats) over non-overlapping windows of ``tokens``."""
    inputs, targets = validation_windows(tokens, model.context_length, count)
    was_training, total = model.training, 0.0
    model.eval()
    try:
        with no_grad():
            for start in range(0, len(inputs), batch):
                chunk = slice(start, start + batch)
                total += model.loss(inputs[chunk], targets[chunk]).item() * targets[chunk].size
    finally:
        model.train(was_training)
    return total / targets.size


class _Session:
    """The mutable state of one run: model, optimizer, scheduler, sampler and counters."""

    def __init__(self, config: CharTrainingConfig, corpus: CharCorpus) -> None:
        self.config, self.corpus = config, corpus
        self.model = build_model(config, corpus.vocabulary)
        self.optimizer = optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.scheduler = LambdaLR(self.optimizer, config.learning_rate_factor)
        self.rng = np.random.default_rng(config.seed)
        self.history, self.step, self.rounds = History(), 0, 0
        self.times: list[float] = []  # seconds since the start at the end of each interval

    def settings(self) -> dict[str, Any]:
        return {**asdict(self.config), "vocabulary": self.corpus.vocabulary.characters}

    def restore(self, path: str) -> None:
        saved = load_checkpoint(path)
        theirs = saved.config.get("settings")
        if theirs != self.settings():
            changed = sorted(
                k for k in self.settings() if (theirs or {}).get(k) != self.settings()[k]
            )
            raise ValidationError(
                f"cannot resume from {path!r}: it was written with other settings ({changed}); "
                f"delete it or train with the same settings"
            )
        self.model.load_state_dict(saved.model_state)
        self.optimizer.load_state_dict(saved.optimizer_state)
        self.scheduler.load_state_dict(saved.scheduler_state)
        self.rng.bit_generator.state = saved.shuffle_rng_state
        nn.set_rng_state(saved.nn_rng_state)
        self.history, self.step, self.rounds = saved.history, saved.global_step, saved.epoch
        self.times = [float(t) for t in saved.config.get("times", [])]

    def save(self, path: str) -> None:
        checkpoint = Checkpoint(
            epoch=self.rounds,
            global_step=self.step,
            config={"settings": self.settings(), "times": self.times},
            model_state=dict(self.model.state_dict()),
            optimizer_state=self.optimizer.state_dict(),
            scheduler_state=self.scheduler.state_dict(),
            shuffle_rng_state=self.rng.bit_generator.state,
            nn_rng_state=nn.get_rng_state(),
            history=self.history,
        )
        save_checkpoint(path, checkpoint)

    def update(self) -> float:
        """One Adam step on a fresh minibatch; the loss before the step."""
        config = self.config
        inputs, targets = random_windows(
            self.corpus.train, config.batch_size, config.context_length, self.rng
        )
        self.optimizer.zero_grad()
        loss = self.model.loss(inputs, targets)
        value = loss.item()
        if not math.isfinite(value):
            rates = [group["lr"] for group in self.optimizer.param_groups]
            raise TrainingDivergedError(value, self.rounds + 1, self.step + 1, rates)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return value

    def interval(self, bar: Any) -> None:
        """Train up to the next evaluation, then measure the validation loss."""
        config, started = self.config, time.perf_counter()
        losses = []
        for _ in range(min(config.eval_interval, config.steps - self.step)):
            losses.append(self.update())
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
        self.history.step_loss.extend(losses)
        self.history.train_loss.append(float(np.mean(losses)))
        val = evaluate_loss(self.model, self.corpus.validation, config.eval_windows)
        self.history.val_loss.append(val)
        bar.set_postfix(loss=f"{losses[-1]:.3f}", val_loss=f"{val:.3f}")
        self.rounds += 1
        elapsed = time.perf_counter() - started
        self.times.append(elapsed + (self.times[-1] if self.times else 0.0))


def train_char_transformer(
    corpus: CharCorpus,
    config: CharTrainingConfig = CharTrainingConfig(),
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    stop_after: int | None = None,
    threads: int | None = None,
    verbose: int = 1,
) -> CharRun:
    """Train a :class:`~mlequations.nn.CharTransformer` on ``corpus``; see the module docstring.

    Parameters
    ----------
    corpus : CharCorpus
    config : CharTrainingConfig
    checkpoint : path, optional
        Rewritten after every evaluation interval.
    resume : bool, default False
        Continue from ``checkpoint`` when the file exists (it must have been
        written with the same ``config`` and vocabulary).
    stop_after : int, optional
        Stop after this many intervals of this call (to interrupt a run on purpose).
    threads : int, optional
        Limit the BLAS threads of NumPy to this many while training (all by default).
    verbose : int, default 1
        A tqdm progress bar with the loss on a terminal; 0 is silent.
    """
    session = _Session(config, corpus)
    path = None if checkpoint is None else os.fspath(checkpoint)
    if resume and path is None:
        raise ValidationError("resume=True needs checkpoint=<path of the .npz file>")
    if resume and os.path.exists(path):
        session.restore(path)
    if threads is not None:
        threads = check_integer(threads, "threads", 1)
    resumed_from, intervals = session.step, 0
    bar = progress_bar(config.steps, session.step, verbose)
    bar.set_description("char-transformer")
    with bar, nullcontext() if threads is None else threadpool_limits(threads):
        while session.step < config.steps and (stop_after is None or intervals < stop_after):
            session.interval(bar)
            intervals += 1
            if path is not None:
                session.save(path)
    val = session.history.val_loss[-1] if session.history.val_loss else float("nan")
    return CharRun(session.model, session.history, session.step, resumed_from, session.times, val)
