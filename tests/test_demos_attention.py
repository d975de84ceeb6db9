"""The attention demo reproduces the guide's example and shows that attention is not symmetric."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations.demos import run_demo
from mlequations.demos.attention import sentence_embeddings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_demo("attention", tmp_path_factory.mktemp("attention"))


def test_writes_the_heat_maps(result) -> None:
    (path,) = result.files
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000


def test_guide_example_values(result) -> None:
    """Second query: softmax(1/√2, 0) = (σ(1/√2), 1 − σ(1/√2)) on V's rows (0, 1) and (1, 0)."""
    p = 1 / (1 + np.exp(-1 / np.sqrt(2)))
    values = result.values
    assert values["guide_weight_q2_k1"] == pytest.approx(p, abs=1e-15)
    assert values["guide_output_q2_0"] == pytest.approx(1 - p, abs=1e-15)
    assert values["guide_output_q2_1"] == pytest.approx(p, abs=1e-15)
    assert values["guide_weight_asymmetry"] == pytest.approx(p - 0.5, abs=1e-15)


def test_attention_is_not_symmetric(result) -> None:
    values = result.values
    assert values["sentence_score_asymmetry"] > 1.0  # q_i·k_j ≠ q_j·k_i
    assert values["sentence_weight_asymmetry"] > 0.3  # A ≠ Aᵀ
    assert values["tied_score_asymmetry"] == 0.0  # W_Q = W_K: symmetric scores ...
    assert values["tied_weight_asymmetry"] > 0.05  # ... yet rows normalise differently
    assert values["max_row_sum_error"] < 1e-12
    assert "max |A − Aᵀ|" in result.summary


def test_position_code_tells_repeated_words_apart() -> None:
    x = sentence_embeddings()
    assert x.shape == (6, 6)
    assert not np.allclose(x[0], x[4])  # the two "the"
