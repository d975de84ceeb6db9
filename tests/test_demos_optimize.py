"""The SGD-schedules demo: a constant rate jitters; decay and growing batches settle."""

from __future__ import annotations

import pytest

from mlequations.demos import run_demo
from mlequations.demos.sgd_schedules import N_EPOCHS, N_SAMPLES, RATE


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    result = run_demo("sgd-schedules", tmp_path_factory.mktemp("sgd"))
    assert result.files[0].read_bytes().startswith(b"\x89PNG")
    return result.values


def test_decay_and_growing_batches_settle_where_a_constant_rate_jitters(values):
    assert values["decaying_tail_mean_distance"] < values["constant_tail_mean_distance"] / 4
    assert values["final_distance_growing_batch"] < values["constant_tail_mean_distance"] / 4
    assert values["constant_tail_mean_distance"] > 0.02  # the noise floor of a constant rate


def test_step_counts_and_rates(values):
    assert values["n_steps_constant"] == N_EPOCHS * N_SAMPLES
    # Batches 2, 4, ..., 128 (epochs 1-7), then 200: ceil(200 / b) steps per epoch.
    expected = sum(-(-N_SAMPLES // min(2**epoch, N_SAMPLES)) for epoch in range(1, N_EPOCHS + 1))
    assert values["n_steps_growing_batch"] == expected
    last_step = N_EPOCHS * N_SAMPLES
    assert values["last_rate_decaying"] == pytest.approx(RATE / (1 + 0.02 * last_step) ** 0.75)
    assert values["robbins_monro_constant"] == 0.0
    assert values["robbins_monro_decaying"] == values["robbins_monro_inverse_power_0.75"] == 1.0
