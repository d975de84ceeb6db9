r"""Mean squared against mean absolute error: the mean, the median and a few outliers.

Fitting a constant :math:`c` to targets :math:`t_1, \dots, t_N`,

.. math::

    \arg\min_c \frac1N \sum_n (t_n - c)^2 = \bar t \ (\text{the mean}), \qquad
    \arg\min_c \frac1N \sum_n \lvert t_n - c \rvert = \operatorname{median}(t),

because the derivative of the MSE, :math:`-\tfrac2N \sum_n (t_n - c)`, vanishes
at the mean, while the MAE's slope, (number of targets below :math:`c` minus
number above) :math:`/N`, changes sign at the median. A squared error grows with
the size of a miss, so one far-away target pulls the mean; an absolute error
counts every target by its side only, so the median does not move.

The demo draws 33 points of :math:`t = 1 + 2x + \varepsilon`,
:math:`\varepsilon \sim \mathcal N(0, 0.2^2)`, and adds 5 to the four with the
largest :math:`x`. The line of least squares (minimum MSE) is dragged towards
the outliers; the line of least absolute deviations (minimum MAE, a linear
program solved by SciPy's HiGHS) stays close to the true slope 2. The right
panel draws both losses of a constant prediction :math:`c` and finds their
minimisers with our :func:`~mlequations.losses.mean_squared_error` and
:func:`~mlequations.losses.mean_absolute_error`: the mean and the median.

Examples
--------
>>> x, t = noisy_line_with_outliers()
>>> x.shape, int(np.sum(t - (1 + 2 * x) > 3))
((33,), 4)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import linprog, minimize_scalar

from mlequations.demos import DemoResult
from mlequations.losses import mean_absolute_error, mean_squared_error

__all__ = [
    "best_constants",
    "least_absolute_deviations",
    "least_squares",
    "noisy_line_with_outliers",
    "run",
]

N_POINTS = 33
N_OUTLIERS = 4
OUTLIER_SHIFT = 5.0
NOISE = 0.2
TRUE_LINE = (1.0, 2.0)  # intercept, slope


def noisy_line_with_outliers(random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """33 points of t = 1 + 2x + N(0, 0.2²), x ~ U(0, 1); the 4 largest x get t + 5."""
    generator = np.random.default_rng(random_state)
    x = np.sort(generator.uniform(0.0, 1.0, N_POINTS))
    t = TRUE_LINE[0] + TRUE_LINE[1] * x + generator.normal(0.0, NOISE, N_POINTS)
    t[-N_OUTLIERS:] += OUTLIER_SHIFT
    return x, t


def _design(x: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(x), x], axis=1)


def least_squares(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """[intercept, slope] of the line of smallest mean squared error."""
    return np.linalg.lstsq(_design(x), t, rcond=None)[0]


def least_absolute_deviations(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""[intercept, slope] of the line of smallest mean absolute error, as a linear program.

    Minimise :math:`\sum_n (u_n + v_n)` subject to :math:`X\theta + u - v = t`,
    :math:`u, v \ge 0`: at the optimum :math:`u_n + v_n = |t_n - x_n^T\theta|`.
    """
    X = _design(x)
    n, d = X.shape
    cost = np.concatenate([np.zeros(d), np.ones(2 * n)])
    equality = np.hstack([X, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * d + [(0.0, None)] * (2 * n)
    solution = linprog(cost, A_eq=equality, b_eq=t, bounds=bounds, method="highs")
    if not solution.success:  # pragma: no cover - HiGHS solves this bounded problem
        raise RuntimeError(f"the least-absolute-deviations program failed: {solution.message}")
    return solution.x[:d]


def best_constants(t: np.ndarray) -> dict[str, float]:
    """The constant predictions that minimise our MSE and our MAE of ``t``."""
    bracket = (float(np.min(t)), float(np.max(t)))
    options = {"xatol": 1e-10}
    results = {}
    for name, loss in (("mse", mean_squared_error), ("mae", mean_absolute_error)):
        found = minimize_scalar(
            lambda c, loss=loss: float(loss(t, np.full_like(t, c))),
            bounds=bracket,
            method="bounded",
            options=options,
        )
        results[f"{name}_best_constant"] = float(found.x)
    return results


def _plot(x: np.ndarray, t: np.ndarray, lines: dict[str, np.ndarray], path: Path) -> None:
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    fit_axes, constant_axes = figure.subplots(1, 2)
    grid = np.linspace(0.0, 1.0, 2)
    fit_axes.plot(x[:-N_OUTLIERS], t[:-N_OUTLIERS], "o", color="0.3", label="data")
    fit_axes.plot(x[-N_OUTLIERS:], t[-N_OUTLIERS:], "o", color="tab:red", label="outliers (+5)")
    fit_axes.plot(grid, TRUE_LINE[0] + TRUE_LINE[1] * grid, ":", color="0.5", label="true line")
    for label, theta in lines.items():
        fit_axes.plot(grid, theta[0] + theta[1] * grid, label=f"{label}: slope {theta[1]:.2f}")
    fit_axes.set(title="Lines of least MSE and least MAE", xlabel="x", ylabel="t")
    fit_axes.legend(fontsize=8)
    c = np.linspace(np.min(t), np.max(t), 600)
    mse = [float(mean_squared_error(t, np.full_like(t, value))) for value in c]
    mae = [float(mean_absolute_error(t, np.full_like(t, value))) for value in c]
    constant_axes.plot(c, mse, label="MSE of the constant c")
    constant_axes.plot(c, mae, label="MAE of the constant c")
    constant_axes.axvline(np.mean(t), color="tab:blue", linestyle=":", label="mean of t")
    constant_axes.axvline(np.median(t), color="tab:orange", linestyle=":", label="median of t")
    constant_axes.set(
        title="Predicting one constant: MSE picks the mean, MAE the median",
        xlabel="c",
        ylabel="loss",
        yscale="log",
    )
    constant_axes.legend(fontsize=8)
    figure.savefig(path, dpi=110)


def run(out_dir: Path) -> DemoResult:
    """Fit both lines and both constants, and plot them."""
    x, t = noisy_line_with_outliers()
    lines = {
        "least squares (MSE)": least_squares(x, t),
        "least |error| (MAE)": least_absolute_deviations(x, t),
    }
    values = best_constants(t)
    values["mean"], values["median"] = float(np.mean(t)), float(np.median(t))
    for key, theta in zip(("least_squares", "least_absolute"), lines.values(), strict=True):
        values[f"{key}_intercept"], values[f"{key}_slope"] = float(theta[0]), float(theta[1])
    path = out_dir / "regression-losses.png"
    _plot(x, t, lines, path)
    summary = (
        f"slope (true 2): least squares {values['least_squares_slope']:.3f}, "
        f"least absolute deviations {values['least_absolute_slope']:.3f}; best constant: "
        f"MSE {values['mse_best_constant']:.4f} (mean), "
        f"MAE {values['mae_best_constant']:.4f} (median)"
    )
    return DemoResult((path,), summary, values)
