"""The char-transformer demo: its corpus, a quick training run, checkpoints and exact resuming."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ValidationError
from mlequations.demos import DEMOS, run_demo
from mlequations.demos import char_transformer as demo
from mlequations.demos._char_training import (
    CharTrainingConfig,
    evaluate_loss,
    load_char_transformer,
    train_char_transformer,
)
from mlequations.demos._pydoc_corpus import (
    load_pydoc_corpus,
    load_pydoc_text,
    random_windows,
    unigram_entropy,
    validation_windows,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: A model and run smaller still than the demo's quick one, for the resume test.
TINY = CharTrainingConfig(
    context_length=16,
    d_model=16,
    nhead=2,
    num_layers=1,
    dim_feedforward=32,
    batch_size=8,
    steps=40,
    learning_rate=1e-2,
    warmup_steps=5,
    eval_interval=10,
    eval_windows=16,
)


@pytest.fixture(scope="module")
def corpus():
    return load_pydoc_corpus()


@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    return demo.run(tmp_path_factory.mktemp("char"), quick=True, verbose=0)


def test_corpus_is_the_documentation_topics_with_the_stated_size_and_entropy(corpus):
    from pydoc_data.topics import topics

    text = load_pydoc_text()
    assert text == "".join(topics[key] for key in sorted(topics)) == corpus.text
    assert round(len(text), -3) == 465_000
    # The unigram entropy against a count by collections.Counter and a direct sum.
    counts = np.array(list(Counter(text).values()), dtype=float)
    p = counts / counts.sum()
    assert unigram_entropy(text) == pytest.approx(-(p * np.log(p)).sum(), rel=1e-12)
    assert round(unigram_entropy(text), 2) == 3.25
    assert len(corpus.vocabulary) == len(counts)
    # The last tenth is held out, contiguous, and the two parts make the whole text.
    assert len(corpus.validation) == pytest.approx(0.1 * len(text), abs=1)
    joined = corpus.vocabulary.decode(np.concatenate([corpus.train, corpus.validation]))
    assert joined == text


def test_windows_are_next_character_pairs(corpus):
    rng = np.random.default_rng(0)
    inputs, targets = random_windows(corpus.train, 64, 20, rng)
    assert inputs.shape == targets.shape == (64, 20)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])
    text = corpus.vocabulary.decode(corpus.train)
    for row in range(3):
        window = corpus.vocabulary.decode(np.r_[inputs[row], targets[row, -1]])
        assert window in text
    inputs, targets = validation_windows(corpus.validation, 50)
    assert len(inputs) == (len(corpus.validation) - 1) // 50
    np.testing.assert_array_equal(inputs.ravel(), corpus.validation[: inputs.size])
    np.testing.assert_array_equal(targets.ravel(), corpus.validation[1 : inputs.size + 1])
    assert len(validation_windows(corpus.validation, 50, count=7)[0]) == 7


def test_quick_demo_learns_far_below_the_unigram_entropy(quick_result):
    values = quick_result.values
    assert values["unigram_entropy"] == pytest.approx(3.25, abs=0.005)
    assert values["val_loss"] < values["unigram_entropy"] - 0.75  # 2.33 nats measured
    # The model reloaded from the checkpoint scores exactly what the training measured.
    assert values["reloaded_val_loss"] == values["val_loss_during_training"]
    assert values["val_loss_during_training"] == pytest.approx(values["val_loss"], abs=0.1)
    assert values["steps"] == demo.QUICK_CONFIG.steps
    assert values["resumed_from_step"] == 0
    figure, samples = quick_result.files
    assert figure.read_bytes().startswith(PNG_SIGNATURE)
    assert figure.stat().st_size > 20_000
    text = samples.read_text(encoding="utf-8")
    vocabulary = load_pydoc_corpus().vocabulary
    for prompt, sample in zip(
        demo.PROMPTS, text.rstrip("\n").split(demo.SAMPLE_SEPARATOR), strict=True
    ):
        assert sample.startswith(prompt)
    assert set(text) <= set(vocabulary.characters)
    assert "validation loss" in quick_result.summary
    assert "sample 1" in quick_result.summary


def test_demo_is_registered():
    assert DEMOS["char-transformer"] == "mlequations.demos.char_transformer:run"
    assert callable(run_demo)


def test_resumed_run_equals_an_uninterrupted_one(corpus, tmp_path):
    whole = train_char_transformer(corpus, TINY, checkpoint=tmp_path / "whole.npz", verbose=0)
    path = tmp_path / "parts.npz"
    first = train_char_transformer(corpus, TINY, checkpoint=path, stop_after=2, verbose=0)
    assert first.steps_done == 20
    assert len(first.history.val_loss) == 2
    nn.manual_seed(123)  # whatever happened in between must not matter
    second = train_char_transformer(corpus, TINY, checkpoint=path, resume=True, verbose=0)
    assert second.resumed_from == 20
    assert second.steps_done == TINY.steps
    assert second.history.step_loss == whole.history.step_loss
    assert second.history.val_loss == whole.history.val_loss
    resumed_state = second.model.state_dict()
    for name, value in whole.model.state_dict().items():
        np.testing.assert_array_equal(resumed_state[name], value, err_msg=name)
    # Resuming a finished run does nothing more; the saved model gives the same loss.
    again = train_char_transformer(corpus, TINY, checkpoint=path, resume=True, verbose=0)
    assert again.steps_done == TINY.steps
    assert again.history == second.history
    restored = load_char_transformer(path)
    loss = evaluate_loss(restored, corpus.validation, TINY.eval_windows)
    assert loss == second.history.val_loss[-1]
    assert not restored.training


def test_resuming_with_other_settings_is_refused(corpus, tmp_path):
    path = tmp_path / "run.npz"
    train_char_transformer(corpus, TINY, checkpoint=path, stop_after=1, verbose=0)
    other = dataclasses.replace(TINY, learning_rate=5e-3)
    with pytest.raises(ValidationError, match=r"other settings \(\['learning_rate'\]\)"):
        train_char_transformer(corpus, other, checkpoint=path, resume=True, verbose=0)
    with pytest.raises(ValidationError, match="resume=True needs checkpoint"):
        train_char_transformer(corpus, TINY, resume=True, verbose=0)


def test_learning_rate_warms_up_then_decays_by_a_cosine():
    config = CharTrainingConfig(steps=1100, warmup_steps=100, min_lr_fraction=0.1)
    factors = [config.learning_rate_factor(i) for i in range(config.steps)]
    assert factors[0] == pytest.approx(0.01)
    assert factors[99] == pytest.approx(1.0)
    assert factors[600] == pytest.approx(0.55)
    assert factors[-1] == pytest.approx(0.1, abs=1e-4)
    assert all(b <= a for a, b in itertools.pairwise(factors[99:]))
