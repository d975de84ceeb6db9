"""Cholesky with jitter retry and the solves built on it, against NumPy and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from numpy.testing import assert_allclose

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.cholesky import (
    NotPositiveDefiniteError,
    cholesky_inverse,
    cholesky_log_det,
    cholesky_solve,
    cholesky_with_jitter,
    triangular_solve,
)


def spd_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    A = rng.normal(size=(n, n))
    return A @ A.T + n * np.eye(n)


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_factor_of_positive_definite_matrix_needs_no_jitter(rng, n):
    K = spd_matrix(rng, n)
    L, jitter = cholesky_with_jitter(K)
    assert jitter == 0.0
    assert_allclose(L, np.linalg.cholesky(K), rtol=1e-12, atol=1e-12)
    assert np.all(np.triu(L, 1) == 0.0)


def test_singular_matrix_gets_the_smallest_working_jitter(rng):
    # rank 3 in dimension 6: positive semi-definite, not definite
    B = rng.normal(size=(6, 3))
    K = B @ B.T
    L, jitter = cholesky_with_jitter(K)
    scale = np.mean(np.diag(K))
    assert jitter > 0.0
    steps = np.log10(jitter / (1e-10 * scale))
    assert abs(steps - round(steps)) < 1e-9  # one of eps0 * s * 10^k
    assert_allclose(L @ L.T, K + jitter * np.eye(6), rtol=1e-12, atol=1e-12 * scale)
    if round(steps) > 0:  # the jitter before it was too small
        with pytest.raises(np.linalg.LinAlgError):
            scipy.linalg.cholesky(K + jitter / 10 * np.eye(6), lower=True)


def test_near_duplicate_rows_factor_with_jitter():
    x = np.array([0.0, 1e-12, 1.0])
    K = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2)
    L, jitter = cholesky_with_jitter(K)
    assert np.all(np.isfinite(L))
    assert_allclose(L @ L.T, K + jitter * np.eye(3), atol=1e-12)


def test_pivot_of_rounding_noise_is_refused():
    # LAPACK factors this matrix, but its second pivot is sqrt(2u): rounding noise
    b = np.nextafter(1.0, 0.0)
    K = np.array([[1.0, b], [b, 1.0]])
    assert np.all(np.isfinite(scipy.linalg.cholesky(K, lower=True)))
    L, jitter = cholesky_with_jitter(K)
    assert jitter > 0.0
    assert L[1, 1] ** 2 > 2 * np.finfo(np.float64).eps


def test_indefinite_matrix_raises_a_linalg_and_value_error():
    K = np.array([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(NotPositiveDefiniteError, match="K must be positive definite"):
        cholesky_with_jitter(K)
    assert issubclass(NotPositiveDefiniteError, np.linalg.LinAlgError)
    assert issubclass(NotPositiveDefiniteError, ValueError)


def test_zero_matrix_uses_unit_scale():
    L, jitter = cholesky_with_jitter(np.zeros((3, 3)))
    assert jitter == pytest.approx(1e-10)
    assert_allclose(np.diag(L), np.full(3, np.sqrt(1e-10)))


def test_float32_stays_float32(rng):
    K = spd_matrix(rng, 5).astype(np.float32)
    L, _ = cholesky_with_jitter(K)
    assert L.dtype == np.float32
    assert_allclose(L @ L.T, K, rtol=1e-5, atol=1e-4)


def test_integer_matrix_is_converted():
    L, _jitter = cholesky_with_jitter(np.array([[4, 2], [2, 5]]))
    assert L.dtype == np.float64
    assert_allclose(L, [[2.0, 0.0], [1.0, 2.0]])


@pytest.mark.parametrize(
    ("K", "error", "message"),
    [
        (np.ones((2, 3)), ShapeError, "K must be square"),
        (np.ones(3), ShapeError, "K must be a 2-D matrix"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), NonFiniteError, "K must be finite"),
        (np.array([["a"]]), ArrayTypeError, "K must hold real numbers"),
    ],
)
def test_bad_matrices(K, error, message):
    with pytest.raises(error, match=message):
        cholesky_with_jitter(K)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"initial_jitter": 0.0}, ValidationError, "initial_jitter must be a positive"),
        ({"initial_jitter": "1"}, ArrayTypeError, "initial_jitter must be a real number"),
        ({"max_tries": -1}, ValidationError, "max_tries must be >= 0"),
        ({"max_tries": 1.5}, ArrayTypeError, "max_tries must be an integer"),
    ],
)
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        cholesky_with_jitter(np.eye(2), **kwargs)


def test_no_retry_when_max_tries_is_zero():
    with pytest.raises(NotPositiveDefiniteError):
        cholesky_with_jitter(np.ones((2, 2)), max_tries=0)


@pytest.mark.parametrize("shape", [(8,), (8, 3)])
def test_cholesky_solve_matches_numpy(rng, shape):
    K = spd_matrix(rng, 8)
    B = rng.normal(size=shape)
    L, _ = cholesky_with_jitter(K)
    assert_allclose(cholesky_solve(L, B), np.linalg.solve(K, B), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_matches_scipy(rng, transpose):
    L, _ = cholesky_with_jitter(spd_matrix(rng, 6))
    B = rng.normal(size=(6, 2))
    expected = scipy.linalg.solve_triangular(L, B, lower=True, trans=int(transpose))
    assert_allclose(triangular_solve(L, B, transpose=transpose), expected, rtol=1e-12)
    target = L.T @ expected if transpose else L @ expected
    assert_allclose(target, B, atol=1e-12)


def test_cholesky_inverse_matches_numpy_and_is_symmetric(rng):
    K = spd_matrix(rng, 9)
    L, _ = cholesky_with_jitter(K)
    inverse = cholesky_inverse(L)
    assert_allclose(inverse, np.linalg.inv(K), rtol=1e-10, atol=1e-13)
    assert np.array_equal(inverse, inverse.T)


def test_lower_triangle_of_the_inverse_contracts_like_the_inverse(rng):
    K = spd_matrix(rng, 9)
    S = rng.normal(size=(9, 9))
    S = S + S.T
    L, _ = cholesky_with_jitter(K)
    lower = cholesky_inverse(L, lower_only=True)
    assert np.all(np.triu(lower, 1) == 0.0)
    folded = 2.0 * lower - np.diag(np.diag(lower))
    assert_allclose(np.sum(folded * S), np.sum(np.linalg.inv(K) * S), rtol=1e-10)


def test_log_det_matches_slogdet(rng):
    K = spd_matrix(rng, 30) * 1e3  # det K overflows nothing here, but is huge
    L, _ = cholesky_with_jitter(K)
    sign, expected = np.linalg.slogdet(K)
    assert sign == 1.0
    assert cholesky_log_det(L) == pytest.approx(expected, rel=1e-12)


def test_log_det_where_the_determinant_underflows():
    K = 1e-3 * np.eye(200)  # det = 1e-600 is 0.0 in float64
    L, _ = cholesky_with_jitter(K)
    assert cholesky_log_det(L) == pytest.approx(200 * np.log(1e-3), rel=1e-12)
