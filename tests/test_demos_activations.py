"""The activations demo: its slopes agree with PyTorch's autograd and its extremes with SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import softmax as scipy_softmax
from scipy.stats import norm

from mlequations.demos import run_demo
from mlequations.demos.activations import CURVES, GRID, softmax_against_temperature

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_demo("activations", tmp_path_factory.mktemp("activations"))


def test_the_demo_writes_its_figure(result):
    (path,) = result.files
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert path.stat().st_size > 10_000


def test_analytic_slopes_match_the_central_differences(result):
    for name in CURVES:
        assert result.values[f"{name}_derivative_error"] < 1e-8, name


def test_the_plotted_derivatives_are_torch_autograd_derivatives(torch):
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.1),
        "swish": torch.nn.functional.silu,
        "gelu": torch.nn.functional.gelu,
    }
    for name, (f, derivative) in CURVES.items():
        x = torch.tensor(GRID, requires_grad=True)
        functions[name](x).sum().backward()
        np.testing.assert_allclose(f(GRID), functions[name](x).detach().numpy(), atol=1e-14)
        np.testing.assert_allclose(derivative(GRID), x.grad.numpy(), atol=1e-12, err_msg=name)


def test_peak_slopes_and_minima_are_the_closed_forms(result):
    values = result.values
    assert values["sigmoid_max_slope"] == 0.25
    assert values["sigmoid_argmax_slope"] == 0.0
    assert values["tanh_max_slope"] == 1.0
    # GELU'(x) = Phi(x) + x phi(x) peaks where 2 phi - x^2 phi = 0, at x = sqrt(2)
    root = math.sqrt(2.0)
    assert values["gelu_max_slope"] == pytest.approx(norm.cdf(root) + root * norm.pdf(root), 1e-9)
    assert values["gelu_argmax_slope"] == pytest.approx(root, abs=1e-4)
    swish_slope = CURVES["swish"][1]
    peak = minimize_scalar(lambda x: -swish_slope(x), bounds=(0, 5), method="bounded")
    assert values["swish_max_slope"] == pytest.approx(-peak.fun, rel=1e-9)
    assert values["swish_argmax_slope"] == pytest.approx(peak.x, abs=1e-4)
    for name, (f, _) in CURVES.items():
        if name in ("swish", "gelu"):
            lowest = minimize_scalar(f, bounds=(-3, 0), method="bounded", options={"xatol": 1e-10})
            assert values[f"{name}_minimum"] == pytest.approx(lowest.fun, rel=1e-7)
    assert round(values["swish_minimum"], 3) == -0.278  # the swish entry's number


def test_softmax_values_limits_and_jacobians(result):
    values = result.values
    guide = [values[f"softmax_guide_{k}"] for k in range(3)]
    np.testing.assert_allclose(guide, scipy_softmax([1.0, 2.0, 3.0]), rtol=1e-14)
    np.testing.assert_allclose(guide, [0.0900, 0.2447, 0.6652], atol=1e-4)
    temperatures = np.array([0.1, 1.0, 30.0])
    table = softmax_against_temperature(temperatures=temperatures)
    expected = scipy_softmax(np.array([1.0, 2.0, 3.0])[None, :] / temperatures[:, None], axis=1)
    np.testing.assert_allclose(table, expected, rtol=1e-13)
    assert table[0, 2] > 0.9999  # nearly one-hot as T -> 0
    np.testing.assert_allclose(table[2], 1 / 3, atol=0.02)  # nearly uniform as T grows
    assert values["softmax_sigmoid_gap"] < 1e-15
    assert values["softmax_jacobian_error"] < 1e-8
    assert values["log_softmax_jacobian_error"] < 1e-8
