r"""Layer 1: the linear algebra of machine learning — linear maps, inner products, norms.

The decompositions (eigenpairs, SVD, the best low-rank approximation and PCA)
live in :mod:`mlequations.decompositions` and are re-exported here, so
``from mlequations.linalg import eig, svd, pca`` works. Every function takes
NumPy arrays or any array-API array (PyTorch, array-api-strict, ...) and
returns the caller's kind.

Conventions
-----------
* Vectors lie along the last axis by default (``axis=-1``); leading axes are
  batches.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from mlequations._array import ShapeError, ValidationError, as_arrays, native
from mlequations._checks import check_finite, check_matrix, check_nonempty, normalize_axis
from mlequations.decompositions import (
    EigResult,
    PCAResult,
    SVDResult,
    eig,
    low_rank_approximation,
    pca,
    svd,
)

__all__ = [
    "EigResult",
    "PCAResult",
    "SVDResult",
    "eig",
    "inner_product",
    "linear_transform",
    "low_rank_approximation",
    "norm",
    "normalize",
    "pca",
    "svd",
]


# --------------------------------------------------------------------------- helpers


def _check_ord(ord: Any) -> float:
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real) or ord not in (1, 2, math.inf):
        raise ValidationError(f"ord must be 1, 2 or math.inf, got {ord!r}")
    return float(ord)


def _vectors(x: Any, ord: Any, axis: int) -> tuple[Any, Any, float, int]:
    """Validate the input of the norms: ``xp``, ``x``, the order and a non-negative axis."""
    xp, x = as_arrays(x, names=("x",))
    order = _check_ord(ord)
    if x.ndim == 0:
        raise ShapeError("x must be a vector (at least 1-D), got a scalar")
    check_nonempty(x, "x")
    return xp, x, order, normalize_axis(axis, x.ndim)


# --------------------------------------------------------------------------- products and norms


def linear_transform(A: Any, x: Any, b: Any = None) -> Any:
    r"""Apply the affine map :math:`y = Ax + b`.

    .. math::

        y = A x + b, \qquad A \in \mathbb{R}^{m \times n},\; x \in \mathbb{R}^{n},\;
        b \in \mathbb{R}^{m}

    Parameters
    ----------
    A : array_like, shape (m, n)
        The matrix.
    x : array_like, shape (n,) or (..., n)
        One input vector, or a batch whose *last* axis holds the n inputs (rows
        are samples, as in ``torch.nn.functional.linear``); each row is mapped
        separately, so a batch gives ``x @ A.T + b`` of shape (..., m).
    b : array_like, shape (m,), optional
        The bias (offset); omitted means zero.

    Returns
    -------
    array, shape (m,) or (..., m)

    Raises
    ------
    ShapeError
        If ``A`` is not 2-D, ``x``'s last axis is not ``n`` or ``b`` is not ``(m,)``.
    EmptyInputError
        If ``A`` has no rows or columns, or ``x`` is an empty batch.

    Examples
    --------
    The guide's example (its printed ``[4 7]`` drops the bias of the second entry):

    >>> linear_transform([[2, 1], [1, 3]], [1, 2], [0, 1]).tolist()
    [4.0, 8.0]
    """
    if b is None:
        xp, A, x = as_arrays(A, x, names=("A", "x"))
    else:
        xp, A, x, b = as_arrays(A, x, b, names=("A", "x", "b"))
    check_matrix(A, "A", stacked=False)
    check_nonempty(A, "A")
    m, n = A.shape
    if x.ndim == 0 or x.shape[-1] != n:
        raise ShapeError(f"x must have {n} entries along its last axis, got shape {tuple(x.shape)}")
    check_nonempty(x, "x")
    y = xp.matmul(x, xp.matrix_transpose(A))
    if b is None:
        return y
    if tuple(b.shape) != (m,):
        raise ShapeError(f"b must have shape ({m},), got shape {tuple(b.shape)}")
    return y + b


def inner_product(x: Any, y: Any, axis: int = -1) -> Any:
    r"""The inner (dot) product :math:`\langle x, y \rangle = x^\top y` along ``axis``.

    .. math::

        \langle x, y \rangle = \sum_{i=1}^{n} x_i y_i

    Parameters
    ----------
    x, y : array_like
        Vectors along ``axis``; other axes broadcast (one vector against a batch).
    axis : int, default -1
        The axis holding the vector entries.

    Returns
    -------
    array
        The broadcast shape without ``axis``. NaN propagates.

    Raises
    ------
    ShapeError
        If the shapes do not broadcast or the vectors have different lengths.
    EmptyInputError
        If the vectors are empty.

    Examples
    --------
    >>> float(inner_product([1, 2, 3], [4, 5, 6]))
    32.0
    """
    xp, x, y = as_arrays(x, y, names=("x", "y"))
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(
            f"x and y must be vectors, got shapes {tuple(x.shape)} and {tuple(y.shape)}"
        )
    check_nonempty(x, "x")
    check_nonempty(y, "y")
    try:
        x, y = xp.broadcast_arrays(x, y)
    except (ValueError, RuntimeError) as error:
        raise ShapeError(
            f"x and y must have broadcastable shapes, got {tuple(x.shape)} and {tuple(y.shape)}"
        ) from error
    axis = normalize_axis(axis, x.ndim) - x.ndim
    return native(xp, xp.vecdot(x, y, axis=axis))


def norm(x: Any, ord: float = 2, axis: int = -1, keepdims: bool = False) -> Any:
    r"""The L1, L2 (Euclidean) or L-infinity norm of vectors along ``axis``.

    .. math::

        \lVert x \rVert_1 = \sum_i |x_i|, \qquad
        \lVert x \rVert_2 = \sqrt{\sum_i x_i^2}, \qquad
        \lVert x \rVert_\infty = \max_i |x_i|

    The L2 norm is computed as :math:`s \sqrt{\sum_i (x_i / s)^2}` with
    :math:`s = \max_i |x_i|`, so squaring neither overflows (``[1e200, 1e200]``)
    nor underflows (``[1e-200, 1e-200]``). Note :math:`x^\top x` is the *squared*
    L2 norm, not the L1 norm.

    Parameters
    ----------
    x : array_like
        Vectors along ``axis``.
    ord : {1, 2, math.inf}, default 2
    axis : int, default -1
    keepdims : bool, default False
        Keep ``axis`` with length 1 (handy for dividing ``x`` by its norm).

    Returns
    -------
    array
        Non-negative; the zero vector has norm 0, any infinite entry gives
        ``inf`` and NaN propagates. A norm beyond the largest float of the
        dtype (``[3e38, 3e38]`` in float32) is ``inf``. In PyTorch the gradient
        at the zero vector is 0 for every ``ord``, as for
        ``torch.linalg.vector_norm`` (not NaN).

    Raises
    ------
    ValidationError
        If ``ord`` is not 1, 2 or ``math.inf``.
    EmptyInputError
        If ``x`` is empty.

    Examples
    --------
    >>> [float(norm([3, -4], ord=p)) for p in (1, 2, math.inf)]
    [7.0, 5.0, 4.0]
    """
    xp, x, order, axis = _vectors(x, ord, axis)
    magnitude = xp.abs(x)
    if order == 1:
        return native(xp, xp.sum(magnitude, axis=axis, keepdims=keepdims))
    largest = xp.max(magnitude, axis=axis, keepdims=True)
    if order == math.inf:
        return largest if keepdims else xp.squeeze(largest, axis=axis)
    scale = xp.where((largest == 0) | xp.isinf(largest), xp.ones_like(largest), largest)
    squares = xp.sum((magnitude / scale) ** 2, axis=axis, keepdims=True)
    # sqrt has an infinite slope at 0: take it of 1 instead for the zero vector, so that
    # autograd gives the zero gradient of torch.linalg.vector_norm there, not NaN.
    empty = squares == 0
    root = xp.where(empty, squares, xp.sqrt(xp.where(empty, xp.ones_like(squares), squares)))
    result = xp.where(xp.isinf(largest), largest, scale * root)
    return result if keepdims else xp.squeeze(result, axis=axis)


def normalize(x: Any, ord: float = 2, axis: int = -1) -> Any:
    r"""Scale vectors to unit norm: :math:`\tilde{x} = x / \lVert x \rVert`.

    .. math::

        \tilde{x} = \frac{x}{\lVert x \rVert_p}
        = \frac{x / m}{\lVert x / m \rVert_p}, \qquad m = \max_i |x_i|, \qquad
        \lVert \tilde{x} \rVert_p = 1

    Dividing by :math:`m` first keeps every entry in [-1, 1], so vectors whose
    norm overflows (``[1.7e308, 1.7e308]``, or ``[3e38, 3e38]`` in float32)
    are still normalized correctly, to ``[0.7071, 0.7071]``.

    Parameters
    ----------
    x : array_like
        Vectors along ``axis`` (finite).
    ord : {1, 2, math.inf}, default 2
    axis : int, default -1

    Returns
    -------
    array, same shape as ``x``
        Each vector points the same way as before and has norm 1.

    Raises
    ------
    ValidationError
        If a vector is zero (it has no direction to keep) or ``ord`` is not 1, 2
        or ``math.inf``.
    EmptyInputError
        If ``x`` is empty.
    NonFiniteError
        If ``x`` holds NaN or infinity.

    Examples
    --------
    >>> normalize([3, 4]).round(12).tolist()
    [0.6, 0.8]
    >>> normalize([1.7e308, 1.7e308]).round(4).tolist()
    [0.7071, 0.7071]
    """
    xp, x, _, axis_index = _vectors(x, ord, axis)
    check_finite(x, "x", xp)
    largest = xp.max(xp.abs(x), axis=axis_index, keepdims=True)
    if bool(xp.any(largest == 0)):
        raise ValidationError(
            f"x must not contain a zero vector along axis {axis}: it has no direction to normalize"
        )
    # x / max|x| lies in [-1, 1], so its norm (at most n) cannot overflow even when x's does.
    scaled = x / largest
    return scaled / norm(scaled, ord=ord, axis=axis_index, keepdims=True)
