"""The KL-divergence demo: cross-entropy = entropy + KL, the asymmetry, the Gaussian closed form."""

from __future__ import annotations

import math

import pytest
from scipy import integrate, stats

from mlequations.demos import run_demo


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    result = run_demo("kl-divergence", tmp_path_factory.mktemp("kl"))
    assert result.files[0].read_bytes().startswith(b"\x89PNG")
    return result.values


def test_cross_entropy_is_entropy_plus_kl(values):
    assert values["max_decomposition_error"] < 1e-14
    assert values["argmin_kl"] == pytest.approx(0.7, abs=1e-12)
    assert values["min_kl"] < 1e-15
    assert values["min_cross_entropy"] == pytest.approx(stats.entropy([0.7, 0.3]), rel=1e-12)
    assert values["entropy_p"] == pytest.approx(stats.entropy([0.7, 0.3]), rel=1e-14)


def test_kl_is_not_symmetric(values):
    assert values["kl_forward_at_half"] == pytest.approx(
        stats.entropy([0.7, 0.3], [0.5, 0.5]), rel=1e-12
    )
    assert values["kl_backward_at_half"] == pytest.approx(
        stats.entropy([0.5, 0.5], [0.7, 0.3]), rel=1e-12
    )
    assert values["kl_backward_at_half"] - values["kl_forward_at_half"] > 1e-3


def test_gaussian_kl_closed_form_and_integral(values):
    p, q = stats.norm(1.0, math.sqrt(0.5)), stats.norm(0.0, 1.0)
    reference, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -30, 30)
    assert values["gaussian_kl_closed_form"] == pytest.approx(reference, rel=1e-10)
    assert values["gaussian_kl_numerical"] == pytest.approx(reference, rel=1e-10)
