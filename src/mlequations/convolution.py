r"""Layer 1: convolution, from the integral of two functions to the layer of a CNN.

The convolution of two functions slides one, reversed, across the other and
integrates their product,

.. math::

    (f * g)(t) = \int_{-\infty}^{\infty} f(\tau)\, g(t - \tau)\, d\tau,
    \qquad (f * g)[n] = \sum_m f[m]\, g[n - m],

the second form being the same for sequences. :func:`continuous_convolution`
approximates the integral on a grid, :func:`convolve` is the discrete 1-D form
(as :func:`numpy.convolve`), and :func:`conv2d` is what a convolutional layer
computes: a *cross-correlation* (the kernel is not reversed, which makes no
difference to a kernel that is learned), for every output channel, summed over
the input channels. It unfolds the input patches into columns
(:func:`im2col`) and applies the kernels in one matrix product.

Every function is array-API generic (NumPy, PyTorch, array-api-strict, ...),
returns the caller's kind of array and keeps float32 as float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from array_api_compat import device

from mlequations._array import (
    ShapeError,
    ValidationError,
    array_namespace,
    as_array,
    as_arrays,
    is_numpy_namespace,
    to_numpy,
)
from mlequations._checks import check_finite, check_nonempty
from mlequations._windows import (
    as_pair,
    check_4d,
    check_conv2d,
    check_pool2d,
    pad2d,
    unfold,
    window_geometry,
    window_slices,
)

__all__ = [
    "continuous_convolution",
    "conv2d",
    "convolve",
    "im2col",
    "max_pool2d",
]

_MODES = ("full", "same", "valid")

# --------------------------------------------------------------------------- 1-D


def _signal(x: Any, name: str) -> None:
    if x.ndim != 1:
        raise ShapeError(f"{name} must be a 1-D signal, got shape {tuple(x.shape)}")
    check_nonempty(x, name)


def _zeros(xp: Any, shape: tuple[int, ...], like: Any) -> Any:
    return xp.zeros(shape, dtype=like.dtype, device=device(like))


def convolve(f: Any, g: Any, mode: str = "full") -> Any:
    r"""The discrete convolution of two 1-D signals, as :func:`numpy.convolve`.

    .. math::

        (f * g)[n] = \sum_m f[m]\, g[n - m]

    Each tap of the shorter signal adds a shifted, scaled copy of the longer
    one: :math:`O(nm)` work in :math:`m` steps for lengths :math:`n \ge m`
    (use :func:`scipy.signal.fftconvolve` for two long signals).

    Parameters
    ----------
    f, g : array_like, 1-D, non-empty
    mode : {"full", "same", "valid"}, default "full"
        ``"full"``: every overlap, length :math:`n + m - 1`; ``"same"``: the
        middle :math:`\max(n, m)` values of the full result; ``"valid"``: only
        where the signals overlap completely, length :math:`n - m + 1`.

    Returns
    -------
    array, 1-D, the dtype ``f`` and ``g`` promote to

    Examples
    --------
    >>> convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5], mode="same")
    array([1. , 2.5, 4. ])
    """
    xp, f, g = as_arrays(f, g, names=("f", "g"))
    _signal(f, "f")
    _signal(g, "g")
    if mode not in _MODES:
        raise ValidationError(f"mode must be one of {_MODES}, got {mode!r}")
    long, short = (f, g) if f.shape[0] >= g.shape[0] else (g, f)
    n, m = int(long.shape[0]), int(short.shape[0])
    if is_numpy_namespace(xp):
        full = np.zeros(n + m - 1, dtype=long.dtype)
        for j in range(m):
            full[j : j + n] += short[j] * long
    else:
        full = _zeros(xp, (n + m - 1,), long)
        for j in range(m):
            before, after = _zeros(xp, (j,), long), _zeros(xp, (m - 1 - j,), long)
            full = full + xp.concat([before, short[j] * long, after])
    start, length = {
        "full": (0, n + m - 1),
        "same": ((m - 1) // 2, n),
        "valid": (m - 1, n - m + 1),
    }[mode]
    return full[start : start + length]


# --------------------------------------------------------------------------- the integral


def _grid_spacing(t: Any) -> float:
    """The spacing of the uniform, increasing grid ``t``, or a clear error.

    The checks run on a NumPy copy of the grid (a handful of numbers), so a
    grid that carries an autograd history is only read, never differentiated.
    """
    if t.ndim != 1 or t.shape[0] < 2:
        raise ShapeError(f"t must be a 1-D grid of at least 2 points, got shape {tuple(t.shape)}")
    grid = to_numpy(t)
    check_finite(grid, "t", np)
    spacing = float(grid[-1] - grid[0]) / (len(grid) - 1)
    steps = np.diff(grid)
    tolerance = 1e-6 * abs(spacing) + 16 * float(np.finfo(grid.dtype).eps * np.abs(grid).max())
    if not spacing > 0 or bool(np.any(np.abs(steps - spacing) > tolerance)):
        raise ValidationError(
            f"t must be an increasing, evenly spaced grid, got steps from "
            f"{float(steps.min()):.6g} to {float(steps.max()):.6g}"
        )
    return spacing


def _values(h: Any, points: Any, name: str, xp: Any) -> Any:
    """``h(points)`` for a callable, else ``h`` itself, as an array shaped like ``points``."""
    values = as_array(h(points) if callable(h) else h, name, xp)
    if tuple(values.shape) != tuple(points.shape):
        where = f"{name}(t)" if callable(h) else name
        raise ShapeError(
            f"{where} must have the grid's shape {tuple(points.shape)}, got {tuple(values.shape)}"
        )
    return xp.astype(values, points.dtype) if values.dtype != points.dtype else values


def _lagged_samples(g: Any, t: Any, spacing: float, xp: Any) -> Any:
    r""":math:`g(k\Delta)` for :math:`k = -(n-1), \dots, n-1` from samples of ``g`` on ``t``.

    A sample :math:`g(t_j)` is the lag :math:`k = j + t_0/\Delta`, so the grid
    must be aligned with 0 (:math:`t_0/\Delta` an integer); lags beyond the
    samples are taken as 0.
    """
    n = int(t.shape[0])
    ratio = float(to_numpy(t[0:1])[0]) / spacing
    if abs(ratio - round(ratio)) > 1e-6 + 64 * float(xp.finfo(t.dtype).eps) * abs(ratio):
        raise ValidationError(
            f"t must hold whole multiples of its spacing (e.g. a grid symmetric around 0) "
            f"when g is given as samples, got t[0] / spacing = {ratio:.6g}; pass g as a "
            f"callable to evaluate it anywhere"
        )
    offset = n - 1 + round(ratio)  # the index of sample g(t_0) among the 2n - 1 lags
    low, high = max(0, -offset), min(n, 2 * n - 1 - offset)
    if low >= high:
        return _zeros(xp, (2 * n - 1,), t)
    kept = g[low:high]
    before = _zeros(xp, (offset + low,), t)
    after = _zeros(xp, (2 * n - 1 - offset - high,), t)
    return xp.concat([before, kept, after])


def continuous_convolution(f: Any, g: Any, t: Any) -> Any:
    r"""The convolution integral :math:`(f * g)(t)` at the points of a uniform grid.

    .. math::

        (f * g)(t_n) = \int f(\tau)\, g(t_n - \tau)\, d\tau
        \approx \sum_{m=0}^{N-1} w_m\, f(t_m)\, g\big((n - m)\Delta\big)

    The integration variable :math:`\tau` runs over the same grid
    :math:`t_m = t_0 + m\Delta` with trapezoid weights :math:`w_m` (:math:`\Delta`,
    halved at both ends), so :math:`f` must be negligible outside the grid.
    Since :math:`t_n - t_m = (n - m)\Delta`, the sum is one discrete
    convolution (:func:`convolve`) of the weighted samples of :math:`f` with the
    values of :math:`g` at the lags :math:`k\Delta`, :math:`|k| < N`.

    Parameters
    ----------
    f : callable or array_like
        A function evaluated at ``t`` (it must accept and return arrays of
        ``t``'s kind), or its samples on ``t`` (shape ``(N,)``).
    g : callable or array_like
        A function, evaluated at the lags :math:`k\Delta` (exact wherever
        needed), or its samples on ``t``. Samples cover the lags only on a grid
        aligned with 0 (``t[0]`` a whole multiple of the spacing, e.g.
        ``linspace(-5, 5, 1001)``); beyond the grid ``g`` is taken as 0.
    t : array_like, 1-D
        An increasing, evenly spaced grid of at least 2 points.

    Returns
    -------
    array of shape ``(N,)`` and ``t``'s dtype

    Examples
    --------
    Two Gaussian densities give the Gaussian whose mean and variance are the
    sums, :math:`\mathcal{N}(1, 0.5^2) * \mathcal{N}(-1, 1.2^2) = \mathcal{N}(0, 1.69)`:

    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> t = np.linspace(-10, 10, 2001)
    >>> h = continuous_convolution(norm(1, 0.5).pdf, norm(-1, 1.2).pdf, t)
    >>> bool(np.allclose(h, norm(0, 1.3).pdf(t), atol=1e-12))
    True
    """
    xp = array_namespace(*(v for v in (f, g, t) if not callable(v)))
    t = as_array(t, "t", xp)
    spacing = _grid_spacing(t)
    n = int(t.shape[0])
    half = xp.full((1,), 0.5 * spacing, dtype=t.dtype, device=device(t))
    inner = xp.full((n - 2,), spacing, dtype=t.dtype, device=device(t))
    weights = xp.concat([half, inner, half])  # the trapezoid rule
    weighted = weights * _values(f, t, "f", xp)
    if callable(g):
        lags = xp.arange(-(n - 1), n, dtype=t.dtype, device=device(t)) * spacing
        lagged = _values(g, lags, "g", xp)
    else:
        lagged = _lagged_samples(_values(g, t, "g", xp), t, spacing, xp)
    return convolve(weighted, lagged)[n - 1 : 2 * n - 1]


# --------------------------------------------------------------------------- 2-D, as CNNs


def im2col(x: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Any:
    r"""Unfold every kernel-sized patch of a batch of images into a column.

    For input :math:`x` of shape (N, C, H, W), column :math:`(p, q)` of sample
    :math:`n` lists the :math:`C k_h k_w` values the kernel sees at output
    position :math:`(p, q)`, channel first, then kernel row and column (the
    order of ``weight.reshape(out_channels, -1)``):

    .. math::

        \operatorname{cols}[n, (c, i, j), (p, q)] = x_{\text{pad}}[n, c,\,
        p s_h + i,\, q s_w + j]

    so a convolution becomes one matrix product. The columns repeat each input
    value up to :math:`k_h k_w` times: memory is traded for the speed of the
    product. The layout is that of ``torch.nn.functional.unfold``.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros added on each side of the height and width.

    Returns
    -------
    array of shape (N, C·kh·kw, Ho·Wo)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> im2col(x, 2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    xp, x = as_arrays(x, names=("x",))
    check_4d(tuple(x.shape), "x", "(N, C, H, W)")
    kernel = as_pair(kernel_size, "kernel_size", 1)
    stride, padding, out = window_geometry(tuple(x.shape), kernel, stride, padding, "kernel_size")
    columns = unfold(xp, x, kernel, stride, padding, out)  # rows (i, j, c), N·Ho·Wo columns
    n, c, positions = int(x.shape[0]), int(x.shape[1]), out[0] * out[1]
    columns = xp.reshape(columns, (kernel[0] * kernel[1], c, n, positions))
    columns = xp.permute_dims(columns, (2, 1, 0, 3))  # (N, C, kh·kw, Ho·Wo): rows (c, i, j)
    return xp.reshape(columns, (n, c * kernel[0] * kernel[1], positions))


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Any:
    r"""The 2-D convolution of a CNN layer, in NCHW layout, as ``torch.nn.functional.conv2d``.

    .. math::

        y[n, o, p, q] = b_o + \sum_{c=0}^{C-1} \sum_{i=0}^{k_h-1} \sum_{j=0}^{k_w-1}
        w[o, c, i, j]\; x_{\text{pad}}[n, c,\, p s_h + i,\, q s_w + j]

    a cross-correlation (the kernel is not flipped, unlike :func:`convolve`).
    Computed as one (batched) matrix product :math:`Y_n = W X_n + b`, with
    :math:`W` = ``weight`` as an (O, C·kh·kw) matrix and :math:`X_n` the
    (C·kh·kw, Ho·Wo) columns of :func:`im2col` of sample :math:`n`.

    Parameters
    ----------
    input : array_like of shape (N, C, H, W)
    weight : array_like of shape (O, C, kh, kw)
    bias : array_like of shape (O,), optional
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0

    Returns
    -------
    array of shape (N, O, Ho, Wo), :math:`H_o = \lfloor (H + 2p_h - k_h)/s_h \rfloor + 1`

    Raises
    ------
    ShapeError
        If ``weight``'s in-channels differ from ``input``'s channels, or the
        kernel is larger than the padded input.
    ValidationError
        If ``stride`` < 1 or ``padding`` < 0.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(image, np.ones((1, 1, 3, 3)))[0, 0]
    array([[45., 54.],
           [81., 90.]])
    >>> conv2d(np.ones((2, 1, 28, 28)), np.ones((4, 1, 3, 3)), stride=2, padding=1).shape
    (2, 4, 14, 14)
    """
    arrays = (input, weight) if bias is None else (input, weight, bias)
    xp, x, w, *b = as_arrays(*arrays, names=("input", "weight", "bias")[: len(arrays)])
    shapes = (tuple(x.shape), tuple(w.shape), tuple(b[0].shape) if b else None)
    stride, padding, out = check_conv2d(*shapes, stride, padding)
    o, c, kh, kw = (int(d) for d in w.shape)
    columns = unfold(xp, x, (kh, kw), stride, padding, out)  # (kh·kw·C, N·Ho·Wo)
    matrix = xp.reshape(xp.permute_dims(w, (0, 2, 3, 1)), (o, kh * kw * c))  # rows (i, j, c)
    n, positions = int(x.shape[0]), out[0] * out[1]
    per_sample = xp.permute_dims(xp.reshape(columns, (kh * kw * c, n, positions)), (1, 0, 2))
    y = xp.reshape(matrix @ per_sample, (n, o, *out))  # Y_n = W X_n for every sample n
    return y + xp.reshape(b[0], (1, o, 1, 1)) if b else y


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Any:
    r"""The largest value of each window, NCHW, as ``torch.nn.functional.max_pool2d``.

    .. math::

        y[n, c, p, q] = \max_{0 \le i < k_h,\ 0 \le j < k_w}
        x_{\text{pad}}[n, c,\, p s_h + i,\, q s_w + j]

    with :math:`-\infty` as padding: the maximum over the :math:`k_h k_w`
    strided slices, one per kernel offset. A NaN in a window gives NaN.
    (Through PyTorch's autograd a tie splits the gradient between the maxima;
    the engine's :func:`mlequations.nn.functional.max_pool2d` gives it to the
    first, as ``torch.nn.functional.max_pool2d`` does.)

    Parameters
    ----------
    input : array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``: windows side by side.
    padding : int or (int, int), default 0
        At most half the kernel size.

    Returns
    -------
    array of shape (N, C, Ho, Wo), :math:`H_o = \lfloor (H + 2p_h - k_h)/s_h \rfloor + 1`

    Examples
    --------
    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    xp, x = as_arrays(input, names=("input",))
    kernel, stride, padding, out = check_pool2d(tuple(x.shape), kernel_size, stride, padding)
    padded = pad2d(xp, x, padding, value=-math.inf)
    offsets = window_slices(kernel, stride, out)
    windows = [padded[(slice(None), slice(None), *window)] for _, _, window in offsets]
    return xp.max(xp.stack(windows, axis=0), axis=0)  # over the kernel offsets
