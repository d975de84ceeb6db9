"""The diffusion demo: a DDPM trained on two moons samples points close to held-out data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlequations.demos import DEMOS
from mlequations.demos import diffusion as demo
from mlequations.diffusion import alphas_cumprod, cosine_beta_schedule

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    return demo.run(tmp_path_factory.mktemp("diffusion"), quick=True, verbose=0)


def test_samples_are_much_closer_to_held_out_data_than_noise(quick_result):
    values = quick_result.values
    # pure noise: D ≈ 0.23; two samples of the data themselves: D ≈ 0.03 (the floor);
    # the quick DDPM (700 steps) lands at D ≈ 0.04
    assert values["energy_distance_noise"] > 0.15
    assert values["noise_to_samples_ratio"] > 3.0
    assert values["energy_distance_samples"] < 2.0 * values["energy_distance_floor"]
    assert values["final_loss"] < 0.45  # the loss of predicting zero noise is 1
    assert values["training_steps"] == demo.QUICK_TRAINING_STEPS
    assert "energy distance" in quick_result.summary


def test_figures_are_written(quick_result):
    assert [path.name for path in quick_result.files] == [
        "diffusion-forward.png",
        "diffusion-samples.png",
    ]
    for path in quick_result.files:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 10_000
    assert DEMOS["diffusion"] == "mlequations.demos.diffusion:run"


class GaussianOracle:
    """The exact noise prediction E[eps | x_t] for data x0 ~ N(mu, sigma^2 I)."""

    def __init__(self, alpha_bar: np.ndarray, mu: np.ndarray, sigma: float) -> None:
        self.T, self.alpha_bar, self.mu, self.sigma = len(alpha_bar), alpha_bar, mu, sigma

    def __call__(self, x_t: np.ndarray, t: np.ndarray):
        a = self.alpha_bar[t - 1][:, None]
        noise = np.sqrt(1 - a) * (x_t - np.sqrt(a) * self.mu) / (a * self.sigma**2 + 1 - a)
        return type("Prediction", (), {"data": noise})()


def test_ancestral_sampler_follows_the_linear_gaussian_recursion():
    """With the exact noise of Gaussian data, each DDPM step is linear in x_t plus noise.

    x_{t-1} = g_t x_t + h_t + sqrt(beta~_t) z, so the mean and variance of the samples follow
    m <- g m + h, v <- g^2 v + beta~ from m = 0, v = 1: checked to 5 standard errors.
    """
    T, n, mu, sigma = 50, 100_000, np.array([2.0, -1.0]), 0.5
    betas = cosine_beta_schedule(T)
    alpha_bar = alphas_cumprod(betas)
    samples = demo.sample(GaussianOracle(alpha_bar, mu, sigma), betas, n, np.random.default_rng(3))
    mean, variance = np.zeros(2), 1.0
    for t in range(T, 0, -1):
        a, a_prev, beta = alpha_bar[t - 1], (alpha_bar[t - 2] if t > 1 else 1.0), betas[t - 1]
        shrink = (1 - a) / (
            a * sigma**2 + 1 - a
        )  # eps_hat = sqrt(1 - a) * shrink * (x - sqrt(a) mu)
        x0_slope, x0_offset = (1 - shrink) / math.sqrt(a), shrink * mu
        weight_x0 = math.sqrt(a_prev) * beta / (1 - a)
        weight_xt = math.sqrt(1 - beta) * (1 - a_prev) / (1 - a)
        slope = weight_x0 * x0_slope + weight_xt
        mean = slope * mean + weight_x0 * x0_offset
        variance = slope**2 * variance + (1 - a_prev) / (1 - a) * beta
    assert 0.8 * sigma**2 < variance < sigma**2  # 50 steps shrink the spread (std 0.468)
    np.testing.assert_allclose(samples[0].mean(axis=0), mean, atol=5 * math.sqrt(variance / n))
    np.testing.assert_allclose(
        samples[0].var(axis=0), variance, atol=5 * variance * math.sqrt(2 / n)
    )
    assert set(samples) == set(range(T + 1))
