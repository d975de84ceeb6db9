r"""Layer 1: Cholesky factorisation with jitter retry, and the solves built on it.

A symmetric positive definite matrix factors as :math:`K = LL^T` with :math:`L` lower
triangular. Everything a Gaussian process needs follows from :math:`L` without an
inverse or a determinant:

.. math::

    K^{-1} b = L^{-T} (L^{-1} b), \qquad
    \log\det K = 2 \sum_i \log L_{ii} .

A kernel matrix is positive definite in exact arithmetic but often not in floating
point (two nearly equal inputs give two nearly equal rows). :func:`cholesky_with_jitter`
then retries with a small multiple of the identity added, :math:`K + \epsilon I`,
growing :math:`\epsilon` tenfold until the factorisation succeeds, and reports the
:math:`\epsilon` it used.

These functions are NumPy-only (they call LAPACK through SciPy) and work in the
dtype of their input.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.linalg import get_lapack_funcs

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_finite, check_integer, check_matrix, check_real_number

__all__ = [
    "NotPositiveDefiniteError",
    "cholesky_inverse",
    "cholesky_log_det",
    "cholesky_solve",
    "cholesky_with_jitter",
    "triangular_solve",
]


class NotPositiveDefiniteError(ValidationError, np.linalg.LinAlgError):
    """A matrix stayed indefinite even with the largest jitter on its diagonal.

    Both a :class:`~mlequations._array.ValidationError` (so a ``ValueError``) and a
    :class:`numpy.linalg.LinAlgError`, so code written for either catches it.
    """


@functools.cache
def _lapack(name: str, dtype: np.dtype) -> Any:
    """The LAPACK routine ``name`` for ``dtype`` (``potrf`` -> ``dpotrf`` for float64)."""
    return get_lapack_funcs((name,), (np.empty(0, dtype=dtype),))[0]


# LAPACK wants column-major (Fortran) arrays. A C-ordered lower factor L is, read
# column-major, its transpose U = L^T: an upper factor with K = U^T U. Passing ``L.T`` with
# ``lower=False`` therefore hands LAPACK the same numbers without a copy.


def _square_float_matrix(K: Any, name: str, check: bool) -> np.ndarray:
    K = np.asarray(K)
    if not np.issubdtype(K.dtype, np.floating):
        if not np.issubdtype(K.dtype, np.integer) and K.dtype != np.bool_:
            raise ArrayTypeError(f"{name} must hold real numbers, got dtype {K.dtype}")
        K = K.astype(np.float64)
    check_matrix(K, name, square=True, stacked=False)
    if check:
        check_finite(K, name, np)
    return K


def cholesky_with_jitter(
    K: Any,
    *,
    initial_jitter: float = 1e-10,
    max_tries: int = 7,
    check_finite: bool = True,
) -> tuple[np.ndarray, float]:
    r"""Lower Cholesky factor of :math:`K + \epsilon I`, with the smallest :math:`\epsilon`
    tried that works.

    First :math:`\epsilon = 0`; if :math:`K` is not numerically positive definite,
    :math:`\epsilon = \epsilon_0 s, 10\,\epsilon_0 s, 100\,\epsilon_0 s, \dots`
    (``max_tries`` values), where :math:`s` is the mean of :math:`|K_{ii}|` (1 if that is
    0) so the jitter is relative to the scale of :math:`K`:

    .. math::

        L L^T = K + \epsilon I, \qquad L \text{ lower triangular},\ L_{ii} > 0 .

    "Numerically positive definite" asks more than LAPACK does: the squared pivots
    :math:`L_{ii}^2` (the variance of row :math:`i` left after the rows before it) must
    exceed :math:`n\,u \max_i K_{ii}`, :math:`u` the unit roundoff. A smaller pivot is
    rounding noise (a row that repeats an earlier one to working precision, as for two
    inputs :math:`10^{-12}` apart), and a factor built on it would make
    :math:`\log\det K` and :math:`K^{-1}y` meaningless.

    Parameters
    ----------
    K : array_like of shape (n, n)
        Symmetric matrix; only its lower triangle is read.
    initial_jitter : float, default=1e-10
        :math:`\epsilon_0`, relative to the mean diagonal.
    max_tries : int, default=7
        Number of non-zero jitters tried (the default ends at
        :math:`10^{-4} s`).
    check_finite : bool, default=True
        Check ``K`` for NaN and infinity first (skip in a tight loop over matrices
        known to be finite).

    Returns
    -------
    L : numpy.ndarray of shape (n, n)
        Lower triangular, zeros above the diagonal, in ``K``'s float dtype.
    jitter : float
        The :math:`\epsilon` added to the diagonal (0.0 when none was needed).

    Raises
    ------
    NotPositiveDefiniteError
        If :math:`K + \epsilon I` is not positive definite for the largest
        :math:`\epsilon` (e.g. ``K`` has a clearly negative eigenvalue).

    Examples
    --------
    >>> import numpy as np
    >>> L, jitter = cholesky_with_jitter(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> L, jitter
    (array([[2., 0.],
           [1., 2.]]), 0.0)

    A singular matrix (two equal rows) gets a jitter of :math:`10^{-10}` times its mean
    diagonal:

    >>> L, jitter = cholesky_with_jitter(np.ones((2, 2)))
    >>> jitter
    1e-10
    """
    K = _square_float_matrix(K, "K", check_finite)
    initial_jitter = check_real_number(initial_jitter, "initial_jitter")
    if not (np.isfinite(initial_jitter) and initial_jitter > 0):
        raise ValidationError(
            f"initial_jitter must be a positive finite number, got {initial_jitter}"
        )
    max_tries = check_integer(max_tries, "max_tries", 0)
    potrf = _lapack("potrf", K.dtype)
    diagonal = np.diagonal(K)
    smallest_pivot = K.shape[0] * np.finfo(K.dtype).eps * float(np.max(diagonal, initial=0.0))
    # K is symmetric, so K.T holds the same matrix, column-major; its upper factor U is L^T
    upper, info = potrf(K.T, lower=False, clean=True, overwrite_a=False)
    if info == 0 and np.min(np.diagonal(upper), initial=np.inf) ** 2 > smallest_pivot:
        return upper.T, 0.0
    scale = float(np.mean(np.abs(diagonal))) or 1.0
    shifted = K.copy()
    jitter = initial_jitter * scale
    for _ in range(max_tries):
        np.fill_diagonal(shifted, diagonal + jitter)
        upper, info = potrf(shifted.T, lower=False, clean=True, overwrite_a=False)
        if info == 0 and np.min(np.diagonal(upper)) ** 2 > smallest_pivot:
            return upper.T, jitter
        jitter *= 10.0
    raise NotPositiveDefiniteError(
        f"K must be positive definite, got a matrix that is not even with {jitter / 10.0:.3g} "
        f"(= {jitter / 10.0 / scale:.0e} x its mean diagonal) added to the diagonal"
    )


def triangular_solve(L: Any, B: Any, *, transpose: bool = False) -> np.ndarray:
    r"""Solve :math:`L X = B` (or :math:`L^T X = B`) for lower triangular :math:`L`.

    Forward (back) substitution, :math:`O(n^2)` per right-hand side.

    Parameters
    ----------
    L : numpy.ndarray of shape (n, n)
        Lower triangular factor, e.g. from :func:`cholesky_with_jitter`.
    B : array_like of shape (n,) or (n, k)
    transpose : bool, default=False
        Solve with :math:`L^T` instead.

    Returns
    -------
    numpy.ndarray of ``B``'s shape

    Examples
    --------
    >>> import numpy as np
    >>> triangular_solve(np.array([[2.0, 0.0], [1.0, 2.0]]), np.array([2.0, 5.0]))
    array([1., 2.])
    """
    L = np.asarray(L)
    B = np.asarray(B, dtype=L.dtype)
    # L x = B is U^T x = B for U = L^T (LAPACK trtrs, without scipy's wrapper overhead)
    X, info = _lapack("trtrs", L.dtype)(L.T, B, lower=False, trans=0 if transpose else 1)
    if info > 0:
        raise NotPositiveDefiniteError(f"L must have a non-zero diagonal, got 0 at row {info - 1}")
    return X


def cholesky_solve(L: Any, B: Any) -> np.ndarray:
    r"""Solve :math:`K X = B` given the lower Cholesky factor :math:`L` of :math:`K`.

    .. math::

        X = K^{-1} B = L^{-T} \left( L^{-1} B \right)

    (two triangular solves, LAPACK ``potrs``).

    Parameters
    ----------
    L : numpy.ndarray of shape (n, n)
        Lower triangular, :math:`K = LL^T`.
    B : array_like of shape (n,) or (n, k)

    Returns
    -------
    numpy.ndarray of ``B``'s shape

    Examples
    --------
    >>> import numpy as np
    >>> K = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> L, _ = cholesky_with_jitter(K)
    >>> cholesky_solve(L, np.array([6.0, 7.0]))  # K @ [1, 1] = [6, 7]
    array([1., 1.])
    """
    L = np.asarray(L)
    B = np.asarray(B, dtype=L.dtype)
    X, info = _lapack("potrs", L.dtype)(L.T, B, lower=False)
    if info != 0:  # pragma: no cover - only for illegal arguments
        raise ValidationError(f"L must be a square lower triangular factor, LAPACK info {info}")
    return X


def cholesky_inverse(L: Any, *, lower_only: bool = False) -> np.ndarray:
    r""":math:`K^{-1}` from the lower Cholesky factor of :math:`K` (as ``torch.cholesky_inverse``).

    .. math::

        K^{-1} = L^{-T} L^{-1}

    (LAPACK ``potri``, symmetric result). Needed only when the whole inverse is, e.g.
    the trace :math:`\operatorname{tr}(K^{-1}\,\partial K/\partial\theta)` of the
    likelihood gradient; to apply :math:`K^{-1}` to vectors use :func:`cholesky_solve`.

    Parameters
    ----------
    L : numpy.ndarray of shape (n, n)
        Lower triangular, :math:`K = LL^T`.
    lower_only : bool, default=False
        Return only the lower triangle :math:`T` of :math:`K^{-1}` (zeros above, if ``L``
        has zeros above as :func:`cholesky_with_jitter` returns it), saving the copy to
        the upper half. For a symmetric :math:`S`,
        :math:`\sum_{ij} (K^{-1})_{ij} S_{ij} = \sum_{ij} (2T - \operatorname{diag} T)_{ij}
        S_{ij}`.

    Returns
    -------
    numpy.ndarray of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> L, _ = cholesky_with_jitter(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> cholesky_inverse(L, lower_only=True) * 16
    array([[ 5.,  0.],
           [-2.,  4.]])
    >>> cholesky_inverse(L) * 16
    array([[ 5., -2.],
           [-2.,  4.]])
    """
    L = np.asarray(L)
    upper, info = _lapack("potri", L.dtype)(L.T, lower=False)
    if info != 0:
        raise NotPositiveDefiniteError(f"L must have a non-zero diagonal, LAPACK info {info}")
    inverse = upper.T  # the lower triangle of K^{-1}; above it, L's zeros
    if lower_only:
        return inverse
    inverse = np.tril(inverse)
    inverse += np.tril(inverse, -1).T
    return inverse


def cholesky_log_det(L: Any) -> float:
    r""":math:`\log\det K` from the Cholesky factor :math:`L` of :math:`K`.

    .. math::

        \log\det K = \log\det(L)^2 = 2 \sum_{i=1}^n \log L_{ii}

    Never forms :math:`\det K`, which under- or overflows for large :math:`n`.

    Parameters
    ----------
    L : numpy.ndarray of shape (n, n)
        Triangular factor with a positive diagonal.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> L, _ = cholesky_with_jitter(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> round(cholesky_log_det(L), 12) == round(float(np.log(16.0)), 12)
    True
    """
    return 2.0 * float(np.sum(np.log(np.diagonal(L))))
