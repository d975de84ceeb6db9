r"""The perceptron and logistic regression: the guide's worked steps and 2-D decision boundaries.

Both are linear classifiers, :math:`\hat t(x) = \mathrm{step}(\theta^T u(x))`, trained
by ERM with SGD; they differ in the loss of the margin :math:`y = t^{\pm}\theta^T u(x)`.

* The perceptron uses the hinge-at-zero loss :math:`\max(0, -y)`: a correctly
  classified point costs nothing and moves nothing, a misclassified one moves
  :math:`\theta` by :math:`\gamma t^{\pm} u(x)`
  (:func:`mlequations.updates.perceptron_update`).
* Logistic regression uses the log loss :math:`\log(1 + e^{-y})`, whose gradient
  :math:`(\sigma(\theta^T u) - t)\, u` never vanishes: every point pulls, the
  more so the worse it is classified.

The guide's example has one feature, :math:`u(x) = x`, the points
:math:`(x, t) = (2.1, 1)` and :math:`(-1.5, 0)`, :math:`\theta = -1` and
:math:`\gamma = 0.1`. Both points are misclassified; the perceptron steps to
:math:`\theta = -1 + 0.1 \cdot 2.1 = -0.79`, then to
:math:`-0.79 + 0.1 \cdot 1.5 = -0.64`, with margins :math:`-2.1` and
:math:`-1.185` that approach 0, and, cycling over the two points, stops
after six updates at :math:`\theta = 0.08`. Logistic regression steps to
:math:`-0.8129` and :math:`-0.6971`, and keeps moving.

The figures add a 2-D toy set of two Gaussian clouds: separable for the
perceptron (its boundary stops wherever the last mistake left it),
overlapping for logistic regression (with the contours of
:math:`p(t = 1 \mid x) = \sigma(\theta^T u(x))` and scikit-learn's boundary at
the same penalty).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from mlequations.activations import sigmoid
from mlequations.demos import DemoResult
from mlequations.losses import binary_cross_entropy
from mlequations.models.logistic_regression import LogisticRegression
from mlequations.models.perceptron import Perceptron, perceptron_path
from mlequations.updates import perceptron_update, stochastic_gradient_step

__all__ = [
    "GUIDE_POINTS",
    "GUIDE_START",
    "LEARNING_RATE",
    "guide_logistic_steps",
    "guide_perceptron_steps",
    "run_logistic_regression",
    "run_perceptron",
    "two_clouds",
]

#: The guide's one-feature data (x, t) and its starting point and step size.
GUIDE_POINTS = ((2.1, 1), (-1.5, 0))
GUIDE_START = -1.0
LEARNING_RATE = 0.1
C = 1.0
N_PER_CLASS = 60
SEPARABLE, OVERLAPPING = 5.5, 2.5


def guide_perceptron_steps(max_passes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Cycle the perceptron over the guide's two points until a pass makes no mistake.

    Returns the weights after each update (the start first) and the margin
    :math:`t^{\\pm}\\theta x` of the misclassified point before each update.
    """
    thetas, margins = [GUIDE_START], []
    for _ in range(max_passes):
        mistakes = 0
        for x, t in GUIDE_POINTS:
            margin = (2 * t - 1) * thetas[-1] * x
            if margin <= 0:
                mistakes += 1
                margins.append(margin)
                thetas.append(float(perceptron_update(thetas[-1], x, t, LEARNING_RATE)))
        if mistakes == 0:
            break
    return np.array(thetas), np.array(margins)


def guide_logistic_steps(n_steps: int = 40) -> tuple[np.ndarray, np.ndarray]:
    r"""SGD on the log loss, one guide point per step in turn: :math:`\theta - \gamma\delta x`.

    Returns the weights (the start first) and the mean log loss of the two
    points at each of them.
    """
    x = np.array([point[0] for point in GUIDE_POINTS])
    t = np.array([float(point[1]) for point in GUIDE_POINTS])
    thetas = [GUIDE_START]
    for step in range(n_steps):
        k = step % len(x)
        delta = float(sigmoid(thetas[-1] * x[k])) - t[k]  # δ(x, t) = σ(θx) − t
        thetas.append(float(stochastic_gradient_step(thetas[-1], [delta * x[k]], LEARNING_RATE)))
    losses = [float(binary_cross_entropy(t, sigmoid(theta * x))) for theta in thetas]
    return np.array(thetas), np.array(losses)


def two_clouds(separation: float, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two round Gaussian clouds of unit spread, centred ``separation`` apart on the diagonal.

    ``N_PER_CLASS`` points of each class, in random order; labels 0 (lower left) and 1.
    """
    rng = np.random.default_rng(random_state)
    centre = np.full(2, separation / (2 * np.sqrt(2)))
    X = np.vstack(
        [
            rng.standard_normal((N_PER_CLASS, 2)) - centre,
            rng.standard_normal((N_PER_CLASS, 2)) + centre,
        ]
    )
    order = rng.permutation(2 * N_PER_CLASS)  # mixed classes, so a single pass is informative
    return X[order], np.repeat([0, 1], N_PER_CLASS)[order]


def _grid(X: np.ndarray, steps: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low, high = X.min(axis=0) - 1.0, X.max(axis=0) + 1.0
    first, second = np.meshgrid(
        np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps)
    )
    return first, second, np.column_stack([first.ravel(), second.ravel()])


def _plot_points(axes, X: np.ndarray, y: np.ndarray) -> None:
    for label, color, marker in ((0, "tab:blue", "o"), (1, "tab:red", "^")):
        chosen = y == label
        axes.scatter(X[chosen, 0], X[chosen, 1], c=color, marker=marker, s=18, label=f"t = {label}")
    axes.set(xlabel="x₁", ylabel="x₂")


def _plot_logistic_boundary(axes, model, reference, X: np.ndarray, y: np.ndarray) -> None:
    first, second, points = _grid(X)
    probability = model.predict_proba(points)[:, 1].reshape(first.shape)
    filled = axes.contourf(
        first, second, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.45
    )
    axes.figure.colorbar(filled, ax=axes, label="p(t = 1 | x) = σ(θᵀu(x))")
    axes.contour(first, second, probability, levels=[0.5], colors="black")
    theirs = reference.predict_proba(points)[:, 1].reshape(first.shape)
    axes.contour(first, second, theirs, levels=[0.5], colors="yellow", linestyles="--")
    _plot_points(axes, X, y)
    axes.plot([], [], color="black", label="ours: p = 0.5")
    axes.plot([], [], color="yellow", linestyle="--", label="scikit-learn: p = 0.5")
    axes.legend(fontsize=8, loc="upper left")


def run_logistic_regression(out_dir: Path) -> DemoResult:
    """The guide's logistic SGD steps, and the boundary on two overlapping clouds."""
    thetas, losses = guide_logistic_steps()
    X, y = two_clouds(separation=OVERLAPPING)
    model = LogisticRegression(C=C).fit(X, y)
    reference = SklearnLogisticRegression(C=C).fit(X, y)
    log_loss = float(binary_cross_entropy(y.astype(float), model.predict_proba(X)[:, 1]))
    reference_loss = float(binary_cross_entropy(y.astype(float), reference.predict_proba(X)[:, 1]))
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    boundary_axes, steps_axes = figure.subplots(1, 2)
    _plot_logistic_boundary(boundary_axes, model, reference, X, y)
    boundary_axes.set_title(f"Logistic regression (C = {C}): log loss {log_loss:.4f}")
    steps_axes.plot(thetas, "o-", markersize=3, label="θ")
    steps_axes.plot(losses, "s-", markersize=3, label="mean log loss of the two points")
    steps_axes.axhline(0, color="0.6", linewidth=0.8)
    steps_axes.set(
        title="The guide's data: θ ← θ − γ(σ(θx) − t)x, γ = 0.1, θ₀ = −1", xlabel="SGD step"
    )
    steps_axes.legend(fontsize=8)
    path = out_dir / "logistic-regression.png"
    figure.savefig(path, dpi=110)
    values = {
        "theta_step1": float(thetas[1]),
        "theta_step2": float(thetas[2]),
        "theta_final": float(thetas[-1]),
        "log_loss": log_loss,
        "log_loss_scikit_learn": reference_loss,
        "accuracy": float(model.score(X, y)),
        "coef_0": float(model.coef_[0, 0]),
        "coef_1": float(model.coef_[0, 1]),
        "intercept": float(model.intercept_[0]),
    }
    summary = (
        f"guide's SGD steps θ: {GUIDE_START:g} → {values['theta_step1']:.4f} → "
        f"{values['theta_step2']:.4f}; two clouds: log loss {log_loss:.6f} (scikit-learn "
        f"{reference_loss:.6f}), accuracy {values['accuracy']:.3f}"
    )
    return DemoResult((path,), summary, values)


def _boundary(axes, theta: np.ndarray, x_range: np.ndarray, **style) -> None:
    """Draw the line θ₁x₁ + θ₂x₂ + θ₀ = 0 (``theta`` = [θ₁, θ₂, θ₀]) across ``x_range``."""
    if abs(theta[1]) > 1e-12:
        axes.plot(x_range, -(theta[0] * x_range + theta[2]) / theta[1], **style)


def _updates_2d(X: np.ndarray, y: np.ndarray, epochs: int) -> np.ndarray:
    """The weights [θ₁, θ₂, θ₀] after each update of ``epochs`` in-order passes from θ = 0."""
    U = np.hstack([X, np.ones((len(X), 1))])
    path = perceptron_path(np.zeros(3), np.vstack([U] * epochs), np.tile(y, epochs), 1.0)
    changed = np.flatnonzero(np.any(np.diff(path, axis=0) != 0, axis=1)) + 1
    return path[changed]


def _shades(n: int) -> np.ndarray:
    """``n`` shades of blue, light to dark."""
    return colormaps["Blues"](np.linspace(0.25, 0.9, n))


def _plot_perceptron_2d(axes, X, y, updates: np.ndarray) -> None:
    x_range = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 2)
    colors = _shades(len(updates))
    for k, theta in enumerate(updates[:-1]):
        _boundary(axes, theta, x_range, color=colors[k], linewidth=0.8, alpha=0.7)
    _boundary(axes, updates[-1], x_range, color="black", linewidth=2, label="final boundary")
    _plot_points(axes, X, y)
    axes.plot([], [], color=colors[0], label="after earlier updates (light → dark)")
    axes.set_ylim(X[:, 1].min() - 1.0, X[:, 1].max() + 1.0)
    axes.legend(fontsize=8, loc="upper left")


def _plot_guide_steps(axes, thetas: np.ndarray, margins: np.ndarray) -> None:
    steps = np.arange(len(thetas))
    axes.plot(steps, thetas, "o-", label="θ after each update")
    for k, value in enumerate(thetas[:3]):
        axes.annotate(f"{value:g}", (k, value), textcoords="offset points", xytext=(6, -12))
    axes.bar(
        steps[:-1] + 0.5,
        margins,
        width=0.35,
        color="tab:red",
        alpha=0.6,
        label="margin t±θx of the mistake",
    )
    axes.axhline(0, color="0.5", linewidth=0.8)
    axes.set(
        title="The guide's data: θ₀ = −1, γ = 0.1, points (2.1, 1), (−1.5, 0)", xlabel="update"
    )
    axes.legend(fontsize=8, loc="lower right")


def run_perceptron(out_dir: Path) -> DemoResult:
    """The guide's perceptron steps, and the boundary on two separable clouds."""
    thetas, margins = guide_perceptron_steps()
    guide = Perceptron(
        learning_rate=LEARNING_RATE, max_iter=10, tol=None, shuffle=False, fit_intercept=False
    )
    guide.fit(
        [[GUIDE_POINTS[0][0]], [GUIDE_POINTS[1][0]]],
        [GUIDE_POINTS[0][1], GUIDE_POINTS[1][1]],
        coef_init=[[GUIDE_START]],
    )
    X, y = two_clouds(separation=SEPARABLE)
    model = Perceptron(shuffle=False, tol=None).fit(X, y)
    updates = _updates_2d(X, y, model.n_iter_)
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    boundary_axes, steps_axes = figure.subplots(1, 2)
    _plot_perceptron_2d(boundary_axes, X, y, updates)
    boundary_axes.set_title(
        f"Perceptron on separable clouds: {len(updates)} updates, {model.n_iter_} epochs"
    )
    _plot_guide_steps(steps_axes, thetas, margins)
    path = out_dir / "perceptron.png"
    figure.savefig(path, dpi=110)
    values = {
        "theta_step1": float(thetas[1]),
        "theta_step2": float(thetas[2]),
        "margin_step1": float(margins[0]),
        "margin_step2": float(margins[1]),
        "theta_final_guide": float(thetas[-1]),
        "updates_guide": float(len(margins)),
        "estimator_theta_guide": float(guide.coef_[0, 0]),
        "accuracy": float(model.score(X, y)),
        "epochs": float(model.n_iter_),
        "updates": float(len(updates)),
        "coef_0": float(model.coef_[0, 0]),
        "coef_1": float(model.coef_[0, 1]),
        "intercept": float(model.intercept_[0]),
    }
    summary = (
        f"guide's steps θ: {GUIDE_START:g} → {thetas[1]:.2f} → {thetas[2]:.2f} (margins "
        f"{margins[0]:g}, {margins[1]:g}), separated after {len(margins)} updates at "
        f"θ = {thetas[-1]:.2f}; two clouds: accuracy {values['accuracy']:.3f} after "
        f"{len(updates)} updates in {model.n_iter_} epochs"
    )
    return DemoResult((path,), summary, values)
