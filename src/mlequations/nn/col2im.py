r"""col2im: the input gradient of a convolution, folded back from its column gradient.

With the unfolded input :math:`X` (im2col) and the weight as a matrix
:math:`W`, a convolution is :math:`Y = W X`, so the gradient of the columns is
:math:`\bar{X} = W^\top \bar{Y}`. Each column entry is a copy of one input
value, so the input gradient is the sum, for each kernel offset
:math:`(i, j)`, of that offset's rows of :math:`\bar{X}` added onto the input
positions the offset saw:

.. math::

    \bar{x}_{\text{pad}}[n, c,\, p s + i,\, q s + j] \mathrel{+}=
    \bar{X}[(i, j, c), (n, p, q)].

Both paths below multiply and fold one block of samples at a time, so the
block's column gradient is still in the cache when it is added.
"""

from __future__ import annotations

import numpy as np

from mlequations._windows import window_slices

__all__ = ["input_gradient"]

#: Bytes of column gradient folded back per block of samples: small enough to stay in cache.
BLOCK_BYTES = 8 << 20


def _block(rows: int, positions: int, itemsize: int) -> int:
    return max(1, BLOCK_BYTES // (rows * positions * itemsize))


def _stride_one(
    matrix: np.ndarray,
    g: np.ndarray,
    shape: tuple[int, ...],
    kernel: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """Stride 1: every offset is one flat shift on a grid as wide as the padded input.

    The output gradient is laid on rows of the padded width :math:`W_p`
    (zeros beyond the :math:`W_o` real columns), so output position
    :math:`(p, q)` has flat index :math:`p W_p + q` and offset :math:`(i, j)`
    sends it to :math:`(p + i) W_p + (q + j)`: a shift by :math:`i W_p + j`.
    Each offset is then one add of long contiguous runs. The zero columns
    cost :math:`W_p / W_o - 1` more multiplications and add only zeros.
    """
    n, c, h, w = shape
    (kh, kw), (ph, pw), o = kernel, padding, g.shape[1]
    hp, wp = h + 2 * ph, w + 2 * pw
    ho, wo = hp - kh + 1, wp - kw + 1
    span = ho * wp
    extended = np.zeros((o, n * span), dtype=g.dtype)
    extended.reshape(o, n, ho, wp)[..., :wo] = g.transpose(1, 0, 2, 3)
    padded = np.zeros((c, n, hp * wp + kw - 1), dtype=g.dtype)
    transposed, block = matrix.T, _block(matrix.shape[1], span, g.itemsize)
    for start in range(0, n, block):
        stop = min(start + block, n)
        columns = transposed @ extended[:, start * span : stop * span]
        per_offset = columns.reshape(kh * kw, c, stop - start, span)
        target = padded[:, start:stop]
        for k in range(kh * kw):
            shift = (k // kw) * wp + k % kw
            target[:, :, shift : shift + span] += per_offset[k]
    grid = padded[:, :, : hp * wp].reshape(c, n, hp, wp)
    result = np.empty(shape, dtype=g.dtype)
    np.copyto(result, grid[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3))
    return result


def _strided(
    matrix: np.ndarray,
    g: np.ndarray,
    shape: tuple[int, ...],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """Any stride: each offset's slice added onto a strided window of a channels-last grid."""
    n, c, h, w = shape
    (ph, pw), positions, o = padding, out[0] * out[1], g.shape[1]
    g_columns = np.ascontiguousarray(g.reshape(n, o, positions).transpose(1, 0, 2))
    g_columns = g_columns.reshape(o, n * positions)  # (O, N·Ho·Wo), samples side by side
    padded = np.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=g_columns.dtype)
    offsets = window_slices(kernel, stride, out)
    block = _block(matrix.shape[1], positions, g_columns.itemsize)
    for start in range(0, n, block):
        stop = min(start + block, n)
        columns = g_columns[:, start * positions : stop * positions].T @ matrix
        per_offset = columns.reshape(stop - start, *out, len(offsets), c)
        target = padded[start:stop]
        for k, (_, _, (rows, cols)) in enumerate(offsets):
            target[:, rows, cols, :] += per_offset[:, :, :, k, :]
    result = np.empty(shape, dtype=g_columns.dtype)
    np.copyto(result, padded[:, ph : ph + h, pw : pw + w, :].transpose(0, 3, 1, 2))
    return result


def input_gradient(
    matrix: np.ndarray,
    g: np.ndarray,
    shape: tuple[int, ...],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """The gradient of the input (shape ``shape``, N·C·H·W) of ``conv2d``, a new array.

    ``matrix`` is the weight as (O, kh·kw·C) with rows in the order
    :math:`(i, j, c)` and ``g`` the output gradient (N, O, Ho, Wo).
    """
    if stride == (1, 1):
        return _stride_one(matrix, g, shape, kernel, padding)
    return _strided(matrix, g, shape, kernel, stride, padding, out)
