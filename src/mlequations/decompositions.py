r"""Layer 1: matrix decompositions — eigenpairs, SVD, low-rank approximation and PCA.

Every function takes NumPy arrays or any array-API array (PyTorch,
array-api-strict, ...) and returns the caller's kind; the decompositions go
through the namespace's ``linalg`` extension, so PyTorch's autograd flows
through them. :mod:`mlequations.linalg` re-exports every name here.

Conventions
-----------
* Decompositions return small named tuples, so both ``U, S, Vt = svd(A)`` and
  ``svd(A).S`` work.
* Matrices handed to a decomposition must be finite; NaN and infinity raise
  :class:`~mlequations.NonFiniteError` instead of a solver failure.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from mlequations._array import ShapeError, ValidationError, as_arrays, to_numpy
from mlequations._checks import check_finite, check_integer, check_matrix, check_nonempty

__all__ = [
    "EigResult",
    "PCAResult",
    "SVDResult",
    "eig",
    "low_rank_approximation",
    "pca",
    "svd",
]


class EigResult(NamedTuple):
    """Eigenpairs: ``eigenvectors[..., :, i]`` belongs to ``eigenvalues[..., i]``."""

    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    """A singular value decomposition ``A = U @ diag(S) @ Vt``."""

    U: Any
    S: Any
    Vt: Any


class PCAResult(NamedTuple):
    """Principal components (rows), their variances, the data mean and the projected data."""

    components: Any
    explained_variance: Any
    explained_variance_ratio: Any
    mean: Any
    scores: Any


# --------------------------------------------------------------------------- helpers


def _sort_by_magnitude(values: Any, vectors: Any, xp: Any) -> EigResult:
    """Order eigenpairs by decreasing |lambda|; ties keep the solver's order."""
    order = xp.argsort(xp.abs(values), axis=-1, descending=True, stable=True)
    values = xp.take_along_axis(values, order, axis=-1)
    columns = xp.broadcast_to(order[..., None, :], vectors.shape)
    return EigResult(values, xp.take_along_axis(vectors, columns, axis=-1))


# --------------------------------------------------------------------------- decompositions


def eig(A: Any, symmetric: bool | None = None) -> EigResult:
    r"""Eigenpairs :math:`A v = \lambda v`, sorted by decreasing :math:`|\lambda|`.

    .. math::

        A v_i = \lambda_i v_i, \qquad v_i \neq 0, \qquad
        |\lambda_1| \ge |\lambda_2| \ge \dots \ge |\lambda_n|

    A symmetric matrix goes through ``xp.linalg.eigh`` (real eigenvalues,
    orthonormal eigenvectors, any backend, differentiable in PyTorch). A general
    matrix goes through the namespace's ``linalg.eig`` where it has one (NumPy,
    PyTorch, array-api-strict >= 2.5); otherwise it is **computed by NumPy**
    (``numpy.linalg.eig`` on a copy) and converted back. General matrices may
    have complex eigenpairs; when every eigenvalue is real the result is real.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Square, finite matrices (a leading batch is allowed).
    symmetric : bool, optional
        Force (``True``) or forbid (``False``) the symmetric solver. By default
        ``A`` counts as symmetric when :math:`\max|A - A^\top| \le 1000\,
        \epsilon \max|A|` (``eigh`` then reads only the lower triangle).

    Returns
    -------
    EigResult
        ``eigenvalues`` (..., n) and ``eigenvectors`` (..., n, n) whose *columns*
        are unit eigenvectors (their sign is arbitrary).

    Raises
    ------
    ShapeError
        If ``A`` is not square.
    EmptyInputError
        If ``A`` has no entries.
    NonFiniteError
        If ``A`` holds NaN or infinity.

    Examples
    --------
    >>> eig([[4, 2], [1, 3]]).eigenvalues.round(12).tolist()
    [5.0, 2.0]
    >>> eig([[2, 1], [1, 2]]).eigenvalues.round(12).tolist()
    [3.0, 1.0]
    """
    xp, A = as_arrays(A, names=("A",))
    check_matrix(A, "A", square=True)
    check_nonempty(A, "A")
    check_finite(A, "A", xp)
    if symmetric is None:
        tolerance = 1000 * xp.finfo(A.dtype).eps * xp.max(xp.abs(A))
        symmetric = bool(xp.max(xp.abs(A - xp.matrix_transpose(A))) <= tolerance)
    if symmetric:
        values, vectors = xp.linalg.eigh(A)
        return _sort_by_magnitude(values, vectors, xp)
    if hasattr(xp.linalg, "eig"):
        values, vectors = xp.linalg.eig(A)
    else:  # pragma: no cover - namespaces without the 2025.12 eig extension
        values, vectors = (xp.asarray(v) for v in np.linalg.eig(to_numpy(A)))
    if xp.isdtype(values.dtype, "complex floating") and bool(xp.all(xp.imag(values) == 0)):
        values, vectors = xp.real(values), xp.real(vectors)
    return _sort_by_magnitude(values, vectors, xp)


def svd(A: Any, full_matrices: bool = False) -> SVDResult:
    r"""The singular value decomposition :math:`A = U \Sigma V^\top`.

    .. math::

        A = U \Sigma V^\top, \qquad U^\top U = I, \quad V^\top V = I, \quad
        \Sigma = \operatorname{diag}(\sigma_1 \ge \sigma_2 \ge \dots \ge 0)

    Computed by the namespace's ``linalg.svd`` (array-API generic; PyTorch's
    autograd flows when the singular values are distinct).

    Parameters
    ----------
    A : array_like, shape (..., m, n)
        Finite matrices (a leading batch is allowed).
    full_matrices : bool, default False
        False gives the thin decomposition, ``U`` (..., m, k) and ``Vt`` (..., k, n)
        with k = min(m, n); True gives square ``U`` (m, m) and ``Vt`` (n, n).

    Returns
    -------
    SVDResult
        ``U``, ``S`` (..., k) in decreasing order, and ``Vt`` (rows are the right
        singular vectors). Signs of paired singular vectors are arbitrary.

    Raises
    ------
    ShapeError
        If ``A`` has fewer than two dimensions.
    NonFiniteError
        If ``A`` holds NaN or infinity.

    Examples
    --------
    >>> U, S, Vt = svd([[1, 2], [3, 4], [5, 6]])
    >>> S.round(4)
    array([9.5255, 0.5143])
    """
    xp, A = as_arrays(A, names=("A",))
    check_matrix(A, "A")
    check_nonempty(A, "A")
    check_finite(A, "A", xp)
    U, S, Vt = xp.linalg.svd(A, full_matrices=bool(full_matrices))
    return SVDResult(U, S, Vt)


def low_rank_approximation(A: Any, k: int) -> Any:
    r"""The best rank-``k`` approximation of ``A`` (Eckart–Young): the truncated SVD.

    .. math::

        A_k = \sum_{i=1}^{k} \sigma_i u_i v_i^\top, \qquad
        \lVert A - A_k \rVert_F = \sqrt{\sum_{i > k} \sigma_i^2}
        = \min_{\operatorname{rank}(B) \le k} \lVert A - B \rVert_F

    Parameters
    ----------
    A : array_like, shape (..., m, n)
        Finite matrices.
    k : int
        The rank kept, ``0 <= k <= min(m, n)`` (0 gives the zero matrix,
        ``min(m, n)`` gives ``A`` back).

    Returns
    -------
    array, shape (..., m, n)

    Raises
    ------
    ValidationError
        If ``k`` is outside ``[0, min(m, n)]``.

    Examples
    --------
    >>> low_rank_approximation([[2, 1], [1, 2]], 1).round(12).tolist()
    [[1.5, 1.5], [1.5, 1.5]]
    """
    xp, A = as_arrays(A, names=("A",))
    check_matrix(A, "A")
    k = check_integer(k, "k", 0, min(A.shape[-2:]))
    U, S, Vt = svd(A)
    return xp.matmul(U[..., :, :k] * S[..., None, :k], Vt[..., :k, :])


#: With at least this many samples per feature, PCA diagonalises the covariance matrix.
COVARIANCE_PATH_RATIO = 10


#: Below this ratio of squared mean to variance in every feature, the covariance is
#: formed from the raw Gram matrix, losing at most about eps * 1e6 relative precision.
GRAM_CANCELLATION_LIMIT = 1e6


def _covariance(xp: Any, X: Any, mean: Any) -> Any:
    r"""The sample covariance :math:`\frac{1}{N-1}(X^\top X - N \mu \mu^\top)`.

    The Gram form needs no centred copy of ``X``; it is used only where no
    feature's squared mean exceeds its variance by more than
    :data:`GRAM_CANCELLATION_LIMIT` (else the subtraction would cancel digits).
    """
    n_samples = X.shape[0]
    gram = xp.matmul(xp.matrix_transpose(X), X)
    squared_mean = mean * mean
    variance = (xp.linalg.diagonal(gram) - n_samples * squared_mean) / (n_samples - 1)
    if bool(xp.all(squared_mean <= GRAM_CANCELLATION_LIMIT * variance)):
        return (gram - n_samples * (mean[:, None] * mean[None, :])) / (n_samples - 1)
    centred = X - mean
    return xp.matmul(xp.matrix_transpose(centred), centred) / (n_samples - 1)


def _covariance_eigenvectors(xp: Any, X: Any, mean: Any) -> tuple[Any, Any]:
    """Variances (descending) and principal directions (rows) from the sample covariance.

    For tall data (N >> D) forming the D x D covariance and diagonalising it costs
    N D^2 + D^3 instead of the SVD's N D^2 with a much larger constant; the price is
    precision in the smallest variances (absolute error about eps times the largest),
    as in scikit-learn's ``covariance_eigh`` solver.
    """
    eigenvalues, eigenvectors = xp.linalg.eigh(_covariance(xp, X, mean))
    order = xp.flip(xp.argsort(eigenvalues))
    variance = xp.clip(xp.take(eigenvalues, order), min=0.0)
    return variance, xp.matrix_transpose(xp.take(eigenvectors, order, axis=1))


def pca(X: Any, n_components: int) -> PCAResult:
    r"""Principal component analysis of centred data (by SVD, or the covariance when tall).

    With :math:`\bar{X} = X - \mu` (column means subtracted) and
    :math:`\bar{X} = U \Sigma V^\top`, the principal directions are the rows of
    :math:`V^\top` and the variance along each is :math:`\sigma_i^2 / (N - 1)`,
    the eigenvalues of the sample covariance matrix:

    .. math::

        \frac{1}{N-1} \bar{X}^\top \bar{X} \, v_i = \lambda_i v_i, \qquad
        \lambda_i = \frac{\sigma_i^2}{N-1}, \qquad
        \text{ratio}_i = \frac{\lambda_i}{\sum_j \lambda_j}, \qquad
        Z = \bar{X} V_k

    For tall data (at least 10 samples per feature) the eigenvectors of the
    :math:`D \times D` covariance are computed directly, which is several times
    faster and agrees with the SVD up to rounding in the largest variances (the
    smallest lose relative precision), as scikit-learn's default solver does.
    Each component's sign is fixed like scikit-learn's: its entry of largest
    magnitude is positive.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite data, one sample per row, at least two samples.
    n_components : int
        How many components to keep, ``1 <= n_components <= min(n_samples, n_features)``.

    Returns
    -------
    PCAResult
        ``components`` (n_components, n_features), ``explained_variance``,
        ``explained_variance_ratio`` (n_components,), ``mean`` (n_features,) and
        ``scores`` (n_samples, n_components): the data projected on the components.

    Raises
    ------
    ValidationError
        If ``n_components`` is out of range or ``X`` has zero variance.
    ShapeError
        If ``X`` is not 2-D or has fewer than two samples.

    Examples
    --------
    >>> result = pca([[2, 0], [-2, 0], [0, 1], [0, -1]], n_components=2)
    >>> result.explained_variance.round(4), result.explained_variance_ratio.round(4)
    (array([2.6667, 0.6667]), array([0.8, 0.2]))
    """
    xp, X = as_arrays(X, names=("X",))
    check_matrix(X, "X", stacked=False)
    n_samples, n_features = X.shape
    if n_samples < 2:
        raise ShapeError(f"X must have at least 2 samples (rows), got shape {tuple(X.shape)}")
    check_finite(X, "X", xp)
    k = check_integer(n_components, "n_components", 1, min(n_samples, n_features))
    mean = xp.mean(X, axis=0)
    if n_samples >= COVARIANCE_PATH_RATIO * n_features:
        variance, Vt = _covariance_eigenvectors(xp, X, mean)
    else:
        _, S, Vt = xp.linalg.svd(X - mean, full_matrices=False)
        variance = S**2 / (n_samples - 1)
    total = xp.sum(variance)
    if not bool(total > 0):
        raise ValidationError("X must vary: every sample is the same, so no direction has variance")
    strongest = xp.argmax(xp.abs(Vt[:k, :]), axis=1, keepdims=True)
    signs = xp.sign(xp.take_along_axis(Vt[:k, :], strongest, axis=1))
    components = Vt[:k, :] * signs
    # (X - μ) V = X V - μ V: the same projection without a centred copy of X
    projection = xp.matrix_transpose(components)
    scores = xp.matmul(X, projection) - xp.matmul(mean, projection)
    return PCAResult(components, variance[:k], variance[:k] / total, mean, scores)
