r"""Population loss = noise + bias + estimation error, against the degree M and the size N.

On the guide's noisy sine (:math:`t = \sin 2\pi x + \varepsilon`,
:math:`\sigma^2 = 0.1`) the expected population loss of a least-squares
polynomial of degree :math:`M` trained on :math:`N` points splits into

.. math::

    \mathbb E_{\mathcal D}\bigl[L_p(\theta_{\mathcal D})\bigr]
    = \underbrace{\sigma^2}_{\text{minimum}}
    + \underbrace{L_p(\theta^*_{\mathcal H}) - \sigma^2}_{\text{bias}}
    + \underbrace{\mathbb E_{\mathcal D}[L_p(\theta_{\mathcal D})]
      - L_p(\theta^*_{\mathcal H})}_{\text{estimation error}},

estimated by :func:`mlequations.model_selection.bias_estimation_error` over
100 resampled training sets. Against :math:`M` (at :math:`N = 30`) the bias
falls and the estimation error grows, so the population loss is lowest in
between (:math:`M = 3`). Against :math:`N` the bias stays put and the
estimation error falls, for a large :math:`N` about as
:math:`(M + 1)\sigma^2 / N`, the rate of a correctly specified linear model.
Even degrees add nothing to odd ones here: :math:`\sin 2\pi x` is odd about
:math:`x = 1/2`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.datasets import NoisySine
from mlequations.demos import DemoResult
from mlequations.model_selection import BiasEstimationError, bias_estimation_error
from mlequations.models.polynomial_regression import PolynomialRegression

__all__ = ["DEGREES", "N_FOR_DEGREES", "SIZES", "SIZE_DEGREES", "decompose", "run"]

DEGREES = tuple(range(10))
N_FOR_DEGREES = 30
SIZES = (15, 30, 100, 300, 1000)
SIZE_DEGREES = (1, 3)
N_REPEATS = 100
N_TEST = 4000
POPULATION = NoisySine()


def decompose(degree: int, n_train: int, random_state: int = 0) -> BiasEstimationError:
    """The decomposition for polynomials of one degree trained on ``n_train`` points."""
    return bias_estimation_error(
        PolynomialRegression(degree=degree),
        n_train,
        population=POPULATION,
        n_repeats=N_REPEATS,
        n_test=N_TEST,
        random_state=random_state,
    )


def _plot_degrees(axes, parts: list[BiasEstimationError]) -> None:
    bias = [p.bias for p in parts]
    estimation = [p.estimation_error for p in parts]
    total = [p.population_loss for p in parts]
    axes.semilogy(DEGREES, total, "ko-", label="population loss E[L_p(θ_D)]")
    axes.semilogy(DEGREES, bias, "s--", color="tab:orange", label="bias")
    axes.semilogy(DEGREES, estimation, "^-", color="tab:blue", label="estimation error")
    axes.axhline(POPULATION.noise_variance, color="0.5", linestyle=":", label="minimum σ² = 0.1")
    axes.set(
        title=f"Against the degree M (N = {N_FOR_DEGREES}, {N_REPEATS} training sets)",
        xlabel="degree M",
        ylabel="loss",
    )
    axes.set_xticks(DEGREES)
    axes.legend(fontsize=8)


def _plot_sizes(axes, parts: dict[int, list[BiasEstimationError]]) -> None:
    sizes = np.array(SIZES)
    for degree, color in zip(SIZE_DEGREES, ("tab:green", "tab:blue"), strict=True):
        estimation = [p.estimation_error for p in parts[degree]]
        axes.loglog(sizes, estimation, "^-", color=color, label=f"estimation error, M = {degree}")
        bias = [p.bias for p in parts[degree]]
        axes.loglog(sizes, bias, "s--", color=color, alpha=0.6, label=f"bias, M = {degree}")
    rate = (SIZE_DEGREES[-1] + 1) * POPULATION.noise_variance / sizes
    axes.loglog(sizes, rate, "k:", label=f"(M + 1)σ²/N, M = {SIZE_DEGREES[-1]}")
    axes.set(title="Against the training-set size N", xlabel="N", ylabel="loss")
    axes.legend(fontsize=8)


def run(out_dir: Path) -> DemoResult:
    """Decompose the population loss for M = 0..9 at N = 30, and for M = 1, 3 against N."""
    by_degree = [decompose(m, N_FOR_DEGREES) for m in DEGREES]
    by_size = {m: [decompose(m, n) for n in SIZES] for m in SIZE_DEGREES}
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    degree_axes, size_axes = figure.subplots(1, 2)
    _plot_degrees(degree_axes, by_degree)
    _plot_sizes(size_axes, by_size)
    figure.suptitle("L_p(θ_D) = minimum unconstrained loss + bias + estimation error")
    path = out_dir / "bias-estimation-error.png"
    figure.savefig(path, dpi=110)
    values: dict[str, float] = {"minimum_loss": by_degree[0].minimum_loss}
    for m, parts in zip(DEGREES, by_degree, strict=True):
        values[f"bias_M{m}"] = parts.bias
        values[f"estimation_error_M{m}"] = parts.estimation_error
        values[f"population_loss_M{m}"] = parts.population_loss
    for m in SIZE_DEGREES:
        for n, parts in zip(SIZES, by_size[m], strict=True):
            values[f"estimation_error_M{m}_N{n}"] = parts.estimation_error
            values[f"bias_M{m}_N{n}"] = parts.bias
    best = DEGREES[int(np.argmin([p.population_loss for p in by_degree]))]
    values["best_degree"] = float(best)
    summary = (
        f"N = {N_FOR_DEGREES}: bias falls from {values['bias_M1']:.3f} (M = 1) to "
        f"{values['bias_M9']:.1e} (M = 9) while the estimation error grows from "
        f"{values['estimation_error_M1']:.3f} to {values['estimation_error_M9']:.3g}; "
        f"lowest population loss at M = {best}. M = 3: estimation error "
        f"{values[f'estimation_error_M3_N{SIZES[0]}']:.3f} at N = {SIZES[0]}, "
        f"{values[f'estimation_error_M3_N{SIZES[-1]}']:.1e} at N = {SIZES[-1]}"
    )
    return DemoResult((path,), summary, values)
