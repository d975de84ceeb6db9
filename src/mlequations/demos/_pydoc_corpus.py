r"""The text of Python's documentation topics as a character corpus, with a held-out split.

CPython ships the help texts of ``help("topics")`` as the dictionary
:data:`pydoc_data.topics.topics`; joined in sorted-key order they make about
465 000 characters (on Python 3.11) of English prose and code, with about a
hundred distinct characters, so no download is needed. The last tenth is
held out for validation: a contiguous block, so no sentence is split between
training and validation.

A minibatch is ``batch`` windows of ``length + 1`` consecutive characters at
uniformly random offsets of the training part: the first ``length`` are the
inputs and the last ``length`` (shifted by one) the targets. The validation
loss is the mean over all positions of non-overlapping windows covering the
held-out part.

The unigram entropy :math:`H = -\sum_c p_c \log p_c` of the character
frequencies (3.25 nats per character) is the loss of the best model that
ignores context: a model that beats it has learned something from the
preceding characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mlequations._checks import check_integer
from mlequations.information import entropy
from mlequations.nn import CharVocabulary

__all__ = [
    "VALIDATION_FRACTION",
    "CharCorpus",
    "load_pydoc_corpus",
    "load_pydoc_text",
    "random_windows",
    "unigram_entropy",
    "validation_windows",
]

#: The fraction of the text (its end) held out for validation.
VALIDATION_FRACTION = 0.1


def load_pydoc_text() -> str:
    """The values of :data:`pydoc_data.topics.topics` joined in sorted-key order."""
    from pydoc_data.topics import topics

    return "".join(topics[key] for key in sorted(topics))


def unigram_entropy(text: str) -> float:
    """The entropy in nats of the character frequencies of ``text``."""
    _, counts = np.unique(
        np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), return_counts=True
    )
    return float(entropy(counts / counts.sum()))


@dataclass(frozen=True)
class CharCorpus:
    """A text, its vocabulary and its tokens split into a training and a validation part."""

    text: str
    vocabulary: CharVocabulary
    train: np.ndarray
    validation: np.ndarray


def load_pydoc_corpus(validation_fraction: float = VALIDATION_FRACTION) -> CharCorpus:
    """The documentation text encoded, the last ``validation_fraction`` held out."""
    text = load_pydoc_text()
    vocabulary = CharVocabulary.from_text(text)
    tokens = vocabulary.encode(text)
    split = round(len(tokens) * (1.0 - validation_fraction))
    return CharCorpus(text, vocabulary, tokens[:split], tokens[split:])


def random_windows(
    tokens: np.ndarray, batch: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` random windows: inputs and next-character targets, each (batch, length).

    Examples
    --------
    >>> inputs, targets = random_windows(np.arange(100), 2, 5, np.random.default_rng(0))
    >>> bool((targets == inputs + 1).all()), inputs.shape
    (True, (2, 5))
    """
    batch, length = check_integer(batch, "batch", 1), check_integer(length, "length", 1)
    starts = rng.integers(0, len(tokens) - length, size=batch)
    windows = tokens[starts[:, None] + np.arange(length + 1)]
    return windows[:, :-1], windows[:, 1:]


def validation_windows(
    tokens: np.ndarray, length: int, count: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows over ``tokens`` (the first ``count`` of them, evenly spread).

    Examples
    --------
    >>> inputs, targets = validation_windows(np.arange(11), 3)
    >>> inputs.tolist(), targets[:, -1].tolist()
    ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [3, 6, 9])
    """
    length = check_integer(length, "length", 1)
    starts = np.arange(0, len(tokens) - length, length)
    if count is not None and check_integer(count, "count", 1) < len(starts):
        starts = starts[np.linspace(0, len(starts) - 1, count).round().astype(int)]
    windows = tokens[starts[:, None] + np.arange(length + 1)]
    return windows[:, :-1], windows[:, 1:]


def describe(corpus: CharCorpus) -> dict[str, Any]:
    """The corpus's size, vocabulary size, split and unigram entropy."""
    return {
        "characters": len(corpus.text),
        "vocabulary": len(corpus.vocabulary),
        "train_characters": len(corpus.train),
        "validation_characters": len(corpus.validation),
        "unigram_entropy": unigram_entropy(corpus.text),
    }
