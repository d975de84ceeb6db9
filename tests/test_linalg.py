"""Layer 1 linear algebra: against NumPy, SciPy, scikit-learn and PyTorch, plus invariants."""

from __future__ import annotations

import math

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
from mlequations.linalg import (
    EigResult,
    PCAResult,
    SVDResult,
    eig,
    inner_product,
    linear_transform,
    low_rank_approximation,
    norm,
    normalize,
    pca,
    svd,
)

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
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


# --------------------------------------------------------------------------- linear transform


def test_linear_transform_guide_example():
    # The guide prints [4 7], but A x = [4, 7] and b = [0, 1] add up to [4, 8].
    A, x, b = np.array([[2, 1], [1, 3]]), np.array([1, 2]), np.array([0, 1])
    np.testing.assert_array_equal(linear_transform(A, x, b), A @ x + b)
    np.testing.assert_array_equal(linear_transform(A, x, b), [4.0, 8.0])


def test_linear_transform_single_and_batched(rng, torch):
    A, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    x = rng.normal(size=4)
    np.testing.assert_allclose(linear_transform(A, x, b), A @ x + b, rtol=1e-12)
    np.testing.assert_allclose(linear_transform(A, x), A @ x, rtol=1e-12)
    batch = rng.normal(size=(2, 5, 4))
    expected = torch.nn.functional.linear(
        torch.from_numpy(batch), torch.from_numpy(A), torch.from_numpy(b)
    ).numpy()
    np.testing.assert_allclose(linear_transform(A, batch, b), expected, rtol=1e-12)
    result = linear_transform(A.astype(np.float32), x.astype(np.float32), b.astype(np.float32))
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, A @ x + b, rtol=1e-5)


@pytest.mark.parametrize(
    ("A", "x", "b", "message"),
    [
        ([1.0, 2.0], [1.0], None, r"A must be a 2-D matrix, got shape \(2,\)"),
        ([[1.0, 2.0]], [1.0, 2.0, 3.0], None, r"x must have 2 entries along its last axis"),
        ([[1.0, 2.0]], 1.0, None, r"x must have 2 entries along its last axis, got shape \(\)"),
        ([[1.0, 2.0]], [1.0, 2.0], [1.0, 2.0], r"b must have shape \(1,\), got shape \(2,\)"),
    ],
)
def test_linear_transform_shape_errors(A, x, b, message):
    with pytest.raises(ShapeError, match=message):
        linear_transform(A, x, b)


# --------------------------------------------------------------------------- inner product


def test_inner_product_matches_numpy(rng):
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(inner_product(x, y), np.einsum("ij,ij->i", x, y), rtol=1e-12)
    np.testing.assert_allclose(inner_product(x, y, axis=0), np.einsum("ij,ij->j", x, y))
    np.testing.assert_allclose(inner_product(x, y[0]), x @ y[0], rtol=1e-12)  # broadcast
    assert inner_product([1, 2, 3], [4, 5, 6]) == 32.0
    assert isinstance(inner_product([1, 2, 3], [4, 5, 6]), np.ndarray)
    assert inner_product(x.astype(np.float32), y.astype(np.float32)).dtype == np.float32


def test_inner_product_errors():
    with pytest.raises(ShapeError, match="x and y must have broadcastable shapes"):
        inner_product([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="x and y must be vectors"):
        inner_product(1.0, [1.0])
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        inner_product([], [])
    with pytest.raises(ArrayTypeError, match="y must be an array of real numbers"):
        inner_product([1.0], ["a"])


# --------------------------------------------------------------------------- norms


@pytest.mark.parametrize("order", [1, 2, math.inf])
def test_norm_matches_numpy(rng, order):
    x = rng.normal(size=(3, 7))
    for axis in (-1, 0):
        np.testing.assert_allclose(
            norm(x, ord=order, axis=axis), np.linalg.norm(x, ord=order, axis=axis), rtol=1e-13
        )
    kept = norm(x, ord=order, keepdims=True)
    assert kept.shape == (3, 1)
    single = norm(x.astype(np.float32), ord=order)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, np.linalg.norm(x, ord=order, axis=-1), rtol=1e-6)


def test_norm_definitions_and_the_guide_correction():
    x = np.array([3.0, -4.0])
    assert norm(x, ord=1) == 7.0  # sum of absolute values
    assert norm(x) == 5.0  # square root of the sum of squares
    assert norm(x, ord=math.inf) == 4.0
    # One guide calls x^T x the L1 norm and its root the L2 norm: x^T x is the squared L2 norm.
    assert inner_product(x, x) == norm(x) ** 2 != norm(x, ord=1)


def test_l2_norm_does_not_overflow_or_underflow():
    with np.errstate(all="raise"):
        assert norm([1e200, 1e200]) == pytest.approx(math.sqrt(2) * 1e200, rel=1e-14)
        assert norm([1e-200, 1e-200]) == pytest.approx(math.sqrt(2) * 1e-200, rel=1e-14)
        assert norm(np.array([3e30, 4e30], dtype=np.float32)) == pytest.approx(5e30, rel=1e-6)
        assert norm([0.0, 0.0]) == 0.0
        assert norm([np.inf, 1.0]) == np.inf
        assert norm([-np.inf, 1.0], ord=1) == np.inf
        assert np.isnan(norm([np.nan, 1.0]))


def test_norm_errors():
    with pytest.raises(ValidationError, match=r"ord must be 1, 2 or math\.inf, got 3"):
        norm([1.0], ord=3)
    with pytest.raises(ValidationError, match=r"ord must be 1, 2 or math\.inf, got 'fro'"):
        norm([1.0], ord="fro")
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        norm([])
    with pytest.raises(ShapeError, match="x must be a vector"):
        norm(2.0)
    with pytest.raises(ShapeError, match="axis must be in"):
        norm([1.0], axis=1)


@pytest.mark.parametrize(("order", "name"), [(1, "l1"), (2, "l2"), (math.inf, "max")])
def test_normalize_matches_scikit_learn(rng, order, name):
    from sklearn.preprocessing import normalize as sklearn_normalize

    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(normalize(x, ord=order), sklearn_normalize(x, norm=name), rtol=1e-13)
    np.testing.assert_allclose(
        normalize(x, ord=order, axis=0), sklearn_normalize(x, norm=name, axis=0), rtol=1e-13
    )
    assert normalize(x.astype(np.float32), ord=order).dtype == np.float32


def test_normalize_guide_example_and_errors():
    np.testing.assert_allclose(normalize([3, 4]), [0.6, 0.8], rtol=1e-15)
    with pytest.raises(ValidationError, match="x must not contain a zero vector along axis -1"):
        normalize([[1.0, 2.0], [0.0, 0.0]])
    with pytest.raises(NonFiniteError, match="x must be finite, got NaN"):
        normalize([np.nan, 1.0])


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=finite).filter(lambda v: np.any(v)))
def test_normalized_vectors_have_unit_norm_and_keep_direction(x):
    for order in (1, 2, math.inf):
        unit = normalize(x, ord=order)
        assert norm(unit, ord=order) == pytest.approx(1.0, rel=1e-12)
        np.testing.assert_allclose(unit * norm(x, ord=order), x, rtol=1e-12, atol=1e-300)


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
    x = rng.normal(size=(2, 3))
    cases = [
        (lambda a, v: linear_transform(a, v), (A, x[0])),
        (lambda a, v: inner_product(a[0, ...], v[0, ...]), (A[:2], x)),
        (lambda v: norm(v), (x,)),
        (lambda v: norm(v, ord=1), (x,)),
        (lambda v: norm(v, ord=math.inf), (x,)),
        (lambda v: normalize(v), (x,)),
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

    A, x, b = double(rng.normal(size=(3, 4))), double(rng.normal(size=(2, 4))), double([1.0, 2, 3])
    assert gradcheck(linear_transform, (A, x, b))
    assert gradcheck(inner_product, (x, double(rng.normal(size=(2, 4)))))
    for order in (1, 2, math.inf):
        assert gradcheck(lambda v, o=order: norm(v, ord=o), (x,))
        assert gradcheck(lambda v, o=order: normalize(v, ord=o), (x,))
    assert gradcheck(lambda a: svd(a).S, (A,))
    assert gradcheck(lambda a: low_rank_approximation(a, 2), (A,))
    assert gradcheck(lambda a: pca(a, 2).explained_variance, (double(rng.normal(size=(6, 3))),))
    B = rng.normal(size=(4, 4))
    assert gradcheck(lambda a: eig(a + a.T).eigenvalues, (double(B),))
