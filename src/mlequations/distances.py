r"""Layer 1: the energy distance between two samples, a test of "same distribution?".

For independent :math:`X, X' \sim F` and :math:`Y, Y' \sim G` in
:math:`\mathbb R^d` (Székely & Rizzo),

.. math::

    D^2(F, G) = 2\,\mathbb E\lVert X - Y\rVert - \mathbb E\lVert X - X'\rVert
    - \mathbb E\lVert Y - Y'\rVert \;\ge\; 0,

with equality exactly when :math:`F = G`. Unlike a comparison of means and
variances it sees every difference in shape, and unlike a KL divergence it
needs no density, only samples: it suits judging a generative model (do its
samples look like held-out data?).

:func:`energy_distance` returns :math:`D` (the square root), as
``scipy.stats.energy_distance`` does, estimated with the averages over all
pairs (a V-statistic, the pairs :math:`i = j` included). Two samples of the
same distribution therefore give a small positive value, of order
:math:`1/\sqrt{n}`, not 0. Array-API generic (NumPy, PyTorch with autograd,
array-api-strict, ...); float32 stays float32.
"""

from __future__ import annotations

from typing import Any

from mlequations._array import ShapeError, as_arrays, native
from mlequations._checks import check_finite, check_nonempty

__all__ = ["energy_distance"]

#: Pairwise differences are formed in blocks of at most this many numbers, to bound memory.
BLOCK_ELEMENTS = 1 << 22


def _safe_sqrt(value: Any, xp: Any) -> Any:
    """``sqrt(value)`` for ``value >= 0`` whose gradient stays finite (0) where ``value`` is 0."""
    positive = value > 0
    root = xp.sqrt(xp.where(positive, value, xp.ones_like(value)))
    return xp.where(positive, root, xp.zeros_like(value))


def _mean_distance(a: Any, b: Any, xp: Any) -> Any:
    r"""The mean Euclidean distance :math:`\frac{1}{nm} \sum_{i,j} \lVert a_i - b_j \rVert`."""
    n, m, d = int(a.shape[0]), int(b.shape[0]), int(a.shape[1])
    rows = max(1, BLOCK_ELEMENTS // (m * d))
    total = None
    for start in range(0, n, rows):
        block = a[start : min(start + rows, n), ...]
        differences = xp.expand_dims(block, axis=1) - xp.expand_dims(b, axis=0)
        distances = _safe_sqrt(xp.sum(differences * differences, axis=-1), xp)
        block_sum = xp.sum(distances)
        total = block_sum if total is None else total + block_sum
    return total / (n * m)


def _as_samples(x: Any, name: str, xp: Any) -> Any:
    if x.ndim == 1:
        x = xp.reshape(x, (-1, 1))
    if x.ndim != 2:
        raise ShapeError(
            f"{name} must be a sample of shape (n,) or (n, d), got shape {tuple(x.shape)}"
        )
    check_nonempty(x, name)
    check_finite(x, name, xp)
    return x


def energy_distance(x: Any, y: Any) -> Any:
    r"""The energy distance :math:`D` between the samples ``x`` and ``y`` (SciPy's convention).

    .. math::

        D = \Bigl(\frac{2}{nm} \sum_{i,j} \lVert x_i - y_j \rVert
        - \frac{1}{n^2} \sum_{i,i'} \lVert x_i - x_{i'} \rVert
        - \frac{1}{m^2} \sum_{j,j'} \lVert y_j - y_{j'} \rVert\Bigr)^{1/2}

    In one dimension this equals ``scipy.stats.energy_distance(x, y)``,
    :math:`\sqrt{2 \int (F_n - G_m)^2}` over the empirical CDFs. The cost is
    :math:`O((n + m)^2 d)` time; the pairwise differences are formed in blocks,
    so memory stays bounded.

    Parameters
    ----------
    x : array_like of shape (n,) or (n, d)
        One sample, one observation per row (a 1-D array is n scalars).
    y : array_like of shape (m,) or (m, d)
        The other sample, of the same dimension ``d``.

    Returns
    -------
    0-d array
        :math:`D \ge 0`; it is not 0 for two different samples of one
        distribution, only small (order :math:`1/\sqrt{n}`).

    Raises
    ------
    ShapeError
        If a sample is not 1-D or 2-D, or the dimensions differ.
    EmptyInputError, NonFiniteError
        If a sample is empty or holds NaN or infinity.

    Examples
    --------
    Two points 1 apart against one of them: :math:`2 \cdot 1/2 - 1/2 - 0 = 1/2`.

    >>> round(float(energy_distance([0.0, 1.0], [0.0])), 6)
    0.707107
    >>> round(float(energy_distance([[0.0, 0.0], [3.0, 4.0]], [[0.0, 0.0]])), 6)
    1.581139
    """
    xp, x, y = as_arrays(x, y, names=("x", "y"))
    x, y = _as_samples(x, "x", xp), _as_samples(y, "y", xp)
    if int(x.shape[1]) != int(y.shape[1]):
        raise ShapeError(
            f"x and y must have the same dimension d, got x of shape {tuple(x.shape)} and y of "
            f"shape {tuple(y.shape)}"
        )
    between = _mean_distance(x, y, xp)
    within = _mean_distance(x, x, xp) + _mean_distance(y, y, xp)
    return native(xp, _safe_sqrt(2.0 * between - within, xp))
