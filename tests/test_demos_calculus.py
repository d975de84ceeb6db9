"""The calculus demos: finite-difference error against the step, convexity from the Hessian."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from mlequations.demos import run_demo


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calculus-demos")
    return {name: run_demo(name, folder) for name in ("numerical-differentiation", "convexity")}


def _sigmoid_derivatives():
    z = sympy.Symbol("z")
    sigma = 1 / (1 + sympy.exp(-z))
    return [float(sympy.diff(sigma, z, k).subs(z, 1)) for k in (1, 2, 3)]


def test_finite_difference_errors_follow_truncation_and_rounding(results):
    values = results["numerical-differentiation"].values
    first, second, third = _sigmoid_derivatives()
    assert values["exact_derivative"] == pytest.approx(first, rel=1e-15)
    h = 0.1
    # Truncation dominates at h = 0.1: forward ≈ h f''/2, central ≈ h² f'''/6.
    assert values["error_forward_h_0.1"] == pytest.approx(abs(second) * h / 2, rel=0.1)
    assert values["error_central_h_0.1"] == pytest.approx(abs(third) * h**2 / 6, rel=0.02)
    assert values["min_error_central"] < 1e-11 < 1e-9 < values["error_central_h_0.1"]
    assert values["min_error_forward"] < 1e-8
    assert 1e-10 < values["best_step_forward"] < 1e-6
    assert 1e-7 < values["best_step_central"] < 1e-4
    assert values["default_error_forward"] < 1e-7
    assert values["default_error_central"] < 1e-10
    assert values["hessian_max_error"] < 1e-6


def test_convexity_from_eigenvalues_and_midpoints(results):
    values = results["convexity"].values
    hessian = np.array([[1.0, 2.0], [2.0, 14.0 / 3.0]])
    low, high = np.linalg.eigvalsh(hessian)
    assert values["bowl_min_eigenvalue"] == pytest.approx(low, rel=1e-12)
    assert values["bowl_max_eigenvalue"] == pytest.approx(high, rel=1e-12)
    assert values["bowl_is_convex"] == values["bowl_numerical_psd"] == 1.0
    assert values["bowl_numerical_hessian_error"] < 1e-6
    assert values["bowl_midpoint_gap"] <= 0.0  # g((u+v)/2) ≤ (g(u)+g(v))/2
    assert (values["saddle_min_eigenvalue"], values["saddle_max_eigenvalue"]) == (-2.0, 2.0)
    assert values["saddle_is_convex"] == values["saddle_numerical_psd"] == 0.0
    assert values["saddle_midpoint_gap"] > 1.0
