r"""Every activation function beside its derivative, its slope checked numerically, and softmax.

For each activation :math:`f` (sigmoid, tanh, ReLU, leaky ReLU with
:math:`\alpha = 0.1`, swish/SiLU, GELU) the demo draws :math:`f` and its
analytic derivative :math:`f'` from :mod:`mlequations.activation_derivatives`,
and compares :math:`f'` with the central difference

.. math::

    f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}, \qquad h = 10^{-5},

on 1000 points of :math:`[-5, 5]` (none of them at the kink :math:`x = 0`
of the ReLUs, where no derivative exists). The largest difference is the
figure of merit: about :math:`10^{-10}`, the size of the truncation and
rounding errors of the difference. It also records the largest slope of each
curve: :math:`1/4` for the sigmoid (so a gradient shrinks at least four-fold
per sigmoid layer), 1 for tanh, and a little above 1 for swish and GELU,
whose curves also dip below zero (they are not monotone).

The second row shows the softmax of the guide's scores :math:`z = [1, 2, 3]`
at temperature :math:`T`, :math:`\operatorname{softmax}(z / T)`: one-hot on
the largest score as :math:`T \to 0`, uniform as :math:`T \to \infty`, and
:math:`[0.0900, 0.2447, 0.6652]` at :math:`T = 1`; with two classes it is the
sigmoid of the difference, :math:`\operatorname{softmax}([x, 0])_1 = \sigma(x)`.
Its Jacobian :math:`\operatorname{diag}(s) - s s^\top` is drawn and checked
against central differences, as is the log-softmax Jacobian
:math:`I - \mathbf 1 s^\top`.

Examples
--------
>>> errors = derivative_errors()
>>> bool(max(errors.values()) < 1e-8)
True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations import activation_derivatives as derivatives
from mlequations import activations
from mlequations.demos import DemoResult

__all__ = [
    "CURVES",
    "GUIDE_SCORES",
    "derivative_errors",
    "jacobian_errors",
    "run",
    "slope_extremes",
    "softmax_against_temperature",
]

Function = Callable[[np.ndarray], np.ndarray]

#: name -> (activation, its analytic derivative)
CURVES: dict[str, tuple[Function, Function]] = {
    "sigmoid": (activations.sigmoid, derivatives.sigmoid_derivative),
    "tanh": (activations.tanh, derivatives.tanh_derivative),
    "relu": (activations.relu, derivatives.relu_derivative),
    "leaky_relu": (
        partial(activations.leaky_relu, alpha=0.1),
        partial(derivatives.leaky_relu_derivative, alpha=0.1),
    ),
    "swish": (activations.swish, derivatives.swish_derivative),
    "gelu": (activations.gelu, derivatives.gelu_derivative),
}
LABELS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU (α = 0.1)",
    "swish": "swish / SiLU",
    "gelu": "GELU",
}
GRID = np.linspace(-5.0, 5.0, 1000)  # an even count: 0, the kink of the ReLUs, is not on it
FINE_GRID = np.arange(-50_000, 50_001) / 10_000.0  # step 1e-4, with 0 exactly
STEP = 1e-5
GUIDE_SCORES = np.array([1.0, 2.0, 3.0])
TEMPERATURES = np.geomspace(0.1, 30.0, 300)


def _central_difference(f: Function, x: np.ndarray, h: float = STEP) -> np.ndarray:
    return (f(x + h) - f(x - h)) / (2 * h)


def derivative_errors(grid: np.ndarray = GRID) -> dict[str, float]:
    """max |analytic derivative − central difference| on ``grid``, per activation."""
    return {
        name: float(np.max(np.abs(derivative(grid) - _central_difference(f, grid))))
        for name, (f, derivative) in CURVES.items()
    }


def slope_extremes(grid: np.ndarray = FINE_GRID) -> dict[str, float]:
    """The largest slope (and where), and the smallest value of swish and GELU, on ``grid``."""
    values: dict[str, float] = {}
    for name, (_, derivative) in CURVES.items():
        slope = derivative(grid)
        values[f"{name}_max_slope"] = float(np.max(slope))
        values[f"{name}_argmax_slope"] = float(grid[np.argmax(slope)])
    for name in ("swish", "gelu"):
        values[f"{name}_minimum"] = float(np.min(CURVES[name][0](grid)))
    return values


def softmax_against_temperature(
    scores: np.ndarray = GUIDE_SCORES, temperatures: np.ndarray = TEMPERATURES
) -> np.ndarray:
    """softmax(scores / T), one row per temperature T."""
    return activations.softmax(scores[None, :] / temperatures[:, None], axis=1)


def jacobian_errors(z: np.ndarray = GUIDE_SCORES) -> dict[str, float]:
    """max |analytic − numerical| Jacobian of softmax and log-softmax at ``z``."""

    def along(f: Function, i: int) -> np.ndarray:
        unit = np.eye(len(z))[i]
        return (f(z + STEP * unit) - f(z - STEP * unit)) / (2 * STEP)

    pairs = {
        "softmax": (activations.softmax, derivatives.softmax_jacobian),
        "log_softmax": (activations.log_softmax, derivatives.log_softmax_jacobian),
    }
    errors = {}
    for name, (f, jacobian) in pairs.items():
        numerical = np.stack([along(f, i) for i in range(len(z))], axis=1)
        errors[f"{name}_jacobian_error"] = float(np.max(np.abs(jacobian(z) - numerical)))
    return errors


def _plot(sigmoid_gap: float, path: Path) -> None:
    figure = Figure(figsize=(12, 8.5), layout="constrained")
    (curve_axes, slope_axes), (softmax_axes, jacobian_axes) = figure.subplots(2, 2)
    x = np.linspace(-5.0, 5.0, 1001)
    for name, (f, derivative) in CURVES.items():
        curve_axes.plot(x, f(x), label=LABELS[name])
        slope_axes.plot(x, derivative(x), label=LABELS[name])
    curve_axes.set(title="Activation functions f(x)", xlabel="x", ylabel="f(x)", ylim=(-1.5, 3))
    slope_axes.axhline(0.25, color="0.6", linestyle=":", label="1/4, the sigmoid's peak")
    slope_axes.set(title="Their derivatives f′(x)", xlabel="x", ylabel="f′(x)")
    for axes in (curve_axes, slope_axes):
        axes.axhline(0.0, color="0.8", linewidth=0.8)
        axes.legend(fontsize=8)
    probabilities = softmax_against_temperature()
    for k, score in enumerate(GUIDE_SCORES):
        softmax_axes.semilogx(TEMPERATURES, probabilities[:, k], label=f"score {score:g}")
    softmax_axes.axhline(1 / 3, color="0.6", linestyle=":", label="uniform 1/3")
    softmax_axes.axvline(1.0, color="0.8", linewidth=0.8)
    softmax_axes.set(
        title=(
            "softmax(z / T) of z = [1, 2, 3]\n"
            f"two classes: max |softmax([x, 0])₁ − σ(x)| = {sigmoid_gap:.1g}"
        ),
        xlabel="temperature T (log scale)",
        ylabel="probability",
    )
    softmax_axes.legend(fontsize=8)
    jacobian = derivatives.softmax_jacobian(GUIDE_SCORES)
    image = jacobian_axes.imshow(jacobian, cmap="RdBu_r", vmin=-0.25, vmax=0.25)
    for (i, j), value in np.ndenumerate(jacobian):
        jacobian_axes.text(j, i, f"{value:.4f}", ha="center", va="center", fontsize=10)
    jacobian_axes.set(
        title="Softmax Jacobian diag(s) − s sᵀ at z = [1, 2, 3] (rows sum to 0)",
        xlabel="∂ / ∂zⱼ",
        ylabel="sᵢ",
        xticks=range(3),
        yticks=range(3),
    )
    figure.colorbar(image, ax=jacobian_axes, shrink=0.8)
    figure.savefig(path, dpi=110)


def run(out_dir: Path) -> DemoResult:
    """Draw the activations, their derivatives and the softmax, and check every slope."""
    values = {f"{name}_derivative_error": error for name, error in derivative_errors().items()}
    values.update(slope_extremes())
    values.update(jacobian_errors())
    at_one = softmax_against_temperature(temperatures=np.array([1.0]))[0]
    values.update({f"softmax_guide_{k}": float(p) for k, p in enumerate(at_one)})
    pair = np.stack([GRID, np.zeros_like(GRID)], axis=1)
    gap = np.max(np.abs(activations.softmax(pair, axis=1)[:, 0] - activations.sigmoid(GRID)))
    values["softmax_sigmoid_gap"] = float(gap)
    path = out_dir / "activations.png"
    _plot(values["softmax_sigmoid_gap"], path)
    worst = max(values[f"{name}_derivative_error"] for name in CURVES)
    summary = (
        f"max |f′ − central difference| over 6 activations: {worst:.1e}; peak slopes: "
        + ", ".join(
            f"{name} {values[f'{name}_max_slope']:.4f}"
            for name in ("sigmoid", "tanh", "swish", "gelu")
        )
        + f"; softmax([1, 2, 3]) = [{', '.join(f'{p:.4f}' for p in at_one)}]"
    )
    return DemoResult((path,), summary, values)
