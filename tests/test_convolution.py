"""Layer-1 convolution: 1-D vs NumPy, the integral vs closed forms, conv2d vs PyTorch and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, stats

from conftest import require
from mlequations._array import ArrayTypeError, EmptyInputError, ShapeError, ValidationError
from mlequations._windows import conv_output_size
from mlequations.convolution import (
    continuous_convolution,
    conv2d,
    convolve,
    im2col,
    max_pool2d,
)

MODES = ["full", "same", "valid"]

# --------------------------------------------------------------------------- convolve


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lengths", [(7, 4), (4, 7), (5, 5), (1, 6), (6, 1), (8, 2)])
def test_convolve_matches_numpy(rng, mode, lengths):
    f, g = rng.normal(size=lengths[0]), rng.normal(size=lengths[1])
    np.testing.assert_allclose(
        convolve(f, g, mode), np.convolve(f, g, mode), rtol=1e-12, atol=1e-13
    )


def test_convolve_is_commutative_and_keeps_float32(rng):
    f, g = rng.normal(size=9).astype(np.float32), rng.normal(size=4).astype(np.float32)
    h = convolve(f, g)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, convolve(g, f), rtol=1e-6)
    np.testing.assert_allclose(h, np.convolve(f, g), rtol=1e-5, atol=1e-6)


def test_convolve_of_a_unit_impulse_is_the_signal():
    np.testing.assert_array_equal(convolve([1.0, 2.0, 3.0], [1.0]), [1.0, 2.0, 3.0])
    # moving-average kernel: a box smooths a step into a ramp
    np.testing.assert_allclose(
        convolve([0.0, 0.0, 1.0, 1.0, 1.0], [0.5, 0.5], "valid"), [0.0, 0.5, 1.0, 1.0]
    )


@pytest.mark.parametrize("mode", MODES)
def test_convolve_on_every_backend(backend, rng, mode):
    f, g = rng.normal(size=6), rng.normal(size=3)
    result = convolve(backend.asarray(f), backend.asarray(g), mode)
    assert backend.is_native(result)
    np.testing.assert_allclose(backend.to_numpy(result), np.convolve(f, g, mode), rtol=1e-12)


def test_convolve_errors_name_the_argument():
    with pytest.raises(ShapeError, match="f must be a 1-D signal, got shape"):
        convolve(np.ones((2, 2)), [1.0])
    with pytest.raises(EmptyInputError, match="g must not be empty"):
        convolve([1.0], [])
    with pytest.raises(ValidationError, match="mode must be one of"):
        convolve([1.0], [1.0], mode="circular")
    with pytest.raises(ArrayTypeError, match="f must be"):
        convolve("abc", [1.0])


# --------------------------------------------------------------------------- the integral

GRID = np.linspace(-12.0, 12.0, 2401)  # spacing 0.01, aligned with 0


@pytest.mark.parametrize(
    "form", ["callables", "samples", "f samples, g callable", "f callable, g samples"]
)
def test_two_gaussians_give_the_gaussian_with_summed_mean_and_variance(form):
    first, second = stats.norm(1.0, 0.5), stats.norm(-2.5, 1.2)
    f = first.pdf if form.startswith(("callables", "f callable")) else first.pdf(GRID)
    g = second.pdf if form in ("callables", "f samples, g callable") else second.pdf(GRID)
    expected = stats.norm(1.0 - 2.5, np.sqrt(0.5**2 + 1.2**2)).pdf(GRID)
    np.testing.assert_allclose(continuous_convolution(f, g, GRID), expected, atol=1e-12)


def test_convolution_of_densities_is_a_density_with_summed_moments():
    t = np.linspace(-20.0, 20.0, 4001)
    f, g = stats.gamma(3.0).pdf, stats.norm(0.5, 0.8).pdf  # skewed, heavy on one side
    h = continuous_convolution(f, g, t)
    spacing = t[1] - t[0]
    mean = np.sum(t * h) * spacing
    variance = np.sum((t - mean) ** 2 * h) * spacing
    assert np.sum(h) * spacing == pytest.approx(1.0, abs=1e-6)
    assert mean == pytest.approx(3.0 + 0.5, abs=1e-4)  # means add
    assert variance == pytest.approx(3.0 + 0.8**2, abs=1e-3)  # variances add


def test_two_boxes_give_a_triangle():
    t = np.linspace(-2.0, 2.0, 4001)
    box = lambda s: (np.abs(s) <= 0.5).astype(float)  # noqa: E731 - a test helper
    triangle = np.clip(1.0 - np.abs(t), 0.0, None)
    np.testing.assert_allclose(continuous_convolution(box, box, t), triangle, atol=2e-3)


def test_samples_on_a_grid_away_from_zero_keep_the_right_lags():
    t = np.linspace(0.0, 20.0, 2001)  # aligned with 0 (t[0] / spacing = 0), not symmetric
    f, g = stats.norm(5.0, 0.5), stats.norm(6.0, 0.6)  # both negligible below 0
    expected = stats.norm(11.0, np.hypot(0.5, 0.6)).pdf(t)
    np.testing.assert_allclose(continuous_convolution(f.pdf(t), g.pdf(t), t), expected, atol=1e-12)
    np.testing.assert_allclose(continuous_convolution(f.pdf, g.pdf, t), expected, atol=1e-12)


def test_continuous_convolution_keeps_float32_and_works_on_torch():
    torch = require("torch")
    t = torch.linspace(-10.0, 10.0, 2001)
    gaussian = lambda s: torch.exp(-0.5 * s**2) / np.sqrt(2 * np.pi)  # noqa: E731
    h = continuous_convolution(gaussian, gaussian, t)
    assert isinstance(h, torch.Tensor)
    assert h.dtype == torch.float32
    expected = stats.norm(0.0, np.sqrt(2.0)).pdf(t.numpy().astype(np.float64))
    np.testing.assert_allclose(h.numpy(), expected, atol=2e-6)


def test_continuous_convolution_on_array_api_strict():
    xps = require("array_api_strict")
    t = np.linspace(-8.0, 8.0, 801)
    samples = stats.norm(0.0, 1.0).pdf(t)
    h = continuous_convolution(xps.asarray(samples), xps.asarray(samples), xps.asarray(t))
    np.testing.assert_allclose(np.from_dlpack(h), stats.norm(0.0, np.sqrt(2.0)).pdf(t), atol=1e-10)


def test_continuous_convolution_errors():
    t = np.linspace(-1.0, 1.0, 11)
    with pytest.raises(ValidationError, match="t must be an increasing, evenly spaced grid"):
        continuous_convolution(np.exp, np.exp, np.array([0.0, 0.1, 0.3]))
    with pytest.raises(ValidationError, match="t must be an increasing"):
        continuous_convolution(np.exp, np.exp, t[::-1])
    with pytest.raises(ShapeError, match="t must be a 1-D grid of at least 2 points"):
        continuous_convolution(np.exp, np.exp, np.array([0.0]))
    with pytest.raises(ShapeError, match=r"f must have the grid's shape \(11,\), got \(5,\)"):
        continuous_convolution(np.ones(5), np.exp, t)
    with pytest.raises(ShapeError, match=r"g\(t\) must have the grid's shape"):
        continuous_convolution(np.exp, lambda s: np.ones(3), t)
    with pytest.raises(ValidationError, match="t must hold whole multiples of its spacing"):
        continuous_convolution(np.exp, np.ones(11), t + 0.05)


# --------------------------------------------------------------------------- conv2d

CASES = [  # (input shape, weight shape, stride, padding)
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, 0),
    ((2, 3, 9, 8), (4, 3, 3, 3), 2, 1),
    ((1, 1, 7, 7), (2, 1, 2, 3), (2, 1), (1, 2)),
    ((3, 4, 6, 10), (5, 4, 1, 1), 1, 0),
    ((2, 2, 5, 5), (3, 2, 5, 5), 3, 2),
    ((1, 2, 4, 4), (1, 2, 4, 4), 1, 0),  # the kernel covers the whole input
]


def _torch_conv2d(torch, x, w, b, stride, padding):
    bias = None if b is None else torch.from_numpy(b)
    out = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), bias, stride=stride, padding=padding
    )
    return out.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CASES)
def test_conv2d_matches_pytorch(torch, rng, dtype, with_bias, x_shape, w_shape, stride, padding):
    x, w = rng.normal(size=x_shape).astype(dtype), rng.normal(size=w_shape).astype(dtype)
    b = rng.normal(size=w_shape[0]).astype(dtype) if with_bias else None
    out = conv2d(x, w, b, stride=stride, padding=padding)
    assert out.dtype == np.dtype(dtype)
    tolerance = (
        {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-5}
    )
    np.testing.assert_allclose(out, _torch_conv2d(torch, x, w, b, stride, padding), **tolerance)


def test_conv2d_is_scipy_correlate2d_summed_over_channels(rng):
    x, w = rng.normal(size=(1, 3, 8, 7)), rng.normal(size=(2, 3, 3, 2))
    expected = np.stack(
        [
            sum(signal.correlate2d(x[0, c], w[o, c], mode="valid") for c in range(3))
            for o in range(2)
        ]
    )
    np.testing.assert_allclose(conv2d(x, w)[0], expected, rtol=1e-12, atol=1e-12)


def test_conv2d_with_a_flipped_kernel_is_scipy_convolve2d(rng):
    x, w = rng.normal(size=(1, 1, 6, 6)), rng.normal(size=(1, 1, 3, 3))
    flipped = w[:, :, ::-1, ::-1].copy()
    np.testing.assert_allclose(
        conv2d(x, flipped)[0, 0], signal.convolve2d(x[0, 0], w[0, 0], mode="valid"), rtol=1e-12
    )


def test_conv2d_on_every_backend(backend, rng):
    x, w, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    result = conv2d(backend.asarray(x), backend.asarray(w), backend.asarray(b), 2, 1)
    assert backend.is_native(result)
    np.testing.assert_allclose(
        backend.to_numpy(result), conv2d(x, w, b, stride=2, padding=1), rtol=1e-12, atol=1e-12
    )


def test_conv2d_gradients_flow_through_torch_autograd(torch, rng):
    x = torch.tensor(rng.normal(size=(2, 3, 6, 6)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(4, 3, 3, 3)), requires_grad=True)
    ours = torch.autograd.grad(conv2d(x, w, stride=2, padding=1).square().sum(), (x, w))
    theirs = torch.autograd.grad(
        torch.nn.functional.conv2d(x, w, stride=2, padding=1).square().sum(), (x, w)
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_im2col_matches_torch_unfold(torch, rng):
    x = rng.normal(size=(2, 3, 7, 6))
    expected = torch.nn.functional.unfold(
        torch.from_numpy(x), kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)
    )
    np.testing.assert_array_equal(im2col(x, (3, 2), stride=(2, 1), padding=(1, 0)), expected)


def test_the_guides_example_shape():
    """The guide: a 3×3 kernel over a 28×28 image leaves 26×26 (no padding)."""
    out = conv2d(np.ones((1, 1, 28, 28)), np.ones((1, 1, 3, 3)))
    assert out.shape == (1, 1, 26, 26)
    assert np.all(out == 9.0)
    assert conv_output_size(28, 3, 1, 0) == 26


def test_conv2d_errors_name_the_argument():
    x, w = np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3))
    with pytest.raises(ShapeError, match=r"weight must have in_channels = 3 .* got weight of"):
        conv2d(x, np.ones((2, 4, 3, 3)))
    with pytest.raises(ShapeError, match=r"weight's kernel \(7, 7\) must fit in the padded input"):
        conv2d(x, np.ones((2, 3, 7, 7)))
    assert conv2d(x, np.ones((2, 3, 7, 7)), padding=1).shape == (1, 2, 1, 1)
    with pytest.raises(ValidationError, match="stride must be >= 1, got 0"):
        conv2d(x, w, stride=0)
    with pytest.raises(ValidationError, match="padding must be >= 0, got -1"):
        conv2d(x, w, padding=(0, -1))
    with pytest.raises(ValidationError, match="stride must be an integer or a pair"):
        conv2d(x, w, stride=(1, 1, 1))
    with pytest.raises(ArrayTypeError, match="stride must be an integer or a pair"):
        conv2d(x, w, stride=1.5)
    with pytest.raises(ShapeError, match=r"input must be a 4-D array \(N, C, H, W\)"):
        conv2d(np.ones((3, 5, 5)), w)
    with pytest.raises(ShapeError, match=r"bias must have shape \(2,\)"):
        conv2d(x, w, np.ones(3))


# --------------------------------------------------------------------------- max_pool2d

POOLS = [  # (kernel, stride, padding, input shape)
    (2, None, 0, (2, 3, 8, 8)),
    (2, None, 0, (1, 2, 7, 9)),
    (3, 2, 1, (2, 2, 9, 8)),
    ((2, 3), (1, 2), (1, 1), (1, 2, 7, 9)),
    (1, 2, 0, (1, 1, 5, 5)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("kernel", "stride", "padding", "shape"), POOLS)
def test_max_pool2d_matches_pytorch(torch, rng, dtype, kernel, stride, padding, shape):
    x = rng.normal(size=shape).astype(dtype)
    expected = torch.nn.functional.max_pool2d(torch.from_numpy(x), kernel, stride, padding)
    out = max_pool2d(x, kernel, stride, padding)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, expected.numpy())


def test_max_pool2d_on_every_backend(backend, rng):
    x = rng.normal(size=(2, 2, 6, 7))
    result = max_pool2d(backend.asarray(x), 3, 2, 1)
    assert backend.is_native(result)
    np.testing.assert_array_equal(backend.to_numpy(result), max_pool2d(x, 3, 2, 1))


def test_max_pool2d_nan_and_errors():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = np.nan
    assert np.isnan(max_pool2d(x, 2)[0, 0, 0, 0])
    with pytest.raises(ValidationError, match="padding must be at most half of kernel_size"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ShapeError, match=r"kernel_size \(5, 5\) must fit in the padded input"):
        max_pool2d(x, 5)
