r"""Plots of a Bayesian optimization: the 1-D posterior with its acquisition, and convergence.

Both draw on :class:`matplotlib.figure.Figure` objects (no pyplot, no window),
so they work the same in a script, a test or a notebook (where a returned
figure displays itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mlequations._array import ValidationError
from mlequations.bayesopt.criteria import acquisition_values
from mlequations.bayesopt.result import OptimizeResult
from mlequations.bayesopt.warping import TailCompression
from mlequations.cholesky import cholesky_with_jitter

__all__ = ["latent_samples", "plot_convergence", "plot_gp_1d"]

#: :math:`\Phi^{-1}(0.975)`: the 95% band is :math:`\mu \pm 1.96\sigma`.
Z_95 = 1.959963984540054


def latent_samples(model: Any, X: np.ndarray, n_samples: int, random_state: int = 0) -> np.ndarray:
    r"""Functions :math:`f^{(s)} = \mu_* + L_* z^{(s)}` drawn from the posterior of the latent f.

    :math:`L_* L_*^T` is the posterior covariance of :math:`f` at the rows of ``X``
    without observation noise (jittered if singular), so the samples are as smooth
    as the kernel makes them. Returns shape (n_points, n_samples).
    """
    mean, covariance = model.predict(X, return_cov=True, latent=True)
    factor, _ = cholesky_with_jitter(covariance, check_finite=False)
    draws = np.random.default_rng(random_state).standard_normal((len(mean), n_samples))
    return mean[:, None] + factor @ draws


def _model(result: OptimizeResult, index: int) -> Any:
    if result.space.n_dims != 1:
        raise ValidationError(
            f"plot_gp_1d needs a 1-D search space, got {result.space.n_dims} dimensions"
        )
    if not result.models:
        raise ValidationError(
            "result must hold at least one fitted model (run more calls than n_initial_points)"
        )
    if not -len(result.models) <= index < len(result.models):
        raise ValidationError(
            f"model_index must lie in [{-len(result.models)}, {len(result.models)}), got {index}"
        )
    return result.models[index]


def _warping(result: OptimizeResult, index: int) -> TailCompression:
    """The warping of ``result.models[index]`` (the identity if the result has none)."""
    if len(result.output_transforms) != len(result.models):
        return TailCompression.identity()
    return result.output_transforms[index]


def plot_gp_1d(
    result: OptimizeResult,
    func: Callable[[np.ndarray], float] | None = None,
    model_index: int = -1,
    n_samples: int = 3,
    axes: Sequence[Axes] | None = None,
    n_points: int = 400,
    random_state: int = 0,
) -> tuple[Axes, Axes]:
    r"""Draw a surrogate of a 1-D run: the truth, the posterior and the acquisition below.

    The top axes show ``func`` (if given), the posterior mean :math:`\mu(x)`, the 95%
    band :math:`\mu \pm 1.96\sigma`, ``n_samples`` functions drawn from the
    posterior, the points the model was fitted on, and the point it suggested next.
    The bottom axes show the acquisition function the optimizer maximised.

    A model of warped values :math:`g(y)` (``result.output_transforms``) is drawn in
    the objective's units: its mean, band and samples pass through :math:`g^{-1}`.
    Since :math:`g` is increasing, :math:`g^{-1}(\mu)` is the posterior *median* of
    :math:`y` (labelled so) and the band its 2.5% and 97.5% quantiles.

    Parameters
    ----------
    result : OptimizeResult
        A result of a 1-D run with at least one model.
    func : callable, optional
        The objective, drawn as the truth.
    model_index : int, default -1
        Which of ``result.models`` to draw (the last by default).
    n_samples : int, default 3
        Posterior sample paths to draw.
    axes : pair of Axes, optional
        Where to draw (top, bottom); by default a new figure with two rows.
    n_points : int, default 400
        Grid points across the bounds.
    random_state : int, default 0
        The seed of the posterior samples.

    Returns
    -------
    (Axes, Axes)
        The top and bottom axes (``axes[0].figure`` is the figure).

    Examples
    --------
    >>> from mlequations.bayesopt import minimize
    >>> result = minimize(lambda x: float(np.sin(5 * x[0])), [(0.0, 2.0)], 7, random_state=0)
    >>> top, bottom = plot_gp_1d(result, func=lambda x: float(np.sin(5 * x[0])))
    >>> len(top.lines) >= 5, bottom.get_ylabel()
    (True, 'log EI')
    """
    model = _model(result, model_index)
    warping = _warping(result, model_index)
    if axes is None:
        figure = Figure(figsize=(7, 5), layout="constrained")
        axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    top, bottom = axes
    space = result.space
    grid = np.linspace(space.low[0], space.high[0], n_points)
    unit = space.to_unit(grid[:, None])
    mean, std = model.predict(unit, return_std=True, latent=True)
    n_seen = len(model.X_train_)
    seen_x, seen_y = result.x_iters[:n_seen, 0], result.func_vals[:n_seen]
    if func is not None:
        truth = [func(np.array([value])) for value in grid]
        top.plot(grid, truth, "k--", linewidth=1, label="objective")
    centre = "GP mean" if warping.is_identity else "GP median"
    top.plot(grid, warping.inverse(mean), color="tab:blue", label=centre)
    low, high = warping.inverse(mean - Z_95 * std), warping.inverse(mean + Z_95 * std)
    top.fill_between(grid, low, high, color="tab:blue", alpha=0.2, label="95% band")
    if n_samples > 0:
        samples = warping.inverse(latent_samples(model, unit, n_samples, random_state))
        top.plot(grid, samples, color="tab:blue", linewidth=0.6, alpha=0.5)
    top.plot(seen_x, seen_y, "o", color="tab:red", markersize=5, label=f"{n_seen} observations")
    acquisition = result.specs.get("acquisition", "log_ei")
    best = float(np.min(model_targets(seen_y)))
    values = acquisition_values(model, unit, acquisition, best, result.specs)
    bottom.plot(grid, values, color="tab:green")
    if n_seen < len(result.x_iters):
        suggestion = result.x_iters[n_seen, 0]
        top.axvline(suggestion, color="tab:green", linestyle=":", label="next point")
        bottom.axvline(suggestion, color="tab:green", linestyle=":")
    top.set(ylabel="f(x)", title=f"Posterior after {n_seen} evaluations")
    top.legend(fontsize=7, loc="best")
    bottom.set(xlabel="x", ylabel=ACQUISITION_LABELS[acquisition])
    return top, bottom


def model_targets(values: np.ndarray) -> np.ndarray:
    """The values a model was fitted on: non-finite ones replaced by the worst finite one."""
    finite = np.isfinite(values)
    return np.where(finite, values, np.max(values[finite]))


#: The y-axis label of each acquisition.
ACQUISITION_LABELS = {"log_ei": "log EI", "ei": "EI", "pi": "PI", "lcb": "−LCB"}


def plot_convergence(
    *results: OptimizeResult,
    labels: Sequence[str] | None = None,
    true_minimum: float | None = None,
    yscale: str = "linear",
    ax: Axes | None = None,
) -> Axes:
    r"""Draw the best value found against the number of calls, :math:`\min_{i \le n} y_i`.

    Parameters
    ----------
    *results : OptimizeResult
        One curve per result (e.g. one per seed or per method).
    labels : sequence of str, optional
        The legend entry of each result.
    true_minimum : float, optional
        Drawn as a horizontal line.
    yscale : {"linear", "log", "symlog"}, default "linear"
        The scale of the value axis.
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from mlequations.bayesopt import minimize
    >>> result = minimize(lambda x: float(x[0] ** 2), [(-2.0, 2.0)], 6, random_state=0)
    >>> ax = plot_convergence(result, true_minimum=0.0)
    >>> ax.lines[0].get_ydata().tolist() == result.best_so_far.tolist()
    True
    """
    if not results:
        raise ValidationError("plot_convergence needs at least one result, got none")
    if labels is not None and len(labels) != len(results):
        raise ValidationError(
            f"labels must hold one label per result ({len(results)}), got {len(labels)}"
        )
    if ax is None:
        ax = Figure(figsize=(6, 4), layout="constrained").subplots()
    for index, result in enumerate(results):
        curve = result.best_so_far
        label = labels[index] if labels is not None else None
        ax.plot(np.arange(1, len(curve) + 1), curve, "o-", markersize=3, label=label)
    if true_minimum is not None:
        ax.axhline(true_minimum, color="k", linestyle="--", linewidth=1, label="true minimum")
    ax.set(
        xlabel="number of calls n",
        ylabel="best value so far  min f(x_i), i ≤ n",
        title="Convergence",
        yscale=yscale,
    )
    if labels is not None or true_minimum is not None:
        ax.legend(fontsize=8)
    return ax
