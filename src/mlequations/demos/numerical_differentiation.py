"""Finite differences against the exact symbolic derivative: the error as a function of the step h.

The derivative of the sigmoid σ(z) = 1 / (1 + e^(−z)) at z = 1 is computed
exactly by SymPy (symbolic differentiation) and approximated by forward and
central differences for steps h from 1e-14 to 0.3. For large h the truncation
error dominates (∝ h forward, ∝ h² central); for small h rounding in σ, about
ε / h, takes over. The best steps lie near √ε ≈ 1e-8 (forward) and ε^(1/3) ≈ 6e-6
(central), the library's default steps, which leave about 8 and 11 correct digits.
The Hessian of the guide's θ1²θ2 + θ2³ at [1, 2] by second differences is
compared with SymPy's [[4, 2], [2, 12]].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.calculus import numerical_gradient, numerical_hessian
from mlequations.demos import DemoResult
from mlequations.symbolic import symbolic_gradient, symbolic_hessian

POINT = 1.0
STEPS = np.logspace(-14, -0.5, 109)
HESSIAN_EXPRESSION = "theta1**2*theta2 + theta2**3"
HESSIAN_POINT = [1.0, 2.0]


def sigmoid(z: np.ndarray) -> float:
    return float(1.0 / (1.0 + np.exp(-z[0])))


def step_errors(exact: float, method: str) -> np.ndarray:
    """|finite difference − exact derivative| for every step of ``STEPS``."""
    estimates = [numerical_gradient(sigmoid, [POINT], eps=h, method=method)[0] for h in STEPS]
    return np.abs(np.array(estimates) - exact)


def run(out_dir: Path) -> DemoResult:
    exact = float(symbolic_gradient("1/(1 + exp(-z))", ["z"], at=[POINT]).value[0])
    errors = {method: step_errors(exact, method) for method in ("forward", "central")}
    defaults = {
        method: abs(float(numerical_gradient(sigmoid, [POINT], method=method)[0]) - exact)
        for method in errors
    }
    epsilon = np.finfo(float).eps

    figure = Figure(figsize=(7.5, 4.8), layout="constrained")
    axes = figure.subplots()
    floor = np.full_like(STEPS, 1e-17)
    for method, error in errors.items():
        axes.loglog(STEPS, np.maximum(error, floor), ".-", label=f"{method} difference")
    axes.loglog(STEPS, epsilon / STEPS, ":", color="0.5", label="rounding ε / h")
    axes.loglog(STEPS, STEPS * 0.1, "--", color="C0", alpha=0.5, label="∝ h")
    axes.loglog(STEPS, STEPS**2 * 0.05, "--", color="C1", alpha=0.5, label="∝ h²")
    for root in (2, 3):  # the default steps: √ε (forward) and ε^(1/3) (central)
        axes.axvline(epsilon ** (1 / root), color="0.8", linewidth=0.8)
    axes.set(
        title="Error of dσ/dz at z = 1 against the symbolic derivative",
        xlabel="step h",
        ylabel="absolute error",
        ylim=(1e-17, 1e-1),
    )
    axes.legend(fontsize=8)
    path = out_dir / "numerical-differentiation.png"
    figure.savefig(path, dpi=120)

    exact_hessian = symbolic_hessian(HESSIAN_EXPRESSION, ["theta1", "theta2"], at=HESSIAN_POINT)
    estimated = numerical_hessian(lambda t: t[0] ** 2 * t[1] + t[1] ** 3, np.array(HESSIAN_POINT))
    values = {
        "exact_derivative": exact,
        "best_step_forward": float(STEPS[np.argmin(errors["forward"])]),
        "best_step_central": float(STEPS[np.argmin(errors["central"])]),
        "min_error_forward": float(np.min(errors["forward"])),
        "min_error_central": float(np.min(errors["central"])),
        "error_forward_h_0.1": float(errors["forward"][np.argmin(np.abs(STEPS - 0.1))]),
        "error_central_h_0.1": float(errors["central"][np.argmin(np.abs(STEPS - 0.1))]),
        "default_error_forward": defaults["forward"],
        "default_error_central": defaults["central"],
        "hessian_max_error": float(np.max(np.abs(estimated - exact_hessian.value))),
    }
    summary = (
        f"dσ/dz(1) = {exact:.10f}; best step {values['best_step_forward']:.1e} (forward, error "
        f"{values['min_error_forward']:.1e}) and {values['best_step_central']:.1e} (central, "
        f"error {values['min_error_central']:.1e}); default steps give "
        f"{defaults['forward']:.1e} and {defaults['central']:.1e}; Hessian error "
        f"{values['hessian_max_error']:.1e}"
    )
    return DemoResult((path,), summary, values)
