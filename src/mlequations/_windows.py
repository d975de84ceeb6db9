r"""Sliding windows over batches of images: the shared machinery of convolution and pooling.

A window of ``kernel`` rows and columns moves over the zero-padded input by
``stride``; :func:`window_slices` gives, for each kernel offset, the strided
slice of the input that offset meets at every output position, and
:func:`unfold` (im2col) copies those slices into the columns of one matrix.
The checks name the argument that is wrong. Used by
:mod:`mlequations.convolution` (layer 1) and the engine's
``conv2d`` and ``max_pool2d`` (:mod:`mlequations.nn.functional_convolution`);
array-API generic, with NumPy fast paths.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from array_api_compat import device

from mlequations._array import ArrayTypeError, ShapeError, ValidationError, is_numpy_namespace
from mlequations._checks import check_integer

__all__ = [
    "as_pair",
    "check_4d",
    "check_conv2d",
    "check_pool2d",
    "conv_output_size",
    "pad2d",
    "unfold",
    "window_geometry",
    "window_slices",
]


def as_pair(value: Any, name: str, low: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``low``, as a pair (``stride=2`` is ``(2, 2)``)."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValidationError(f"{name} must be an integer or a pair of them, got {value!r}")
        return check_integer(value[0], name, low), check_integer(value[1], name, low)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArrayTypeError(
            f"{name} must be an integer or a pair of them, got {type(value).__name__}"
        )
    size = check_integer(value, name, low)
    return size, size


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    r"""The output length of a convolution or pooling window along one axis.

    .. math::

        \left\lfloor \frac{\text{size} + 2\,\text{padding} - \text{kernel}}{\text{stride}}
        \right\rfloor + 1

    Examples
    --------
    >>> conv_output_size(28, 3, 1, 0), conv_output_size(28, 3, 2, 1)
    (26, 14)
    """
    return (size + 2 * padding - kernel) // stride + 1


def pad2d(xp: Any, x: Any, padding: tuple[int, int], value: float = 0.0) -> Any:
    """A 4-D ``x`` with ``padding`` rows and columns of ``value`` around its last two axes."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    n, c, h, w = (int(d) for d in x.shape)
    if is_numpy_namespace(xp):
        padded = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
        padded[:, :, ph : ph + h, pw : pw + w] = x
        return padded
    columns = xp.full((n, c, h, pw), value, dtype=x.dtype, device=device(x))
    x = xp.concat([columns, x, columns], axis=3)
    rows = xp.full((n, c, ph, w + 2 * pw), value, dtype=x.dtype, device=device(x))
    return xp.concat([rows, x, rows], axis=2)


def window_slices(
    kernel: tuple[int, int], stride: tuple[int, int], out: tuple[int, int]
) -> list[tuple[int, int, tuple[slice, slice]]]:
    """For each kernel offset ``(i, j)``, the slice of the padded input that offset sees.

    Offset ``(i, j)`` meets, at output position ``(p, q)``, the padded input at
    ``(p·stride + i, q·stride + j)``: a strided slice of shape ``out``.
    """
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out
    return [
        (i, j, (slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)))
        for i in range(kh)
        for j in range(kw)
    ]


def unfold(
    xp: Any,
    x: Any,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    out: tuple[int, int],
) -> Any:
    """The im2col columns of ``x`` (N, C, H, W): shape (kh·kw·C, N·Ho·Wo), offset-major.

    Row :math:`(i, j, c)` holds, for every sample and output position, the
    padded input value that kernel offset :math:`(i, j)` meets in channel
    :math:`c`; so with the weight laid out alike,
    ``permute_dims(weight, (0, 2, 3, 1)).reshape(O, -1) @ columns`` is the
    whole convolution in one matrix product. One strided copy per kernel
    offset (NumPy writes straight into the result); no checks:
    :func:`~mlequations.convolution.im2col` and the ``conv2d`` functions
    validate first.
    """
    n, c = int(x.shape[0]), int(x.shape[1])
    rows = c * kernel[0] * kernel[1]
    padded = pad2d(xp, xp.permute_dims(x, (1, 0, 2, 3)), padding)  # (C, N, Hp, Wp)
    offsets = window_slices(kernel, stride, out)
    if is_numpy_namespace(xp):
        columns = np.empty((len(offsets), c, n, *out), dtype=x.dtype)
        for k, (_, _, window) in enumerate(offsets):
            columns[k] = padded[(slice(None), slice(None), *window)]
    else:
        patches = [padded[(slice(None), slice(None), *window)] for _, _, window in offsets]
        columns = xp.stack(patches, axis=0)  # (kh·kw, C, N, Ho, Wo)
    return xp.reshape(columns, (rows, n * out[0] * out[1]))


def window_geometry(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: Any, padding: Any, kernel_name: str
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """``(stride, padding, output size)`` as pairs for a window on an (N, C, H, W) input.

    Raises an error naming ``stride``, ``padding`` or the kernel (``kernel_name``)
    when a stride is below 1, a padding below 0 or the kernel larger than the
    padded input.
    """
    stride, padding = as_pair(stride, "stride", 1), as_pair(padding, "padding", 0)
    padded = (int(shape[2]) + 2 * padding[0], int(shape[3]) + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        raise ShapeError(
            f"{kernel_name} {kernel} must fit in the padded input {padded} (input "
            f"{tuple(int(d) for d in shape[2:])} with padding {padding}), got a larger kernel"
        )
    out = tuple(
        conv_output_size(int(shape[2 + a]), kernel[a], stride[a], padding[a]) for a in range(2)
    )
    return stride, padding, out


def check_4d(shape: tuple[int, ...], name: str, layout: str) -> None:
    """Raise :class:`ShapeError` unless ``shape`` has 4 axes (``layout`` names them)."""
    if len(shape) != 4:
        raise ShapeError(
            f"{name} must be a 4-D array {layout}, got shape {tuple(int(d) for d in shape)}"
        )


def check_conv2d(
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    bias_shape: tuple[int, ...] | None,
    stride: Any,
    padding: Any,
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check the arguments of a 2-D convolution; return ``(stride, padding, output size)``."""
    check_4d(input_shape, "input", "(N, C, H, W)")
    check_4d(weight_shape, "weight", "(out_channels, in_channels, kh, kw)")
    out_channels, in_channels = int(weight_shape[0]), int(weight_shape[1])
    if in_channels != int(input_shape[1]):
        raise ShapeError(
            f"weight must have in_channels = {int(input_shape[1])} (the channels of input, "
            f"axis 1 of (N, C, H, W)), got weight of shape {tuple(weight_shape)}"
        )
    if bias_shape is not None and tuple(bias_shape) != (out_channels,):
        raise ShapeError(
            f"bias must have shape ({out_channels},), one value per output channel, got "
            f"{tuple(bias_shape)}"
        )
    kernel = (int(weight_shape[2]), int(weight_shape[3]))
    return window_geometry(input_shape, kernel, stride, padding, "weight's kernel")


def check_pool2d(
    shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check a pooling window; return ``(kernel, stride, padding, output size)`` as pairs.

    ``stride`` None means ``kernel_size`` (windows side by side); the padding
    may be at most half the kernel, so that no window lies wholly in it.
    """
    check_4d(shape, "input", "(N, C, H, W)")
    kernel = as_pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else stride
    stride, padding, out = window_geometry(shape, kernel, stride, padding, "kernel_size")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValidationError(
            f"padding must be at most half of kernel_size {kernel} (so no window lies wholly "
            f"in the padding), got {padding}"
        )
    return kernel, stride, padding, out
