"""The forward diffusion process: schedules, q_sample and the posterior, against independent math.

References: the closed forms of the papers (Ho et al. 2020; Nichol & Dhariwal 2021), the
schedules as diffusers defines them (written out here from their definition, not imported),
Monte Carlo moments with tolerances from the central limit theorem, and the posterior by
Gaussian conditioning of the joint law of the chain, built step by step in plain NumPy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.diffusion import (
    alphas_cumprod,
    cosine_beta_schedule,
    linear_beta_schedule,
    predict_x0_from_noise,
    q_posterior_mean_variance,
    q_sample,
)

#: Monte Carlo checks allow 5 standard errors: a false failure has probability < 1e-6.
SIGMAS = 5.0


# --------------------------------------------------------------------------- schedules


@pytest.mark.parametrize("T", [1, 2, 10, 1000])
def test_linear_schedule_is_the_closed_form_and_torch_linspace(T, torch):
    betas = linear_beta_schedule(T, 1e-4, 0.02)
    t = np.arange(1, T + 1)
    expected = 1e-4 + (t - 1) / max(T - 1, 1) * (0.02 - 1e-4)
    np.testing.assert_allclose(betas, expected, rtol=1e-13, atol=0)
    # diffusers: betas = torch.linspace(beta_start, beta_end, num_train_timesteps)
    reference = torch.linspace(1e-4, 0.02, T, dtype=torch.float64).numpy()
    np.testing.assert_allclose(betas, reference, rtol=1e-13, atol=0)
    assert betas.dtype == np.float64
    assert betas.shape == (T,)


def _diffusers_cosine_betas(T: int, max_beta: float = 0.999) -> list[float]:
    """diffusers' betas_for_alpha_bar(alpha_transform_type="cosine"), in plain Python."""

    def alpha_bar(time: float) -> float:
        return math.cos((time + 0.008) / 1.008 * math.pi / 2) ** 2

    return [min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), max_beta) for i in range(T)]


@pytest.mark.parametrize("T", [1, 5, 50, 1000])
def test_cosine_schedule_matches_diffusers_definition(T):
    np.testing.assert_allclose(
        cosine_beta_schedule(T), _diffusers_cosine_betas(T), rtol=1e-12, atol=1e-15
    )


def test_cosine_schedule_products_follow_the_cosine_until_the_clip():
    T, s = 1000, 0.008
    betas = cosine_beta_schedule(T, s=s)
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    clipped = betas == 0.999
    assert clipped.sum() == 1  # only the very last step hits the clip
    assert clipped[-1]
    np.testing.assert_allclose(np.cumprod(1 - betas)[:-1], (f / f[0])[1:-1], rtol=1e-10)
    assert betas[0] == pytest.approx(1 - f[1] / f[0], rel=1e-12)
    assert np.all(np.diff(betas) > 0)  # noise grows every step
    # a smaller clip and another offset follow the same formula
    np.testing.assert_allclose(
        cosine_beta_schedule(10, s=0.1, max_beta=0.5),
        np.minimum(1 - np.cos((np.arange(1, 11) / 10 + 0.1) / 1.1 * np.pi / 2) ** 2
                   / np.cos((np.arange(10) / 10 + 0.1) / 1.1 * np.pi / 2) ** 2, 0.5),
        rtol=1e-12,
    )  # fmt: skip


def test_alphas_cumprod_is_the_running_product():
    betas = np.array([0.1, 0.2, 0.5, 0.3])
    expected, running = [], 1.0
    for beta in betas:
        running *= 1 - beta
        expected.append(running)
    np.testing.assert_allclose(alphas_cumprod(betas), expected, rtol=1e-15)
    assert alphas_cumprod(betas.astype(np.float32)).dtype == np.float32
    # DDPM's schedule leaves almost nothing of the data after 1000 steps, and T = 100
    # with the same ends leaves a lot (the caveat in the docstring)
    assert alphas_cumprod(linear_beta_schedule(1000))[-1] == pytest.approx(4.04e-5, rel=0.01)
    assert alphas_cumprod(linear_beta_schedule(100))[-1] == pytest.approx(0.364, abs=0.001)


# --------------------------------------------------------------------------- q_sample


def test_q_sample_is_the_closed_form_with_per_sample_steps(rng):
    betas = linear_beta_schedule(20, 0.01, 0.3)
    alpha_bar = np.cumprod(1 - betas)
    x0, noise = rng.normal(size=(6, 3, 2)), rng.normal(size=(6, 3, 2))
    t = np.array([0, 1, 7, 13, 19, 20])
    got = q_sample(x0, t, alpha_bar, noise)
    for i, step in enumerate(t):
        a = 1.0 if step == 0 else alpha_bar[step - 1]
        np.testing.assert_allclose(got[i], np.sqrt(a) * x0[i] + np.sqrt(1 - a) * noise[i], 1e-14)
        np.testing.assert_allclose(q_sample(x0[i], int(step), alpha_bar, noise[i]), got[i], 1e-15)
    np.testing.assert_array_equal(q_sample(x0, 0, alpha_bar, noise), x0)
    # the guide's numbers: x0 = 1, alpha_bar_t = 0.9, epsilon = 0.5
    assert float(q_sample(1.0, 1, [0.9], 0.5)) == pytest.approx(
        math.sqrt(0.9) + 0.5 * math.sqrt(0.1)
    )


@pytest.mark.parametrize("t", [1, 10, 50])
def test_q_sample_mean_and_variance_by_monte_carlo(t, rng):
    """x_t | x0 ~ N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I), checked to 5 standard errors."""
    n = 200_000
    alpha_bar = alphas_cumprod(cosine_beta_schedule(50))
    x0 = np.array([1.5, -0.5])
    x_t = q_sample(x0, t, alpha_bar, rng.standard_normal((n, 2)))
    mean, variance = np.sqrt(alpha_bar[t - 1]) * x0, 1 - alpha_bar[t - 1]
    mean_error = SIGMAS * math.sqrt(variance / n)
    variance_error = SIGMAS * variance * math.sqrt(2 / (n - 1))  # Var of s² for a Gaussian
    np.testing.assert_allclose(x_t.mean(axis=0), mean, rtol=0, atol=mean_error)
    np.testing.assert_allclose(x_t.var(axis=0, ddof=1), variance, rtol=0, atol=variance_error)
    # and the coordinates are uncorrelated (isotropic noise)
    correlation = np.corrcoef(x_t.T)[0, 1]
    assert abs(correlation) < SIGMAS / math.sqrt(n)


def test_q_sample_keeps_float32_with_a_float64_schedule():
    alpha_bar = alphas_cumprod(linear_beta_schedule(10))
    x0 = np.ones((4, 2), dtype=np.float32)
    out = q_sample(x0, np.array([1, 2, 3, 10]), alpha_bar, np.zeros((4, 2), np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], np.sqrt(alpha_bar[[0, 1, 2, 9]]), rtol=1e-7)


def test_predict_x0_inverts_q_sample(rng):
    alpha_bar = alphas_cumprod(cosine_beta_schedule(100))
    x0, noise = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    t = np.array([0, 1, 30, 80, 99])
    x_t = q_sample(x0, t, alpha_bar, noise)
    np.testing.assert_allclose(predict_x0_from_noise(x_t, t, alpha_bar, noise), x0, atol=1e-12)


# --------------------------------------------------------------------------- the posterior


def _posterior_by_conditioning(x0: float, x_t: float, t: int, betas: np.ndarray):
    """q(x_{t-1} | x_t, x0) from the joint Gaussian of the chain, built step by step.

    Each step is x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps_s, so (x_1..x_t) given x0
    is b x0 + A eps with A lower triangular; condition x_{t-1} on x_t with the Schur complement.
    No alpha-bar formula is used.
    """
    A, b = np.zeros((t, t)), np.zeros(t)
    previous_row, previous_b = np.zeros(t), 1.0
    for s in range(t):
        scale = math.sqrt(1 - betas[s])
        A[s] = scale * previous_row
        A[s, s] = math.sqrt(betas[s])
        b[s] = scale * previous_b
        previous_row, previous_b = A[s], b[s]
    covariance, mean = A @ A.T, b * x0
    if t == 1:  # x_0 is given: nothing is random
        return x0, 0.0
    i, j = t - 2, t - 1  # x_{t-1}, x_t
    gain = covariance[i, j] / covariance[j, j]
    conditional_mean = mean[i] + gain * (x_t - mean[j])
    conditional_variance = covariance[i, i] - gain * covariance[j, i]
    return conditional_mean, conditional_variance


@pytest.mark.parametrize("t", [1, 2, 5, 12])
def test_posterior_matches_gaussian_conditioning(t):
    betas = linear_beta_schedule(12, 0.02, 0.25)
    for x0, x_t in [(1.0, 0.5), (-2.0, 1.3), (0.3, -0.7)]:
        posterior = q_posterior_mean_variance(x0, x_t, t, betas)
        mean, variance = _posterior_by_conditioning(x0, x_t, t, betas)
        assert float(posterior.mean) == pytest.approx(mean, rel=1e-10, abs=1e-12)
        assert float(posterior.variance) == pytest.approx(variance, rel=1e-10, abs=1e-14)


def test_posterior_per_sample_steps_and_the_paper_formula(rng):
    betas = cosine_beta_schedule(30)
    alpha_bar = np.cumprod(1 - betas)
    alpha_bar_previous = np.r_[1.0, alpha_bar[:-1]]
    x0, x_t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    t = np.array([1, 2, 15, 30])
    posterior = q_posterior_mean_variance(x0, x_t, t, betas)
    assert posterior.mean.shape == (4, 2)
    assert posterior.variance.shape == (4, 1)
    for i, step in enumerate(t):
        k = step - 1
        tilde_beta = (1 - alpha_bar_previous[k]) / (1 - alpha_bar[k]) * betas[k]
        coefficient_x0 = np.sqrt(alpha_bar_previous[k]) * betas[k] / (1 - alpha_bar[k])
        coefficient_xt = np.sqrt(1 - betas[k]) * (1 - alpha_bar_previous[k]) / (1 - alpha_bar[k])
        np.testing.assert_allclose(posterior.variance[i, 0], tilde_beta, rtol=1e-13)
        np.testing.assert_allclose(
            posterior.mean[i], coefficient_x0 * x0[i] + coefficient_xt * x_t[i], rtol=1e-13
        )
    # at t = 1 the step is deterministic: x_0 itself
    np.testing.assert_allclose(posterior.mean[0], x0[0], rtol=1e-14)
    assert posterior.variance[0, 0] == 0.0


def test_posterior_with_the_true_noise_estimate_recovers_the_data(rng):
    """The sampler's route: x0 from the noise, then the posterior mean, is consistent."""
    betas = cosine_beta_schedule(40)
    alpha_bar = alphas_cumprod(betas)
    x0, noise = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    x_t = q_sample(x0, 25, alpha_bar, noise)
    estimate = predict_x0_from_noise(x_t, 25, alpha_bar, noise)
    np.testing.assert_allclose(
        q_posterior_mean_variance(estimate, x_t, 25, betas).mean,
        q_posterior_mean_variance(x0, x_t, 25, betas).mean,
        atol=1e-12,
    )


# --------------------------------------------------------------------------- backends


def test_other_array_libraries_give_their_own_kind(backend, rng):
    betas_np = linear_beta_schedule(8, 0.05, 0.4)
    x0_np, noise_np = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    t_np = np.array([1, 4, 8])
    betas, x0, noise = (backend.asarray(a) for a in (betas_np, x0_np, noise_np))
    t = backend.asarray(t_np, dtype="int64")
    results = {
        "alphas_cumprod": (alphas_cumprod(betas), alphas_cumprod(betas_np)),
        "q_sample": (
            q_sample(x0, t, alphas_cumprod(betas), noise),
            q_sample(x0_np, t_np, alphas_cumprod(betas_np), noise_np),
        ),
        "q_sample with a NumPy schedule": (
            q_sample(x0, t, alphas_cumprod(betas_np), noise),
            q_sample(x0_np, t_np, alphas_cumprod(betas_np), noise_np),
        ),
        "posterior mean": (
            q_posterior_mean_variance(x0, noise, t, betas).mean,
            q_posterior_mean_variance(x0_np, noise_np, t_np, betas_np).mean,
        ),
        "posterior variance": (
            q_posterior_mean_variance(x0, noise, 3, betas).variance,
            q_posterior_mean_variance(x0_np, noise_np, 3, betas_np).variance,
        ),
    }
    for name, (ours, reference) in results.items():
        assert backend.is_native(ours), name
        np.testing.assert_allclose(backend.to_numpy(ours), reference, rtol=1e-13, err_msg=name)


def test_pytorch_gradient_of_q_sample_is_the_signal_scale():
    torch = require("torch")
    alpha_bar = alphas_cumprod(linear_beta_schedule(10, 0.05, 0.3))
    x0 = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)
    q_sample(x0, torch.tensor([1, 5, 10]), alpha_bar, torch.zeros(3, 2)).sum().backward()
    expected = np.sqrt(alpha_bar[[0, 4, 9]])[:, None] * np.ones((3, 2))
    np.testing.assert_allclose(x0.grad.numpy(), expected, rtol=1e-14)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: linear_beta_schedule(0), ValidationError, "T must be >= 1, got 0"),
        (lambda: cosine_beta_schedule(2.5), ArrayTypeError, "T must be an integer"),
        (lambda: linear_beta_schedule(5, 0.0), ValidationError, "beta_start must lie in (0, 1)"),
        (lambda: linear_beta_schedule(5, 0.1, 1.0), ValidationError, "beta_end must lie in"),
        (lambda: cosine_beta_schedule(5, s=-0.1), ValidationError, "s must be a non-negative"),
        (lambda: cosine_beta_schedule(5, max_beta=1), ValidationError, "max_beta must lie in"),
        (lambda: alphas_cumprod([0.1, 1.0]), ValidationError, "betas must lie in (0.0, 1.0)"),
        (lambda: alphas_cumprod([0.1, -0.2]), ValidationError, "betas must lie in"),
        (lambda: alphas_cumprod([[0.1]]), ShapeError, "betas must be a 1-D schedule"),
        (lambda: alphas_cumprod([]), ValidationError, "betas must not be empty"),
        (lambda: q_sample(1.0, 3, [0.9, 0.8], 0.0), ValidationError, "t must lie in [0, 2]"),
        (lambda: q_sample(1.0, -1, [0.9], 0.0), ValidationError, "t must lie in [0, 1]"),
        (lambda: q_sample(1.0, 1.0, [0.9], 0.0), ArrayTypeError, "t must be an integer"),
        (
            lambda: q_sample(1.0, np.array([1.0]), [0.9], 0.0),
            ArrayTypeError,
            "t must be an integer or an array of integers, got dtype float64",
        ),
        (lambda: q_sample(1.0, True, [0.9], 0.0), ArrayTypeError, "t must be an integer"),
        (
            lambda: q_sample(np.ones((3, 2)), np.array([1, 1]), [0.9], 0.0),
            ShapeError,
            "t holds one step per sample, so its shape (2,) must match",
        ),
        (
            lambda: q_sample(np.ones(3), np.array([[1, 1, 1]]), [0.9], 0.0),
            ShapeError,
            "t holds one step per sample",
        ),
        (
            lambda: q_sample(np.ones(3), 1, [0.9], np.ones(2)),
            ShapeError,
            "x0 and noise must broadcast together, got x0 (3,) and noise (2,)",
        ),
        (lambda: q_sample(1.0, 1, [1.2], 0.0), ValidationError, "alphas_cumprod must lie in"),
        (lambda: q_sample(1.0, 1, [0.0], 0.0), ValidationError, "alphas_cumprod must lie in"),
        (
            lambda: q_posterior_mean_variance(1.0, 1.0, 0, [0.1]),
            ValidationError,
            "t must lie in [1, 1] (steps are counted from 1",
        ),
        (
            lambda: q_posterior_mean_variance(np.ones(2), np.ones(3), 1, [0.1]),
            ShapeError,
            "x0 and x_t must broadcast together",
        ),
        (
            lambda: predict_x0_from_noise(1.0, 2, [0.9], 0.0),
            ValidationError,
            "t must lie in [0, 1] (t = 0 is the clean data",
        ),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)
