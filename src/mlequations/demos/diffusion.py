r"""A denoising diffusion model (DDPM) learns the two-moons data set and generates new points.

**Forward process.** Data :math:`x_0` (two interleaved half-circles,
standardised) is noised in one jump per step with
:func:`mlequations.diffusion.q_sample`,
:math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon`,
on the cosine schedule with :math:`T = 50` steps, until :math:`x_T` is
standard normal noise.

**Training.** A small network :math:`\hat\varepsilon_\theta(x_t, t)` (an MLP
:math:`34 \to 128 \to 128 \to 128 \to 2` with ReLU, on the autodiff engine)
learns to tell which noise was added, by minimising Ho et al.'s simple loss

.. math::

    L(\theta) = \mathbb E_{x_0,\ t \sim \mathcal U\{1..T\},\ \varepsilon \sim \mathcal N(0, I)}
    \bigl\lVert \varepsilon - \hat\varepsilon_\theta(x_t, t) \bigr\rVert^2

with Adam on minibatches of 256 and a cosine-decayed learning rate. Its input
is :math:`x_t` with sines and cosines of :math:`x_t` at four octaves (Fourier
features, which let a small MLP draw the thin moons) and a sinusoidal
embedding of :math:`t`.

**Sampling.** Ancestral sampling starts from :math:`x_T \sim \mathcal N(0, I)`
and steps back with :math:`p_\theta(x_{t-1} \mid x_t) = q(x_{t-1} \mid x_t,
\hat x_0)`: the network's noise gives the estimate
:math:`\hat x_0` (:func:`~mlequations.diffusion.predict_x0_from_noise`), and the
exact Gaussian posterior (:func:`~mlequations.diffusion.q_posterior_mean_variance`)
gives the mean and variance of the step.

**Figure of merit.** The energy distance (:func:`mlequations.distances.energy_distance`)
of 2000 samples to 2000 held-out points, against that of 2000 points of pure
noise, and of 2000 *training* points (the best any model can do at this sample
size, since two samples of one distribution are not at distance 0). The noise
has about the data's mean and covariance (the data are standardised), so its
distance comes from the shape alone. The full run takes about 5 s of CPU time.

Examples
--------
>>> data = load_moons(100, 50)
>>> model = NoisePredictor(T=50)
>>> model(data.train[:4], np.array([1, 2, 49, 50])).shape
(4, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

from mlequations import nn, optim
from mlequations.autodiff import Tensor, no_grad
from mlequations.demos import DemoResult
from mlequations.diffusion import (
    alphas_cumprod,
    cosine_beta_schedule,
    linear_beta_schedule,
    predict_x0_from_noise,
    q_posterior_mean_variance,
    q_sample,
)
from mlequations.distances import energy_distance
from mlequations.training.progress import progress_bar

__all__ = ["DiffusionRun", "Moons", "NoisePredictor", "load_moons", "run", "train_and_sample"]

DIFFUSION_STEPS = 50
TRAINING_STEPS, QUICK_TRAINING_STEPS = 2000, 700
BATCH_SIZE = 256
LEARNING_RATE = 3e-3
HIDDEN = 128
OCTAVES = 4
TIME_FEATURES = 16
EVALUATION_SIZE = 2000
#: The steps t at which the figures show the forward and the reverse process.
SHOWN_STEPS = (0, 5, 10, 20, 35, 50)


@dataclass(frozen=True)
class Moons:
    """Two moons, standardised with the training part's mean and standard deviation."""

    train: np.ndarray
    held_out: np.ndarray


def load_moons(train_size: int, held_out_size: int, random_state: int = 0) -> Moons:
    """``make_moons`` (noise 0.05) split into a training and a held-out part, float32."""
    from sklearn.datasets import make_moons

    points, _ = make_moons(train_size + held_out_size, noise=0.05, random_state=random_state)
    train, held_out = points[:train_size], points[train_size:]
    mean, scale = train.mean(axis=0), train.std(axis=0)
    return Moons(
        ((train - mean) / scale).astype(np.float32), ((held_out - mean) / scale).astype(np.float32)
    )


class NoisePredictor(nn.Module):
    r"""The network :math:`\hat\varepsilon_\theta(x_t, t)`: an MLP on Fourier and time features."""

    def __init__(self, T: int, hidden: int = HIDDEN, octaves: int = OCTAVES) -> None:
        super().__init__()
        self.T, self.octaves = T, octaves
        width = 2 + 4 * octaves + TIME_FEATURES
        self.mlp = nn.MLP([width, hidden, hidden, hidden, 2], activation="relu")

    def features(self, x_t: np.ndarray, t: np.ndarray) -> np.ndarray:
        r"""The network's input, one row per point.

        .. math::

            \bigl[x,\ \sin(2^k \tfrac{\pi}{2} x),\ \cos(2^k \tfrac{\pi}{2} x),\
            \sin(\omega_j t),\ \cos(\omega_j t)\bigr], \quad
            k = 0..3, \quad \omega_j = 1000^{-j/8}, \quad j = 0..7
        """
        angles = x_t[:, :, None] * (math.pi / 2 * 2.0 ** np.arange(self.octaves))
        angles = angles.reshape(len(x_t), -1)
        half = TIME_FEATURES // 2
        frequencies = np.exp(-math.log(1000.0) * np.arange(half) / half)
        phases = np.asarray(t, dtype=np.float64)[:, None] * frequencies
        parts = (x_t, np.sin(angles), np.cos(angles), np.sin(phases), np.cos(phases))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def forward(self, x_t: np.ndarray, t: np.ndarray) -> Tensor:
        return self.mlp(Tensor(self.features(x_t, t)))


def train(
    model: NoisePredictor,
    data: np.ndarray,
    alpha_bar: np.ndarray,
    steps: int,
    rng: np.random.Generator,
    verbose: int = 1,
) -> list[float]:
    """Minimise the simple DDPM loss with Adam; return the loss of every step."""
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    decay = optim.lr_scheduler.LambdaLR(
        optimizer, lambda e: 0.5 * (1 + math.cos(math.pi * e / steps))
    )
    losses = []
    bar = progress_bar(steps, 0, verbose)
    for step in range(steps):
        x0 = data[rng.integers(0, len(data), BATCH_SIZE)]
        t = rng.integers(1, model.T + 1, BATCH_SIZE)
        noise = rng.standard_normal(x0.shape, dtype=np.float32)
        loss = nn.functional.mse_loss(model(q_sample(x0, t, alpha_bar, noise), t), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        decay.step()
        losses.append(loss.item())
        bar.update()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}")
    bar.close()
    return losses


def sample(
    model: NoisePredictor, betas: np.ndarray, n: int, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    r"""Ancestral sampling from :math:`x_T \sim \mathcal N(0, I)`; returns the state at every t."""
    alpha_bar = alphas_cumprod(betas)
    x = rng.standard_normal((n, 2), dtype=np.float32)
    states = {model.T: x}
    with no_grad():
        for t in range(model.T, 0, -1):
            predicted_noise = model(x, np.full(n, t)).data
            x0_estimate = predict_x0_from_noise(x, t, alpha_bar, predicted_noise)
            posterior = q_posterior_mean_variance(x0_estimate, x, t, betas)
            z = rng.standard_normal((n, 2), dtype=np.float32)
            x = posterior.mean + np.sqrt(posterior.variance) * z
            states[t - 1] = x
    return states


@dataclass(frozen=True)
class DiffusionRun:
    """The data, the trained model, its losses, the reverse chain and the energy distances."""

    data: Moons
    betas: np.ndarray
    model: NoisePredictor
    losses: list[float]
    states: dict[int, np.ndarray]
    noise: np.ndarray
    distance_samples: float
    distance_noise: float
    distance_floor: float

    @property
    def samples(self) -> np.ndarray:
        return self.states[0]


def train_and_sample(quick: bool = False, random_state: int = 0, verbose: int = 0) -> DiffusionRun:
    """Train the DDPM on two moons, sample it, and measure the energy distances.

    The matrices are small (a batch of 256 times 128 hidden units), so BLAS runs on
    one thread: a second thread gains nothing here and, on a busy machine, its
    spin-waiting made training ten times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _train_and_sample(quick, random_state, verbose)


def _train_and_sample(quick: bool, random_state: int, verbose: int) -> DiffusionRun:
    size = EVALUATION_SIZE
    data = load_moons(2 * size, size, random_state)
    rng = np.random.default_rng(random_state)
    nn.manual_seed(random_state)
    betas = cosine_beta_schedule(DIFFUSION_STEPS)
    model = NoisePredictor(DIFFUSION_STEPS)
    steps = QUICK_TRAINING_STEPS if quick else TRAINING_STEPS
    losses = train(model, data.train, alphas_cumprod(betas), steps, rng, verbose)
    states = sample(model, betas, size, rng)
    noise = rng.standard_normal((size, 2), dtype=np.float32)

    def distance(points: np.ndarray) -> float:
        return float(energy_distance(points, data.held_out))

    return DiffusionRun(
        data, betas, model, losses, states, noise,
        distance(states[0]), distance(noise), distance(data.train[:size]),
    )  # fmt: skip


def _scatter(axes, points: np.ndarray, title: str, color: str = "tab:blue") -> None:
    axes.scatter(points[:, 0], points[:, 1], s=1.5, color=color, alpha=0.6, linewidths=0)
    axes.set(title=title, xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])


def _plot_forward(path: Path, result: DiffusionRun) -> None:
    figure = Figure(figsize=(13, 2.9), layout="constrained")
    panels = figure.subplots(1, len(SHOWN_STEPS) + 1)
    alpha_bar = alphas_cumprod(result.betas)
    x0 = result.data.held_out
    noise = np.random.default_rng(1).standard_normal(x0.shape)
    for axes, t in zip(panels, SHOWN_STEPS, strict=False):
        level = 1.0 if t == 0 else alpha_bar[t - 1]
        _scatter(axes, q_sample(x0, t, alpha_bar, noise), f"t = {t}\nᾱ_t = {level:.3f}")
    steps = np.arange(0, DIFFUSION_STEPS + 1)
    linear = alphas_cumprod(linear_beta_schedule(DIFFUSION_STEPS, 2e-3, 0.4))
    curve = panels[-1]
    curve.plot(steps, np.r_[1.0, alpha_bar], label="cosine (used)")
    curve.plot(steps, np.r_[1.0, linear], "--", label="linear 0.002→0.4")
    curve.set(title="ᾱ_t = ∏ (1 − β_s)", xlabel="t", box_aspect=1)
    curve.legend(fontsize=8)
    figure.suptitle("Forward diffusion q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) of the two moons")
    figure.savefig(path, dpi=110)


def _plot_samples(path: Path, result: DiffusionRun) -> None:
    figure = Figure(figsize=(12, 6.6), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=(1.25, 1))
    held, generated, noise, losses = top.subplots(1, 4)
    floor = f"held-out data (training data\nat energy distance D = {result.distance_floor:.4f})"
    _scatter(held, result.data.held_out, floor)
    _scatter(generated, result.samples, f"DDPM samples\nD = {result.distance_samples:.4f}")
    _scatter(noise, result.noise, f"pure noise N(0, I)\nD = {result.distance_noise:.4f}", "0.4")
    window = 50
    smoothed = np.convolve(result.losses, np.ones(window) / window, mode="valid")
    losses.plot(np.arange(window, len(result.losses) + 1), smoothed)
    losses.set(title="training loss ‖ε − ε̂‖² / 2", xlabel="step", box_aspect=1)
    for axes, t in zip(bottom.subplots(1, len(SHOWN_STEPS)), SHOWN_STEPS[::-1], strict=True):
        _scatter(axes, result.states[t], f"x_{t}", "tab:purple")
    bottom.suptitle("The reverse chain: ancestral sampling from x_T ~ N(0, I) to x_0")
    figure.savefig(path, dpi=110)


def run(out_dir: Path, quick: bool = False, random_state: int = 0, verbose: int = 1) -> DemoResult:
    """Noise the moons, train and sample a DDPM, plot both and report the energy distances."""
    result = train_and_sample(quick=quick, random_state=random_state, verbose=verbose)
    forward, samples = out_dir / "diffusion-forward.png", out_dir / "diffusion-samples.png"
    _plot_forward(forward, result)
    _plot_samples(samples, result)
    values = {
        "energy_distance_samples": result.distance_samples,
        "energy_distance_noise": result.distance_noise,
        "energy_distance_floor": result.distance_floor,
        "noise_to_samples_ratio": result.distance_noise / result.distance_samples,
        "final_loss": float(np.mean(result.losses[-100:])),
        "training_steps": float(len(result.losses)),
    }
    summary = (
        f"energy distance to held-out data: DDPM samples {values['energy_distance_samples']:.4f}, "
        f"pure noise {values['energy_distance_noise']:.4f} "
        f"({values['noise_to_samples_ratio']:.1f}x farther), training data "
        f"{values['energy_distance_floor']:.4f} (the floor); {len(result.losses)} training steps, "
        f"final loss {values['final_loss']:.4f}"
    )
    return DemoResult((forward, samples), summary, values)
