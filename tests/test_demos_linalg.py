"""The linear-algebra demos: unit balls, a matrix acting on the circle, SVD compression and PCA."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlequations.demos import run_demo
from mlequations.demos.svd_low_rank import COVARIANCE


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("linalg-demos")
    return {name: run_demo(name, folder) for name in ("norms", "linear-map", "svd-low-rank")}


def test_each_demo_writes_its_figure(results):
    for name, result in results.items():
        (path,) = result.files
        assert path.name == f"{name}.png"
        assert path.read_bytes().startswith(b"\x89PNG")


def test_unit_ball_areas_and_norm_inequalities(results):
    values = results["norms"].values
    assert values["area_1"] == pytest.approx(2.0, rel=5e-3)
    assert values["area_2"] == pytest.approx(math.pi, rel=5e-3)
    assert values["area_inf"] == pytest.approx(4.0, rel=5e-3)
    # ‖x‖∞ ≤ ‖x‖₂ ≤ ‖x‖₁ ≤ √n ‖x‖₂ and ‖x‖₂ ≤ √n ‖x‖∞, n = 10.
    assert 1.0 <= values["min_l1_over_l2"] <= values["max_l1_over_l2"] <= math.sqrt(10)
    assert 1.0 <= values["min_l2_over_inf"] <= values["max_l2_over_inf"] <= math.sqrt(10)
    assert values["max_abs_cosine"] <= 1.0
    assert values["min_cauchy_schwarz_gap"] >= 0.0
    assert values["max_normalized_length_error"] < 1e-15


def test_the_circle_is_stretched_by_the_singular_values(results):
    values = results["linear-map"].values
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    sigma = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose([values["sigma_1"], values["sigma_2"]], sigma, rtol=1e-14)
    assert values["sigma_1"] == pytest.approx((5 + math.sqrt(5)) / 2, rel=1e-14)
    # The circle is sampled every 0.1°, so the extremes are reached to about 1e-6.
    assert values["max_stretch"] == pytest.approx(sigma[0], rel=1e-6)
    assert values["min_stretch"] == pytest.approx(sigma[1], rel=1e-6)
    assert [values["guide_y1"], values["guide_y2"]] == [4.0, 8.0]
    assert values["row_inner_products_y2"] == 8.0
    eigenvalues = sorted(np.linalg.eigvals([[4.0, 2.0], [1.0, 3.0]]).real, reverse=True)
    np.testing.assert_allclose([values["eigenvalue_1"], values["eigenvalue_2"]], eigenvalues)
    assert values["eigen_residual"] < 1e-14
    # v1 = [2, 1]/√5 and v2 = [1, -1]/√2: |cos| = 1/√10, not perpendicular.
    assert values["eigenvector_cosine"] == pytest.approx(1 / math.sqrt(10), rel=1e-12)


def test_low_rank_errors_follow_eckart_young_and_pca_matches_the_covariance(results):
    values = results["svd-low-rank"].values
    assert values["eckart_young_max_relative_error"] < 1e-12
    assert values["max_difference_to_truncated_svd"] < 1e-10
    assert 0.9 < values["energy_rank_20"] < 1.0
    assert values["relative_error_rank_20"] == pytest.approx(
        math.sqrt(1 - values["energy_rank_20"]), rel=1e-10
    )
    assert values["pca_variance_1"] == pytest.approx(values["covariance_eigenvalue_1"], rel=1e-10)
    assert values["pca_variance_2"] == pytest.approx(values["covariance_eigenvalue_2"], rel=1e-10)
    true_eigenvalues = np.linalg.eigvalsh(COVARIANCE)[::-1]
    # 500 samples: the sample eigenvalues are within ~15% of the true ones.
    assert values["pca_variance_1"] == pytest.approx(true_eigenvalues[0], rel=0.15)
    assert values["pca_ratio_1"] == pytest.approx(
        values["pca_variance_1"] / (values["pca_variance_1"] + values["pca_variance_2"]), rel=1e-12
    )
