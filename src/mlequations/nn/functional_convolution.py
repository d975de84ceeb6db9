r"""Convolution and max pooling on tensors, each one fused node with a hand-written backward.

The forward of :func:`conv2d` is layer 1's: the input patches of all samples
unfolded into the columns of one matrix :math:`X` of shape (kh·kw·C, N·Ho·Wo)
(im2col, :func:`mlequations._windows.unfold`) and one (batched) matrix product
:math:`Y_n = W X_n + b` per sample's block of columns, with the weight as an
(O, kh·kw·C) matrix :math:`W`. Its gradients are two
more products and the reverse of the unfolding (col2im):

.. math::

    \bar{W} = \sum_n \bar{Y}_n X_n^\top, \qquad
    \bar{b} = \sum_{n, p} \bar{Y}_{n, :, p}, \qquad
    \bar{X} = W^\top \bar{Y},

where the column gradient :math:`\bar{X}` is folded back by adding, for
each kernel offset, its slice onto the input positions that offset saw
(an input value seen by several windows collects all their shares;
:mod:`mlequations.nn.col2im`).

:func:`max_pool2d` keeps, for each window, the position of its maximum; the
gradient goes to that position alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError
from mlequations._windows import check_conv2d, check_pool2d, pad2d, unfold, window_slices
from mlequations.autodiff import Tensor, record
from mlequations.nn.col2im import input_gradient

__all__ = ["conv2d", "max_pool2d"]


def _input(input: Any, like: np.dtype | None) -> Tensor:
    """A tensor input; an array becomes a constant of ``like`` (the weight's dtype)."""
    if isinstance(input, Tensor):
        return input
    try:
        return Tensor(input, dtype=like)
    except TypeError as error:
        raise ArrayTypeError(
            f"input must be a Tensor or an array of real numbers: {error}"
        ) from None


def _same_dtype(value: Tensor | None, name: str, dtype: np.dtype) -> None:
    if value is not None and value.dtype != dtype:
        raise ArrayTypeError(
            f"{name} must have the weight's dtype {dtype}, got {value.dtype}; convert it "
            f"with Tensor(x, dtype='{dtype}')"
        )


def conv2d(
    input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0
) -> Tensor:
    r"""The 2-D convolution (cross-correlation) of a CNN, NCHW, as ``torch.nn.functional.conv2d``.

    .. math::

        y[n, o, p, q] = b_o + \sum_{c, i, j} w[o, c, i, j]\,
        x_{\text{pad}}[n, c,\, p s_h + i,\, q s_w + j]

    Parameters
    ----------
    input : Tensor or array of shape (N, C, H, W)
        An array is taken as a constant of ``weight``'s dtype.
    weight : Tensor of shape (O, C, kh, kw)
    bias : Tensor of shape (O,), optional
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros added on each side of the height and width.

    Returns
    -------
    Tensor of shape (N, O, Ho, Wo)

    Examples
    --------
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    >>> y = conv2d(x, w)
    >>> y.data[0, 0]
    array([[45., 54.],
           [81., 90.]])
    >>> y.sum().backward()
    >>> w.grad[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    if not isinstance(weight, Tensor):
        weight = Tensor(weight)
    x = _input(input, weight.dtype)
    _same_dtype(x, "input", weight.dtype)
    if bias is not None and not isinstance(bias, Tensor):
        bias = Tensor(bias, dtype=weight.dtype)
    _same_dtype(bias, "bias", weight.dtype)
    stride, padding, out = check_conv2d(
        x.shape, weight.shape, None if bias is None else bias.shape, stride, padding
    )
    n, (o, c, kh, kw) = x.shape[0], weight.shape
    positions = out[0] * out[1]
    columns = unfold(np, x.data, (kh, kw), stride, padding, out)  # (kh·kw·C, N·Ho·Wo)
    per_sample = columns.reshape(-1, n, positions).transpose(1, 0, 2)  # (N, kh·kw·C, Ho·Wo)
    matrix = weight.data.transpose(0, 2, 3, 1).reshape(o, kh * kw * c)  # rows (i, j, c)
    y = np.matmul(matrix, per_sample)  # (N, O, Ho·Wo): each sample's block of columns
    if bias is not None:
        y += bias.data.reshape(1, o, 1)
    saved = per_sample if weight.requires_grad else None  # only the weight's gradient needs it

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        g_samples = g.reshape(n, o, positions)
        grad_x = grad_w = grad_b = None
        if saved is not None:
            grad_matrix = np.matmul(saved, g_samples.transpose(0, 2, 1)).sum(axis=0)
            grad_w = np.ascontiguousarray(grad_matrix.reshape(kh, kw, c, o).transpose(3, 2, 0, 1))
        if bias is not None and bias.requires_grad:
            grad_b = g_samples.sum(axis=(0, 2))
        if x.requires_grad:
            grad_x = input_gradient(matrix, g, x.shape, (kh, kw), stride, padding, out)
        return (grad_x, grad_w) if bias is None else (grad_x, grad_w, grad_b)

    parents = (x, weight) if bias is None else (x, weight, bias)
    return record("conv2d", y.reshape(n, o, *out), parents, backward)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    r"""The largest value of each window, as ``torch.nn.functional.max_pool2d``.

    .. math::

        y[n, c, p, q] = \max_{0 \le i < k_h,\ 0 \le j < k_w}
        x_{\text{pad}}[n, c,\, p s_h + i,\, q s_w + j]

    with :math:`-\infty` as padding. The gradient of each output goes to the
    input position of its maximum; on a tie, to the first maximum in the
    window's row-major order (as PyTorch on the CPU), and a NaN in a window
    is its maximum. Windows that overlap (``stride`` < ``kernel_size``) add
    their gradients where they share a maximum.

    Parameters
    ----------
    input : Tensor or array of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (windows side by side).
    padding : int or (int, int), default 0
        At most half the kernel size.

    Returns
    -------
    Tensor of shape (N, C, Ho, Wo)

    Examples
    --------
    >>> x = Tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True)
    >>> y = max_pool2d(x, 2)
    >>> y.data.ravel(), y.backward(np.ones((1, 1, 1, 1)))
    (array([3.]), None)
    >>> x.grad[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x = _input(input, None)
    kernel, stride, padding, out = check_pool2d(x.shape, kernel_size, stride, padding)
    padded = pad2d(np, x.data, padding, value=-np.inf)
    slices = window_slices(kernel, stride, out)
    best = np.array(padded[(slice(None), slice(None), *slices[0][2])])
    where = np.zeros(best.shape, dtype=np.min_scalar_type(len(slices) - 1))
    for k, (_, _, window) in enumerate(slices[1:], start=1):
        values = padded[(slice(None), slice(None), *window)]
        better = (values > best) | np.isnan(values)  # strict: a tie keeps the first maximum
        np.copyto(best, values, where=better)
        where[better] = k

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros(padded.shape, dtype=g.dtype)
        for k, (_, _, window) in enumerate(slices):
            grad[(slice(None), slice(None), *window)] += np.where(where == k, g, 0.0)
        (ph, pw), (h, w) = padding, x.shape[2:]
        return (grad[:, :, ph : ph + h, pw : pw + w] if ph or pw else grad,)

    return record("max_pool2d", best, (x,), backward)
