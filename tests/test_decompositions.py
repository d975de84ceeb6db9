"""Layer 1 decompositions (eig, SVD, low rank, PCA): against NumPy, SciPy, scikit-learn, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ShapeError,
    ValidationError,
)
from mlequations.decompositions import (
    EigResult,
    PCAResult,
    SVDResult,
    eig,
    low_rank_approximation,
    pca,
    svd,
)
from support import finite

# LAPACK's balancing misbehaves on entries near 1e-150 (numpy.linalg.eig itself then fails
# A v = lambda v), so the eigen-solver properties draw entries on a grid of 0.001.
grid = st.integers(-10_000, 10_000).map(lambda k: k / 1000)


def matrices(min_side=1, max_side=5, square=False, elements=finite):
    if square:
        shapes = st.integers(min_side, max_side).map(lambda n: (n, n))
    else:
        shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=min_side, max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=elements)


def close_up_to_sign(ours, theirs, axis):
    """Rows (axis=1) or columns (axis=0) agree up to a sign each."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    signs = np.sign(np.sum(ours * theirs, axis=axis, keepdims=True))
    np.testing.assert_allclose(ours * signs, theirs, rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------- eigen-decomposition


def test_eig_guide_example():
    A = np.array([[4.0, 2.0], [1.0, 3.0]])
    result = eig(A)
    assert isinstance(result, EigResult)
    np.testing.assert_allclose(result.eigenvalues, [5.0, 2.0], rtol=1e-13)
    np.testing.assert_allclose(A @ result.eigenvectors, result.eigenvectors * [5.0, 2.0])
    np.testing.assert_allclose(np.linalg.norm(result.eigenvectors, axis=0), [1.0, 1.0])


def test_eig_symmetric_matches_scipy_eigh(rng):
    from scipy import linalg

    B = rng.normal(size=(5, 5))
    A = B + B.T
    values, vectors = eig(A)
    reference_values, reference_vectors = linalg.eigh(A)
    order = np.argsort(-np.abs(reference_values))
    np.testing.assert_allclose(values, reference_values[order], rtol=1e-12)
    close_up_to_sign(vectors, reference_vectors[:, order], axis=0)
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(5), atol=1e-12)  # orthonormal


def test_eig_general_matches_numpy_and_may_be_complex(rng):
    A = rng.normal(size=(4, 4))
    values, vectors = eig(A)
    reference = np.linalg.eigvals(A)
    np.testing.assert_allclose(np.sort_complex(values), np.sort_complex(reference), rtol=1e-10)
    assert np.all(np.diff(np.abs(values)) <= 1e-12)  # decreasing magnitude
    np.testing.assert_allclose(A @ vectors, vectors * values, atol=1e-10)
    rotation = eig([[0.0, -1.0], [1.0, 0.0]])
    np.testing.assert_allclose(np.sort_complex(rotation.eigenvalues), [-1j, 1j], atol=1e-15)


def test_eig_float32_batches_and_solver_choice(rng):
    B = rng.normal(size=(3, 4, 4))
    A = B + np.swapaxes(B, -1, -2)
    values, vectors = eig(A)
    assert values.shape == (3, 4)
    assert vectors.shape == (3, 4, 4)
    np.testing.assert_allclose(A @ vectors, vectors * values[:, None, :], atol=1e-10)
    single = eig(A.astype(np.float32))
    assert single.eigenvalues.dtype == np.float32
    np.testing.assert_allclose(single.eigenvalues, values, rtol=1e-4, atol=1e-4)
    # symmetric=False forces the general solver, which agrees on a symmetric matrix.
    np.testing.assert_allclose(eig(A[0], symmetric=False).eigenvalues, values[0], rtol=1e-10)


def test_eig_errors():
    with pytest.raises(ShapeError, match=r"A must be square, got shape \(2, 3\)"):
        eig(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"A must be a matrix \(\.\.\., m, n\)"):
        eig([1.0, 2.0])
    with pytest.raises(NonFiniteError, match="A must be finite, got NaN"):
        eig([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(EmptyInputError, match="A must not be empty"):
        eig(np.zeros((0, 0)))


@given(matrices(square=True, elements=grid))
def test_eig_reconstructs_general_matrices(A):
    values, vectors = eig(A)
    scale = max(1.0, float(np.abs(A).max()))
    # A v = lambda v holds for every pair the solver returns (defective matrices included).
    np.testing.assert_allclose(A @ vectors, vectors * values, atol=1e-6 * scale)


@given(matrices(square=True, elements=grid))
def test_eig_reconstructs_symmetric_matrices(B):
    A = B + B.T
    values, vectors = eig(A)
    scale = max(1.0, float(np.abs(A).max()))
    np.testing.assert_allclose(vectors @ np.diag(values) @ vectors.T, A, atol=1e-10 * scale)


# --------------------------------------------------------------------------- SVD


def test_svd_guide_example():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    U, S, Vt = result = svd(A)
    assert isinstance(result, SVDResult)
    np.testing.assert_allclose(S, np.linalg.svdvals(A), rtol=1e-13)
    np.testing.assert_allclose(S, [9.52551809, 0.51430058], rtol=1e-8)
    np.testing.assert_allclose(U @ np.diag(S) @ Vt, A, atol=1e-13)
    full = svd(A, full_matrices=True)
    assert full.U.shape == (3, 3)
    assert full.Vt.shape == (2, 2)
    np.testing.assert_allclose(full.U.T @ full.U, np.eye(3), atol=1e-13)


def test_svd_matches_scipy_and_keeps_float32(rng):
    from scipy import linalg

    A = rng.normal(size=(2, 6, 4))
    U, S, Vt = svd(A)
    for i in range(2):
        reference_U, reference_S, reference_Vt = linalg.svd(A[i], full_matrices=False)
        np.testing.assert_allclose(S[i], reference_S, rtol=1e-12)
        close_up_to_sign(Vt[i], reference_Vt, axis=1)
        close_up_to_sign(U[i], reference_U, axis=0)
    assert svd(A.astype(np.float32)).S.dtype == np.float32


def test_svd_errors():
    with pytest.raises(ShapeError, match="A must be a matrix"):
        svd([1.0, 2.0])
    with pytest.raises(NonFiniteError, match="A must be finite, got infinity"):
        svd([[1.0, np.inf]])
    with pytest.raises(EmptyInputError, match="A must not be empty"):
        svd(np.zeros((0, 2)))


@given(matrices())
def test_svd_reconstructs(A):
    U, S, Vt = svd(A)
    scale = max(1.0, float(np.abs(A).max()))
    np.testing.assert_allclose((U * S) @ Vt, A, atol=1e-12 * scale)
    assert np.all(np.diff(S) <= 0)
    assert np.all(S >= 0)


# --------------------------------------------------------------------------- low rank


def test_low_rank_approximation_examples(rng):
    np.testing.assert_allclose(low_rank_approximation([[2, 1], [1, 2]], 1), np.full((2, 2), 1.5))
    A = rng.normal(size=(5, 3))
    np.testing.assert_allclose(low_rank_approximation(A, 3), A, atol=1e-13)
    np.testing.assert_array_equal(low_rank_approximation(A, 0), np.zeros((5, 3)))
    assert np.linalg.matrix_rank(low_rank_approximation(A, 2)) == 2
    assert low_rank_approximation(A.astype(np.float32), 1).dtype == np.float32


def test_low_rank_beats_other_rank_k_matrices(rng):
    A = rng.normal(size=(6, 5))
    best = np.linalg.norm(A - low_rank_approximation(A, 2))
    for _ in range(20):
        other = rng.normal(size=(6, 2)) @ rng.normal(size=(2, 5))
        assert best <= np.linalg.norm(A - other)


@pytest.mark.parametrize(
    ("k", "error", "message"),
    [
        (3, ValidationError, r"k must lie in \[0, 2\], got 3"),
        (-1, ValidationError, r"k must lie in \[0, 2\], got -1"),
        (1.5, ArrayTypeError, "k must be an integer, got float"),
        (True, ArrayTypeError, "k must be an integer, got bool"),
    ],
)
def test_low_rank_errors(k, error, message):
    with pytest.raises(error, match=message):
        low_rank_approximation(np.ones((2, 3)), k)


@given(matrices(min_side=2), st.data())
def test_low_rank_error_is_the_dropped_singular_values(A, data):
    k = data.draw(st.integers(0, min(A.shape)))
    S = np.linalg.svd(A, compute_uv=False)
    error = np.linalg.norm(A - low_rank_approximation(A, k), "fro")
    scale = max(1.0, float(np.abs(A).max()))
    assert error == pytest.approx(np.sqrt(np.sum(S[k:] ** 2)), abs=1e-10 * scale)


# --------------------------------------------------------------------------- PCA


def test_pca_matches_scikit_learn(rng):
    from sklearn.decomposition import PCA

    X = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5)) + rng.normal(size=5)
    result = pca(X, n_components=3)
    assert isinstance(result, PCAResult)
    reference = PCA(n_components=3, svd_solver="full").fit(X)
    close_up_to_sign(result.components, reference.components_, axis=1)
    np.testing.assert_allclose(result.explained_variance, reference.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(
        result.explained_variance_ratio, reference.explained_variance_ratio_, rtol=1e-10
    )
    np.testing.assert_allclose(result.mean, reference.mean_, rtol=1e-12)
    signs = np.sign(np.sum(result.components * reference.components_, axis=1))
    np.testing.assert_allclose(result.scores * signs, reference.transform(X), atol=1e-10)
    # each component's largest entry is positive, like scikit-learn's sign convention
    strongest = np.abs(result.components).argmax(axis=1)
    assert np.all(result.components[np.arange(3), strongest] > 0)


def test_pca_hand_example_and_covariance_eigenvalues(rng):
    result = pca([[2, 0], [-2, 0], [0, 1], [0, -1]], n_components=2)
    np.testing.assert_allclose(result.explained_variance, [8 / 3, 2 / 3], rtol=1e-14)
    np.testing.assert_allclose(result.explained_variance_ratio, [0.8, 0.2], rtol=1e-14)
    np.testing.assert_allclose(np.abs(result.components), np.eye(2), atol=1e-15)
    X = rng.normal(size=(30, 4))
    covariance_eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(pca(X, 4).explained_variance, covariance_eigenvalues, rtol=1e-10)
    single = pca(X.astype(np.float32), 2)
    assert all(part.dtype == np.float32 for part in single)


@pytest.mark.parametrize(
    ("X", "n", "error", "message"),
    [
        ([[1.0, 2.0]], 1, ShapeError, r"X must have at least 2 samples \(rows\)"),
        ([1.0, 2.0], 1, ShapeError, "X must be a 2-D matrix"),
        ([[1.0, 2.0], [1.0, 2.0]], 1, ValidationError, "X must vary"),
        ([[1.0, 2.0], [3.0, 4.0]], 3, ValidationError, r"n_components must lie in \[1, 2\]"),
        ([[1.0, 2.0], [3.0, 4.0]], 0, ValidationError, r"n_components must lie in \[1, 2\]"),
        ([[1.0, np.nan], [3.0, 4.0]], 1, NonFiniteError, "X must be finite"),
    ],
)
def test_pca_errors(X, n, error, message):
    with pytest.raises(error, match=message):
        pca(X, n)


# --------------------------------------------------------------------------- array API backends


def test_every_function_on_every_backend(backend, rng):
    A = rng.normal(size=(4, 3))
    S = A.T @ A
    cases = [
        (lambda a: eig(a).eigenvalues, (S,)),
        (lambda a: eig(a, symmetric=False).eigenvalues, (S,)),
        (lambda a: svd(a).S, (A,)),
        (lambda a: low_rank_approximation(a, 2), (A,)),
        (lambda a: pca(a, 2).explained_variance_ratio, (A,)),
        (lambda a: pca(a, 2).mean, (A,)),
    ]
    for function, arguments in cases:
        ours = function(*(backend.asarray(a) for a in arguments))
        assert backend.is_native(ours)
        expected = function(*arguments)
        np.testing.assert_allclose(backend.to_numpy(ours), expected, rtol=1e-10)


def test_decompositions_reconstruct_on_every_backend(backend, rng):
    A = rng.normal(size=(4, 3))
    U, S, Vt = svd(backend.asarray(A))
    reconstructed = backend.to_numpy(U) * backend.to_numpy(S) @ backend.to_numpy(Vt)
    np.testing.assert_allclose(reconstructed, A, atol=1e-12)
    G = rng.normal(size=(3, 3))
    values, vectors = eig(backend.asarray(G))
    values, vectors = backend.to_numpy(values), backend.to_numpy(vectors)
    np.testing.assert_allclose(G @ vectors, vectors * values, atol=1e-10)


def test_pytorch_autograd_flows(torch, rng):
    from torch.autograd import gradcheck

    def double(values):
        return torch.tensor(values, dtype=torch.float64, requires_grad=True)

    A = double(rng.normal(size=(3, 4)))
    rng.normal(size=(2, 2, 4))  # test_linalg's x and y: the later draws stay the same numbers
    assert gradcheck(lambda a: svd(a).S, (A,))
    assert gradcheck(lambda a: low_rank_approximation(a, 2), (A,))
    assert gradcheck(lambda a: pca(a, 2).explained_variance, (double(rng.normal(size=(6, 3))),))
    B = rng.normal(size=(4, 4))
    assert gradcheck(lambda a: eig(a + a.T).eigenvalues, (double(B),))


@pytest.mark.parametrize("offset", [0.0, 10.0, 1e8])  # Gram form twice, then the fallback
def test_pca_of_tall_data_keeps_its_precision_far_from_the_origin(offset):
    """Tall data goes through the covariance; a large mean must not cancel the digits."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5]) + offset
    centred = X - X.mean(axis=0)
    singular_values = np.linalg.svd(centred, compute_uv=False)
    result = pca(X, n_components=4)
    np.testing.assert_allclose(result.explained_variance, singular_values**2 / 499, rtol=1e-9)
    np.testing.assert_allclose(
        np.abs(result.scores), np.abs(centred @ result.components.T), atol=1e-6
    )
