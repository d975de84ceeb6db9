r"""The guide's Bayesian optimization: a 1-D black box, a GP surrogate and expected improvement.

The guide optimises a black box on :math:`[0, 1]` with a Gaussian-process
surrogate (Matérn kernel) and expected improvement: 5 random initial points, then
8 iterations, each evaluating the maximiser of

.. math::

    \mathrm{EI}(x) = (y^* - \mu(x) - \xi)\,\Phi(z) + \sigma(x)\,\varphi(z), \qquad
    z = \frac{y^* - \mu(x) - \xi}{\sigma(x)},

where :math:`\mu, \sigma` are the posterior mean and standard deviation and
:math:`y^*` the best value so far. The guide does not print its black box, so this
demo uses the Forrester function, a standard 1-D test of Bayesian optimization
(Forrester, Sóbester & Keane, 2008):

.. math::

    f(x) = (6x - 2)^2 \sin(12x - 4), \qquad
    \min_{[0, 1]} f = -6.020740 \text{ at } x^* = 0.757249,

with a local minimum near :math:`x = 0.14` to trap a greedy search. The guide
*maximises*; maximising :math:`g = -f` is minimising :math:`f`, which is the
library's convention (as scikit-optimize's). Instead of the guide's dense grid,
EI is maximised by candidates and L-BFGS-B (:mod:`mlequations.bayesopt`).

The first figure shows the posterior (mean, 95% band, three posterior samples)
and EI before each of the 8 iterations, with the point EI chose; the second the
best value against the number of evaluations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.bayesopt import BayesianOptimizer, plot_convergence, plot_gp_1d
from mlequations.bayesopt.result import OptimizeResult
from mlequations.demos import DemoResult

__all__ = ["TRUE_MINIMIZER", "TRUE_MINIMUM", "black_box", "optimize_black_box", "run"]

N_INITIAL = 5
N_ITERATIONS = 8
SEED = 0
#: The Forrester function's minimiser and minimum on [0, 1].
TRUE_MINIMIZER = 0.7572487578418559
TRUE_MINIMUM = -6.0207400557670825


def black_box(x: np.ndarray) -> float:
    r"""The Forrester function :math:`f(x) = (6x - 2)^2 \sin(12x - 4)` at ``x = [x0]``."""
    value = float(x[0])
    return (6.0 * value - 2.0) ** 2 * float(np.sin(12.0 * value - 4.0))


def optimize_black_box(random_state: int = SEED) -> OptimizeResult:
    """5 random initial points, then 8 iterations of EI on :func:`black_box` over [0, 1]."""
    optimizer = BayesianOptimizer(
        [(0.0, 1.0)],
        acquisition="ei",
        n_initial_points=N_INITIAL,
        initial_design="random",
        random_state=random_state,
    )
    return optimizer.run(black_box, N_INITIAL + N_ITERATIONS)


def _posterior_figure(result: OptimizeResult) -> Figure:
    figure = Figure(figsize=(13, 15), layout="constrained")
    panels = figure.subfigures(4, 2).ravel()
    for iteration, panel in enumerate(panels):
        axes = panel.subplots(2, 1, sharex=True, height_ratios=(3, 1.2))
        top, _ = plot_gp_1d(result, black_box, model_index=iteration, axes=axes)
        top.set_title(f"Iteration {iteration + 1}: {top.get_title().lower()}", fontsize=10)
        top.set_ylim(-12.0, 18.0)
    return figure


def run(out_dir: Path) -> DemoResult:
    """Optimise the Forrester function with EI; plot the 8 posteriors and the convergence."""
    result = optimize_black_box()
    posterior_path = out_dir / "bayes-opt-posteriors.png"
    _posterior_figure(result).savefig(posterior_path, dpi=80)
    axes = plot_convergence(result, true_minimum=TRUE_MINIMUM)
    axes.axvline(N_INITIAL + 0.5, color="0.6", linestyle=":", label="end of random points")
    axes.legend(fontsize=8)
    convergence_path = out_dir / "bayes-opt-convergence.png"
    axes.figure.savefig(convergence_path, dpi=110)
    values = {
        "best_x": float(result.x[0]),
        "best_value": float(result.fun),
        "best_initial_value": float(np.min(result.func_vals[:N_INITIAL])),
        "true_minimizer": TRUE_MINIMIZER,
        "true_minimum": TRUE_MINIMUM,
        "regret": float(result.fun - TRUE_MINIMUM),
        "n_evaluations": float(len(result.func_vals)),
    }
    summary = (
        f"after {N_INITIAL} random points and {N_ITERATIONS} EI iterations: best x = "
        f"{values['best_x']:.4f}, f = {values['best_value']:.5f} (true minimum "
        f"{TRUE_MINIMUM:.5f} at x = {TRUE_MINIMIZER:.4f}; regret {values['regret']:.1e}; "
        f"best random point {values['best_initial_value']:.3f})"
    )
    return DemoResult((posterior_path, convergence_path), summary, values)
