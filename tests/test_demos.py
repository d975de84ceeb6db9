"""The demos run offline, write real PNG figures and measure what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations.demos import DEMOS, SLOW_DEMOS, run_demo
from mlequations.demos.learning_rate import CURVATURES, START, STEP_SIZES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demos")
    # the slow demos run at a small size in their own tests
    return {name: run_demo(name, folder) for name in DEMOS if name not in SLOW_DEMOS}


def test_every_demo_writes_a_png(results):
    for name, result in results.items():
        figures = [path for path in result.files if path.suffix == ".png"]
        assert figures, name
        for path in figures:
            data = path.read_bytes()
            assert data.startswith(PNG_SIGNATURE), path
            assert len(data) > 10_000, path
        for path in result.files:
            assert path.is_file(), path
            assert path.stat().st_size > 0, path


def test_learning_rate_demo_matches_the_closed_form(results):
    values = results["learning-rate"].values
    # Gradient descent on ½ Σ h θ² multiplies θ by (1 − γ h) per step: closed form after 40 steps.
    for label, step in STEP_SIZES.items():
        theta = START * (1 - step * CURVATURES) ** 40
        expected = 0.5 * np.sum(CURVATURES * theta**2)
        np.testing.assert_allclose(values[label], expected, rtol=1e-10)
    initial = 0.5 * np.sum(CURVATURES * START**2)
    small, good, large = values.values()
    assert good < small < initial < large


def test_entropy_coin_peaks_at_one_bit_for_a_fair_coin(results):
    values = results["entropy-coin"].values
    assert values["peak_p"] == 0.5
    assert values["max_entropy_bits"] == pytest.approx(1.0, abs=1e-12)


def test_mutual_information_sees_what_correlation_misses(results):
    values = results["mi-vs-correlation"].values
    assert abs(values["correlation"]) < 0.05
    assert values["mutual_information"] > 1.0
    assert values["mutual_information_independent"] < 0.05


def test_unknown_demo_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"name must be one of .* got 'nope'"):
        run_demo("nope", tmp_path)
