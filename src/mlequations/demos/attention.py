"""Softmax attention: the guide's Q, K, V example, a sentence's weights, and their asymmetry.

1. The guide's example ``Q = [[1, 0], [0, 1]]``, ``K = [[1, 1], [1, 0]]``,
   ``V = [[0, 1], [1, 0]]``: the first query is equally close to both keys
   (weights 0.5, 0.5, output [0.5, 0.5]); the second prefers the first key by
   :math:`e^{1/\\sqrt{2}} : 1` (weights 0.6698, 0.3302, output [0.3302, 0.6698]).
   (The guide prints no output for it; these are the values.)
2. A short sentence with hand-made toy embeddings (article, noun, animal, verb,
   preposition, place features, plus a small sinusoidal position code) and
   seeded random query and key projections: the attention weights as a heat map.
3. Attention is not symmetric: how much word i attends to word j differs from
   how much j attends to i, for two reasons. The scores :math:`q_i \\cdot k_j`
   differ from :math:`q_j \\cdot k_i` because queries and keys are different
   projections, and even symmetric scores (``W_Q = W_K``) give asymmetric
   weights, since each row is normalised by its own softmax denominator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from mlequations.attention import attention_weights, scaled_dot_product_attention
from mlequations.demos import DemoResult

GUIDE_Q = np.array([[1.0, 0.0], [0.0, 1.0]])
GUIDE_K = np.array([[1.0, 1.0], [1.0, 0.0]])
GUIDE_V = np.array([[0.0, 1.0], [1.0, 0.0]])

SENTENCE = ("the", "cat", "sat", "on", "the", "mat")
FEATURES = ("article", "noun", "animal", "verb", "preposition", "place")
#: The spread of the random query and key projections (larger: sharper attention).
PROJECTION_SCALE = 1.0
#: Toy word vectors: one row per word, one column per feature above.
VOCABULARY = {
    "the": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    "cat": [0.0, 1.0, 1.0, 0.0, 0.0, 0.0],
    "sat": [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    "on": [0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    "mat": [0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
}


def sentence_embeddings(words: tuple[str, ...] = SENTENCE, position_scale: float = 0.3) -> Any:
    """Toy embeddings plus a sinusoidal position code (so the two "the" differ)."""
    embeddings = np.array([VOCABULARY[w] for w in words])
    positions = np.arange(len(words))[:, None]
    frequencies = 1.0 / 10000 ** (np.arange(0, embeddings.shape[1], 2) / embeddings.shape[1])
    code = np.zeros_like(embeddings)
    code[:, 0::2] = np.sin(positions * frequencies)
    code[:, 1::2] = np.cos(positions * frequencies)
    return embeddings + position_scale * code


def asymmetry(matrix: np.ndarray) -> float:
    """The figure of merit max |A - Aᵀ| (0 exactly for a symmetric matrix)."""
    return float(np.max(np.abs(matrix - matrix.T)))


def _heat_map(axes: Any, weights: np.ndarray, labels: tuple[str, ...], title: str, **kw: Any):
    image = axes.imshow(weights, **kw)
    axes.set_xticks(range(len(labels)), labels, rotation=45)
    axes.set_yticks(range(len(labels)), labels)
    axes.set(title=title, xlabel="key (attended to)", ylabel="query (attending)")
    dark = 0.6 * np.max(np.abs(weights))
    for (i, j), w in np.ndenumerate(weights):
        color = "white" if abs(w) > dark else "black"
        axes.text(j, i, f"{w:.2f}", ha="center", va="center", fontsize=8, color=color)
    return image


def run(out_dir: Path, random_state: int = 0) -> DemoResult:
    output, weights = scaled_dot_product_attention(GUIDE_Q, GUIDE_K, GUIDE_V, return_weights=True)
    x = sentence_embeddings()
    rng = np.random.default_rng(random_state)
    d = x.shape[1]
    w_q, w_k = (rng.normal(0.0, PROJECTION_SCALE, (d, d)) for _ in range(2))
    queries, keys = x @ w_q.T, x @ w_k.T
    sentence = attention_weights(queries, keys)
    scores = queries @ keys.T / np.sqrt(d)
    tied = attention_weights(queries, queries)  # W_K = W_Q: symmetric scores
    tied_scores = queries @ queries.T / np.sqrt(d)
    i, j = np.unravel_index(np.argmax(np.abs(sentence - sentence.T)), sentence.shape)

    figure = Figure(figsize=(13, 4.6), layout="constrained")
    guide_axes, sentence_axes, difference_axes = figure.subplots(1, 3)
    _heat_map(guide_axes, weights, ("k1", "k2"), "Guide's example: weights", cmap="Blues")
    guide_axes.set_yticks(range(2), ("q1", "q2"))
    image = _heat_map(sentence_axes, sentence, SENTENCE, "Toy sentence: weights A", cmap="Blues")
    figure.colorbar(image, ax=sentence_axes, shrink=0.8)
    limit = asymmetry(sentence)
    image = _heat_map(
        difference_axes, sentence - sentence.T, SENTENCE, "A − Aᵀ (attention is not symmetric)",
        cmap="RdBu_r", vmin=-limit, vmax=limit,
    )  # fmt: skip
    figure.colorbar(image, ax=difference_axes, shrink=0.8)
    path = out_dir / "attention.png"
    figure.savefig(path, dpi=120)

    values = {
        "guide_weight_q2_k1": float(weights[1, 0]),
        "guide_output_q2_0": float(output[1, 0]),
        "guide_output_q2_1": float(output[1, 1]),
        "guide_weight_asymmetry": asymmetry(weights),
        "sentence_weight_asymmetry": limit,
        "sentence_score_asymmetry": asymmetry(scores),
        "tied_score_asymmetry": asymmetry(tied_scores),
        "tied_weight_asymmetry": asymmetry(tied),
        "max_row_sum_error": float(np.max(np.abs(sentence.sum(axis=1) - 1.0))),
    }
    summary = (
        f"guide: q2 weights [{weights[1, 0]:.4f}, {weights[1, 1]:.4f}], output "
        f"[{output[1, 0]:.4f}, {output[1, 1]:.4f}]; sentence: max |A − Aᵀ| = {limit:.3f} "
        f"('{SENTENCE[i]}'→'{SENTENCE[j]}' {sentence[i, j]:.2f}, '{SENTENCE[j]}'→'{SENTENCE[i]}' "
        f"{sentence[j, i]:.2f}); with W_Q = W_K the scores are symmetric but the weights still "
        f"differ by {values['tied_weight_asymmetry']:.3f}"
    )
    return DemoResult((path,), summary, values)
