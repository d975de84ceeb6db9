r"""How the scale of a signal travels through 30 ReLU layers: initialisation, layer norm, dropout.

A layer :math:`h_l = \operatorname{ReLU}(W_l h_{l-1})` of width :math:`n` with
weights of variance :math:`\sigma_w^2` multiplies the mean square of the signal by

.. math::

    \frac{\mathbb E[h_l^2]}{\mathbb E[h_{l-1}^2]} = \frac{n\,\sigma_w^2}{2},

:math:`n\sigma_w^2` for the sum of :math:`n` products and :math:`1/2` because the
ReLU zeroes the negative half. After 30 layers of width 128 that factor is raised
to the 30th power: :math:`\mathcal N(0, 1)` weights explode (:math:`64^{30}`),
:math:`\mathcal N(0, 0.01^2)` weights vanish (:math:`0.0064^{30}`), Xavier
(:math:`\sigma_w^2 = 2/(n_\text{in} + n_\text{out}) = 1/n`, right for tanh)
still halves the signal at every layer, and only Kaiming
(:math:`\sigma_w^2 = 2/n`, the ReLU's gain :math:`\sqrt 2`) keeps it steady.
Layer normalisation of every pre-activation (to mean 0 and variance 1 per
sample) removes the dependence altogether: even the vanishing initialisation
then keeps :math:`\mathbb E[h^2] \approx 1/2`.

The right panel applies inverted dropout, :math:`y = m \odot x / (1 - p)` with
:math:`m_i \sim \operatorname{Bernoulli}(1 - p)`, to 200 000 ones: the mean
stays 1 for every :math:`p` (nothing changes at evaluation time), while the
variance it adds is :math:`p / (1 - p)`, which explodes as :math:`p \to 1`.

Examples
--------
>>> squares = mean_squares("kaiming", depth=3)
>>> squares.shape, bool(0.8 < squares[-1] < 1.25)
((4,), True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.activations import relu
from mlequations.autodiff import Tensor
from mlequations.demos import DemoResult
from mlequations.nn import functional, init

__all__ = [
    "DEPTH",
    "DROPOUT_RATES",
    "SCHEMES",
    "WIDTH",
    "dropout_moments",
    "mean_squares",
    "run",
]

WIDTH = 128
DEPTH = 30
BATCH = 256
DROPOUT_SAMPLES = 200_000
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

#: scheme -> (label, variance of the weights σ_w², layer norm on the pre-activations)
SCHEMES: dict[str, tuple[str, float, bool]] = {
    "normal_1": ("N(0, 1)", 1.0, False),
    "normal_0.01": ("N(0, 0.01²)", 1e-4, False),
    "xavier": ("Xavier, σ² = 2/(n_in + n_out)", 1.0 / WIDTH, False),
    "kaiming": ("Kaiming (ReLU), σ² = 2/n_in", 2.0 / WIDTH, False),
    "normal_0.01_layer_norm": ("N(0, 0.01²) + layer norm", 1e-4, True),
}


def _weights(scheme: str, generator: np.random.Generator) -> np.ndarray:
    weights = np.zeros((WIDTH, WIDTH))
    if scheme == "xavier":
        return init.xavier_normal_(weights, generator=generator)
    if scheme == "kaiming":
        return init.kaiming_normal_(weights, nonlinearity="relu", generator=generator)
    return init.normal_(weights, 0.0, float(np.sqrt(SCHEMES[scheme][1])), generator)


def mean_squares(scheme: str, depth: int = DEPTH, random_state: int = 0) -> np.ndarray:
    """E[h_l²] over a batch for l = 0 (the N(0, 1) input), 1, …, ``depth``."""
    generator = np.random.default_rng(random_state)
    h = generator.standard_normal((BATCH, WIDTH))
    squares = [float(np.mean(h * h))]
    normalize = SCHEMES[scheme][2]
    for _ in range(depth):
        pre_activation = h @ _weights(scheme, generator).T
        if normalize:
            pre_activation = functional.layer_norm(Tensor(pre_activation), WIDTH).data
        h = relu(pre_activation)
        squares.append(float(np.mean(h * h)))
    return np.array(squares)


def dropout_moments(p: float, random_state: int = 0) -> tuple[float, float]:
    """The mean and variance of inverted dropout applied to 200 000 ones."""
    generator = np.random.default_rng(random_state)
    y = functional.dropout(np.ones(DROPOUT_SAMPLES), p, generator=generator).data
    return float(np.mean(y)), float(np.var(y))


def _plot(squares: dict[str, np.ndarray], moments: np.ndarray, path: Path) -> None:
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    depth_axes, dropout_axes = figure.subplots(1, 2)
    layers = np.arange(DEPTH + 1)
    for scheme, (label, variance, normalize) in SCHEMES.items():
        line = depth_axes.semilogy(layers, squares[scheme], "o-", markersize=3, label=label)[0]
        if not normalize:
            predicted = (WIDTH * variance / 2) ** layers
            depth_axes.semilogy(layers, predicted, ":", color=line.get_color())
    depth_axes.set(
        title=f"Mean square of the signal, ReLU layers of width {WIDTH} (dotted: (nσ²/2)^l)",
        xlabel="layer l",
        ylabel="E[h²] (log scale)",
    )
    depth_axes.legend(fontsize=8)
    rates = np.array(DROPOUT_RATES)
    dropout_axes.plot(rates, moments[:, 0], "o", label="mean of y")
    dropout_axes.plot(rates, moments[:, 1], "s", label="variance of y")
    fine = np.linspace(0.0, 0.9, 200)
    dropout_axes.plot(fine, np.ones_like(fine), ":", color="0.5", label="1")
    dropout_axes.plot(fine, fine / (1 - fine), "--", color="0.5", label="p / (1 − p)")
    dropout_axes.set(
        title="Inverted dropout of ones: y = m ⊙ x / (1 − p)",
        xlabel="dropout probability p",
        ylabel="value",
    )
    dropout_axes.legend(fontsize=8)
    figure.savefig(path, dpi=110)


def run(out_dir: Path) -> DemoResult:
    """Propagate a batch through 30 layers under each scheme, and measure dropout's moments."""
    squares = {scheme: mean_squares(scheme) for scheme in SCHEMES}
    moments = np.array([dropout_moments(p) for p in DROPOUT_RATES])
    values: dict[str, float] = {}
    for scheme, series in squares.items():
        values[f"{scheme}_factor_per_layer"] = float(np.mean(series[1:] / series[:-1]))
        values[f"{scheme}_final_mean_square"] = float(series[-1])
    for p, (mean, variance) in zip(DROPOUT_RATES, moments, strict=True):
        values[f"dropout_mean_p{p:g}"] = float(mean)
        values[f"dropout_variance_p{p:g}"] = float(variance)
    path = out_dir / "signal-propagation.png"
    _plot(squares, moments, path)
    summary = "factor per layer (nσ²/2): " + ", ".join(
        f"{scheme} {values[f'{scheme}_factor_per_layer']:.3g}" for scheme in SCHEMES
    )
    summary += (
        f"; dropout p = 0.5: mean {values['dropout_mean_p0.5']:.4f}, "
        f"variance {values['dropout_variance_p0.5']:.4f} (p/(1 − p) = 1)"
    )
    return DemoResult((path,), summary, values)
