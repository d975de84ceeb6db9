r"""A character-level transformer learns to write like Python's own documentation.

The text is CPython's bundled help topics (:mod:`pydoc_data.topics`, about
465 000 characters, no download), the last tenth held out. A causal
transformer (:class:`mlequations.nn.CharTransformer`: token and position
embeddings, pre-norm :class:`~mlequations.nn.TransformerEncoderLayer` blocks,
an output layer tied to the token table) is trained on the engine in float32
with Adam to minimise the cross entropy of the next character,

.. math::

    \mathcal{L} = -\frac{1}{NT} \sum_{n,t} \log p_\theta(c_{n,t+1} \mid c_{n,1}, \dots, c_{n,t})
    \quad \text{nats per character.}

Ignoring the context, the best possible loss is the unigram entropy of the
characters, 3.25 nats. The full run (two blocks of width 128, context 64,
1200 updates of 32 windows, 0.42 M parameters) went below 1.8 nats after
1.6 minutes and ended at 1.28 nats after 4.6 minutes of training, on a
shared two-core machine with one BLAS thread; the time and the loss reached
are in the summary. A checkpoint is written after every evaluation, so a run
that is stopped resumes where it was (running the demo again on the same
folder continues, or just reloads a finished run). The figure shows the
training and validation losses; the summary ends with text sampled from the
model.

Examples
--------
>>> config = QUICK_CONFIG
>>> config.steps, config.num_layers, config.context_length
(300, 1, 32)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.demos._char_training import (
    CharRun,
    CharTrainingConfig,
    evaluate_loss,
    load_char_transformer,
    train_char_transformer,
)
from mlequations.demos._pydoc_corpus import load_pydoc_corpus, unigram_entropy

__all__ = ["FULL_CONFIG", "PROMPTS", "QUICK_CONFIG", "SAMPLE_SEPARATOR", "TARGET_LOSS", "run"]

#: The demo's model and schedule.
FULL_CONFIG = CharTrainingConfig(
    context_length=64,
    d_model=128,
    nhead=4,
    num_layers=2,
    dim_feedforward=512,
    batch_size=32,
    steps=1200,
    learning_rate=2e-3,
    warmup_steps=100,
    eval_interval=100,
    eval_windows=200,
)
#: A tiny model and a short run for the tests (seconds, not minutes).
QUICK_CONFIG = CharTrainingConfig(
    context_length=32,
    d_model=32,
    nhead=2,
    num_layers=1,
    dim_feedforward=64,
    batch_size=16,
    steps=300,
    learning_rate=1e-2,
    warmup_steps=10,
    eval_interval=100,
    eval_windows=64,
)
#: The validation loss (nats per character) the full run must reach.
TARGET_LOSS = 1.8
PROMPTS = ("The ", "def ", "If the ")
#: The line between two samples in the samples file.
SAMPLE_SEPARATOR = "\n\n" + "=" * 40 + "\n\n"


def _plot(figure: Figure, run: CharRun, config: CharTrainingConfig, entropy: float) -> None:
    losses, clock = figure.subplots(1, 2, width_ratios=(2, 1))
    history = run.history
    steps = np.arange(1, len(history.step_loss) + 1)
    ends = np.minimum(np.arange(1, len(history.val_loss) + 1) * config.eval_interval, steps[-1])
    middles = ends - np.diff(np.r_[0, ends]) / 2  # an interval's mean loss belongs to its middle
    losses.plot(steps, history.step_loss, color="tab:blue", alpha=0.25, lw=0.6)
    losses.plot(middles, history.train_loss, "o-", color="tab:blue", ms=3, label="training")
    losses.plot(ends, history.val_loss, "s-", color="tab:orange", ms=3, label="validation")
    for axes in (losses, clock):
        axes.axhline(entropy, color="0.5", ls="--", lw=1, label=f"unigram entropy {entropy:.2f}")
        axes.axhline(TARGET_LOSS, color="tab:green", ls=":", lw=1, label=f"target {TARGET_LOSS}")
        axes.set(ylabel="cross entropy (nats / character)", ylim=(0.8, 4.8))
    losses.set(xlabel="update", title="Loss of the next character")
    losses.legend(fontsize=8)
    minutes = np.asarray(run.times) / 60.0
    clock.plot(minutes, history.val_loss, "s-", color="tab:orange", ms=3, label="validation")
    clock.set(xlabel="training time (minutes)", title="Validation loss against the clock")
    clock.set_xlim(0, max(1.05 * minutes[-1], 1e-3))
    clock.legend(fontsize=8)


def _minutes_to(target: float, run: CharRun) -> float:
    """The training minutes until the first validation loss at or below ``target`` (else NaN)."""
    for loss, seconds in zip(run.history.val_loss, run.times, strict=True):
        if loss <= target:
            return seconds / 60.0
    return float("nan")


def run(
    out_dir: Path,
    quick: bool = False,
    verbose: int = 1,
    resume: bool = True,
    threads: int | None = 1,
) -> DemoResult:
    """Train (or resume, or reload) the model, plot its losses and sample from it.

    Parameters
    ----------
    out_dir : Path
        Receives the figure, the samples and the checkpoint.
    quick : bool, default False
        A tiny model for a few seconds (for the tests) instead of the full run.
    verbose : int, default 1
        A progress bar with the loss on a terminal; 0 is silent.
    resume : bool, default True
        Continue from the checkpoint in ``out_dir`` when there is one.
    threads : int or None, default 1
        The BLAS threads of NumPy while training (None: all). One is the
        robust choice on a shared machine: OpenBLAS's threads spin while they
        wait for each other, and with the two cores busy a step took 2 to 5
        times longer with two threads than with one.
    """
    config = QUICK_CONFIG if quick else FULL_CONFIG
    name = "char-transformer-quick" if quick else "char-transformer"
    corpus = load_pydoc_corpus()
    checkpoint = Path(out_dir) / f"{name}.npz"
    trained = train_char_transformer(
        corpus,
        config,
        checkpoint=checkpoint,
        resume=resume,
        threads=threads,
        verbose=verbose,
    )
    restored = load_char_transformer(checkpoint)
    reloaded_loss = evaluate_loss(restored, corpus.validation, config.eval_windows)
    full_loss = evaluate_loss(restored, corpus.validation)
    entropy = unigram_entropy(corpus.text)
    length = 80 if quick else 300
    samples = [
        prompt + restored.generate(prompt, length, temperature=0.8, random_state=k)
        for k, prompt in enumerate(PROMPTS)
    ]
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    _plot(figure, trained, config, entropy)
    figure.suptitle(
        f"Character transformer on Python's documentation: {config.num_layers} "
        f"block{'s' if config.num_layers != 1 else ''}, "
        f"d_model {config.d_model}, context {config.context_length}, {config.steps} updates"
    )
    figure_path, samples_path = Path(out_dir) / f"{name}.png", Path(out_dir) / f"{name}.txt"
    figure.savefig(figure_path, dpi=120)
    samples_path.write_text(SAMPLE_SEPARATOR.join(samples) + "\n", encoding="utf-8")
    values = {
        "val_loss": full_loss,
        "val_loss_during_training": float(trained.val_loss),
        "reloaded_val_loss": float(reloaded_loss),
        "train_loss": float(trained.history.train_loss[-1]),
        "unigram_entropy": entropy,
        "minutes": trained.seconds / 60.0,
        "minutes_to_target": _minutes_to(TARGET_LOSS, trained),
        "steps": float(trained.steps_done),
        "resumed_from_step": float(trained.resumed_from),
        "parameters": float(sum(p.size for p in restored.parameters())),
    }
    summary = (
        f"validation loss {full_loss:.3f} nats/char (unigram entropy {entropy:.2f}) after "
        f"{trained.steps_done} updates in {values['minutes']:.1f} min; below the target "
        f"{TARGET_LOSS} after {values['minutes_to_target']:.1f} min; checkpoint "
        f"{os.fspath(checkpoint)}"
    )
    details = [f"sample {k + 1}: {sample!r}" for k, sample in enumerate(samples)]
    return DemoResult((figure_path, samples_path), "\n".join([summary, *details]), values)
