"""Layer 1 divergences: references, worked examples, invariants, edges, backends."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, special, stats

from mlequations._array import (
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.divergences import cross_entropy, gaussian_kl_divergence, kl_divergence
from mlequations.information import entropy
from support import assert_cases_match_numpy, normalise, random_distributions, weight_vectors

RTOL = 1e-10


# --------------------------------------------------------------------------- references


def test_cross_entropy_matches_scipy_and_torch(rng, torch):
    p, q = random_distributions(rng, (5, 4)), random_distributions(rng, (5, 4), zero_fraction=0.0)
    expected = -special.xlogy(p, q).sum(axis=1)
    np.testing.assert_allclose(cross_entropy(p, q), expected, RTOL)
    logits = torch.log(torch.from_numpy(q))  # log q is a valid logit vector for softmax
    reference = torch.nn.functional.cross_entropy(logits, torch.from_numpy(p), reduction="none")
    np.testing.assert_allclose(cross_entropy(p, q), reference.numpy(), RTOL)


def test_kl_divergence_matches_scipy_and_torch(rng, torch):
    p, q = random_distributions(rng, (5, 4)), random_distributions(rng, (5, 4), zero_fraction=0.0)
    np.testing.assert_allclose(kl_divergence(p, q), special.rel_entr(p, q).sum(axis=1), RTOL)
    np.testing.assert_allclose(kl_divergence(p, q, base=2), stats.entropy(p, q, base=2, axis=1))
    reference = torch.nn.functional.kl_div(
        torch.log(torch.from_numpy(q)), torch.from_numpy(p), reduction="none"
    ).sum(dim=1)
    np.testing.assert_allclose(kl_divergence(p, q), reference.numpy(), RTOL)


def test_kl_divergence_keeps_relative_accuracy_for_nearly_equal_distributions(rng):
    p = random_distributions(rng, (8,), zero_fraction=0.0)
    q = p * (1 + 1e-7 * rng.standard_normal(8))
    q /= q.sum()
    with mpmath.workdps(40):
        terms = [
            mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))
            for a, b in zip(p, q, strict=True)
        ]
        exact = sum(terms)
    assert float(kl_divergence(p, q)) == pytest.approx(float(exact), rel=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("tiny", [1e-9, 1e-20, 1e-30])
def test_kl_divergence_of_a_tiny_probability_is_exact_and_silent(dtype, tiny):
    # p / q is tiny in the first term, where log1p((p - q) / q) would be log1p(-1).
    p, q = np.array([tiny, 1 - tiny], dtype), np.array([0.5, 0.5], dtype)
    expected = special.rel_entr(p.astype(np.float64), q.astype(np.float64)).sum()
    value = kl_divergence(p, q)
    assert value.dtype == dtype
    assert float(value) == pytest.approx(expected, rel=1e-12 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([1e-9, 1 - 1e-9], [0.5, 0.5]),  # p / q tiny
        ([1e-30, 0.5, 0.5 - 1e-30], [0.25, 0.25, 0.5]),
        ([0.1, 0.9], [1e-20, 1.0 - 1e-20]),  # p / q huge: p / q**2 overflows in float32
    ],
)
def test_kl_divergence_gradients_match_torch_for_extreme_ratios(torch, dtype, p, q):
    dtype = getattr(torch, dtype)
    p_ours, q_ours, p_ref, q_ref = (
        torch.tensor(values, dtype=dtype, requires_grad=True) for values in (p, q, p, q)
    )
    kl_divergence(p_ours, q_ours).backward()
    # PyTorch's own KL takes log q; d/dp = log(p / q) + 1 and d/dq = -p / q.
    torch.nn.functional.kl_div(torch.log(q_ref), p_ref, reduction="sum").backward()
    assert torch.all(torch.isfinite(p_ours.grad))
    assert torch.all(torch.isfinite(q_ours.grad))
    torch.testing.assert_close(p_ours.grad, p_ref.grad)
    torch.testing.assert_close(q_ours.grad, q_ref.grad)


def test_gaussian_kl_matches_torch_and_the_vae_formula(rng, torch):
    mu_p, mu_q = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    var_p, var_q = rng.uniform(0.05, 3, size=(4, 3)), rng.uniform(0.05, 3, size=(4, 3))
    normal = torch.distributions.Normal
    reference = torch.distributions.kl_divergence(
        normal(torch.from_numpy(mu_p), torch.from_numpy(np.sqrt(var_p))),
        normal(torch.from_numpy(mu_q), torch.from_numpy(np.sqrt(var_q))),
    )
    np.testing.assert_allclose(gaussian_kl_divergence(mu_p, var_p, mu_q, var_q), reference, 1e-9)
    # Kingma & Welling's closed form against the standard normal prior, summed over latents.
    vae = -0.5 * np.sum(1 + np.log(var_p) - mu_p**2 - var_p, axis=1)
    np.testing.assert_allclose(gaussian_kl_divergence(mu_p, var_p, 0.0, 1.0, axis=1), vae, RTOL)
    total = gaussian_kl_divergence(mu_p, var_p, 0.0, 1.0, axis=(0, 1))
    assert float(total) == pytest.approx(vae.sum(), rel=RTOL)


@pytest.mark.parametrize(("mu_p", "var_p", "mu_q", "var_q"), [(1, 0.5, 0, 1), (-2, 3, 0.5, 0.2)])
def test_gaussian_kl_matches_numerical_integration(mu_p, var_p, mu_q, var_q):
    p, q = stats.norm(mu_p, math.sqrt(var_p)), stats.norm(mu_q, math.sqrt(var_q))
    integral, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -50, 50)
    value = gaussian_kl_divergence(mu_p, var_p, mu_q, var_q)
    assert float(value) == pytest.approx(integral, rel=1e-8)


def test_gaussian_kl_is_accurate_for_nearly_equal_variances():
    var_q, var_p = 1.0, 1.0 + 1e-6
    with mpmath.workdps(40):
        r = mpmath.mpf(var_p) / mpmath.mpf(var_q)
        exact = (r - 1 - mpmath.log(r)) / 2
    assert float(gaussian_kl_divergence(0.0, var_p, 0.0, var_q)) == pytest.approx(
        float(exact), rel=1e-8
    )


def _exact_gaussian_kl(mu_p, var_p, mu_q, var_q):
    with mpmath.workdps(40):
        mu_p, var_p, mu_q, var_q = (mpmath.mpf(float(v)) for v in (mu_p, var_p, mu_q, var_q))
        ratio = var_p / var_q
        return float((ratio - 1 - mpmath.log(ratio) + (mu_p - mu_q) ** 2 / var_q) / 2)


@pytest.mark.parametrize(
    ("dtype", "arguments"),
    [
        (np.float64, (1e200, 1.0, 0.0, 1e300)),  # (mu_p - mu_q)**2 alone overflows
        (np.float64, (0.0, 1.5e308, 0.0, 0.6)),  # var_p / var_q alone overflows
        (np.float64, (0.0, 1e200, 1.0, 3e199)),  # var_p * var_q overflows
        (np.float64, (0.0, 1e-300, 0.0, 1e300)),
        (np.float32, (1e20, 1.0, 0.0, 1e30)),
        (np.float32, (0.0, 1e30, 0.0, 1e20)),
    ],
)
def test_gaussian_kl_is_accurate_and_silent_at_extreme_scales(dtype, arguments):
    value = gaussian_kl_divergence(*(np.asarray(a, dtype) for a in arguments))
    assert value.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert float(value) == pytest.approx(_exact_gaussian_kl(*arguments), rel=rtol)


def test_gaussian_kl_beyond_the_float_range_is_inf_without_warning():
    # The exact values (about 5e309 and 5e339) exceed the largest float64.
    assert float(gaussian_kl_divergence(0.0, 1e300, 0.0, 1e-10)) == math.inf
    assert float(gaussian_kl_divergence(1e300, 1.0, -1e300, 1e-40)) == math.inf


# --------------------------------------------------------------------------- worked examples


def test_guide_kl_example_reproduces():
    kl = 0.7 * math.log(0.7 / 0.5) + 0.3 * math.log(0.3 / 0.5)
    assert float(kl_divergence([0.7, 0.3], [0.5, 0.5])) == pytest.approx(kl, rel=RTOL)
    assert float(kl_divergence([0.7, 0.3], [0.5, 0.5])) == pytest.approx(0.0823, abs=5e-5)


# --------------------------------------------------------------------------- invariants


@given(weight_vectors, st.data())
def test_kl_is_nonnegative_zero_on_equality_and_splits_cross_entropy(weights, data):
    p = normalise(weights)
    other = data.draw(hnp.arrays(np.float64, p.shape, elements=st.floats(1e-3, 1.0)))
    q = other / other.sum()
    assert float(kl_divergence(p, p)) == 0.0
    kl = float(kl_divergence(p, q))
    assert kl >= 0.0
    if not np.allclose(p, q):
        assert kl > 0.0
    h_pq = float(cross_entropy(p, q))
    assert h_pq == pytest.approx(float(entropy(p)) + kl, rel=1e-9, abs=1e-12)


@given(
    st.floats(-5, 5),
    st.floats(1e-3, 10),
    st.floats(-5, 5),
    st.floats(1e-3, 10),
)
def test_gaussian_kl_is_nonnegative_and_zero_for_equal_gaussians(mu_p, var_p, mu_q, var_q):
    assert float(gaussian_kl_divergence(mu_p, var_p, mu_q, var_q)) >= 0.0
    assert float(gaussian_kl_divergence(mu_p, var_p, mu_p, var_p)) == 0.0


# --------------------------------------------------------------------------- edges


def test_a_certain_outcome_has_exactly_zero_cross_entropy_with_itself():
    value = cross_entropy([1.0, 0.0], [1.0, 0.0])
    assert float(value) == 0.0
    assert math.copysign(1.0, float(value)) == 1.0  # +0.0, not -0.0


def test_zero_q_where_p_is_positive_gives_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(kl_divergence([0.5, 0.5], [1.0, 0.0])) == math.inf
        assert float(cross_entropy([0.5, 0.5], [1.0, 0.0])) == math.inf
        # p = 0 terms vanish whatever q is, also where q = 0.
        assert float(kl_divergence([1.0, 0.0], [1.0, 0.0])) == 0.0
        assert float(kl_divergence([1.0, 0.0], [0.5, 0.5])) == pytest.approx(math.log(2))
        # A subnormal q is not zero: a large but finite divergence, no overflow.
        tiny = 5e-324
        value = float(kl_divergence([0.5, 0.5], [1.0 - tiny, tiny]))
        assert value == pytest.approx(
            0.5 * math.log(0.5) - 0.5 * math.log(tiny) + 0.5 * math.log(0.5)
        )


def test_batches_reduce_along_the_chosen_axis(rng):
    p, q = random_distributions(rng, (3, 4)), random_distributions(rng, (3, 4), zero_fraction=0.0)
    np.testing.assert_allclose(kl_divergence(p.T, q.T, axis=0), kl_divergence(p, q), RTOL)
    np.testing.assert_allclose(cross_entropy(p.T, q.T, axis=0), cross_entropy(p, q), RTOL)
    assert gaussian_kl_divergence(np.zeros((2, 5)), 1.0, 0.0, 2.0).shape == (2, 5)


def test_float32_is_kept(rng):
    p = random_distributions(rng, (3, 4)).astype(np.float32)
    q = random_distributions(rng, (3, 4), zero_fraction=0.0).astype(np.float32)
    cases = [
        (cross_entropy, (p, q)),
        (kl_divergence, (p, q)),
        (gaussian_kl_divergence, (p, q + 0.5, q, p + 0.5)),
    ]
    for function, args in cases:
        result = function(*args)
        assert result.dtype == np.float32, function.__name__
        expected = function(*(a.astype(np.float64) for a in args))
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]),
            ShapeError,
            r"p and q must have the same shape, got \(2,\) and \(3,\)",
        ),
        (lambda: kl_divergence([0.5, 0.5], [0.5, 0.6]), ProbabilityError, "q must sum to 1"),
        (lambda: cross_entropy([0.5, 0.5], [np.inf, 0.0]), ProbabilityError, "q must .* inf"),
        (lambda: gaussian_kl_divergence(0, 0.0, 0, 1), ValidationError, "var_p must be positive"),
        (lambda: gaussian_kl_divergence(0, 1, np.nan, 1), NonFiniteError, "mu_q must be finite"),
        (
            lambda: gaussian_kl_divergence(np.zeros(2), 1, np.zeros(3), 1),
            ShapeError,
            "must broadcast together",
        ),
        (lambda: gaussian_kl_divergence(0, 1, 0, 1, axis=0), ShapeError, "axis must be None"),
        (lambda: gaussian_kl_divergence([0], 1, 0, 1, axis=1), ShapeError, "axis must be in"),
        (
            lambda: gaussian_kl_divergence(np.zeros((2, 2)), 1, 0, 1, axis=(1, -1)),
            ShapeError,
            r"axis must not repeat an axis, got \(1, -1\)",
        ),
        (
            lambda: gaussian_kl_divergence([], [], 0.0, 1.0),
            EmptyInputError,
            r"mu_p must not be empty, got shape \(0,\)",
        ),
        (lambda: gaussian_kl_divergence(0, 1, 0, np.ones((2, 0))), EmptyInputError, "var_q"),
        (lambda: kl_divergence([], []), EmptyInputError, "p must not be empty"),
        (lambda: cross_entropy(np.empty((0, 3)), np.empty((0, 3))), EmptyInputError, "p must"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API


def _backend_cases(rng):
    p = random_distributions(rng, (2, 3))
    q = random_distributions(rng, (2, 3), zero_fraction=0.0)
    return [
        (cross_entropy, (p, q), {}),
        (kl_divergence, (p, q), {}),
        (gaussian_kl_divergence, (p, q, q, p + 0.1), {"axis": -1}),
    ]


def test_every_backend_returns_its_own_kind(backend, rng):
    assert_cases_match_numpy(backend, _backend_cases(rng))


def test_torch_autograd_flows(torch):
    double = torch.float64
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(2, 4, dtype=double, generator=gen, requires_grad=True) for _ in range(2))
    m = torch.randn(6, dtype=double, generator=gen, requires_grad=True)
    s = torch.rand(3, dtype=double, generator=gen, requires_grad=True)
    checks = [
        (lambda a, b: cross_entropy(torch.softmax(a, -1), torch.softmax(b, -1)), (a, b)),
        (lambda a, b: kl_divergence(torch.softmax(a, -1), torch.softmax(b, -1)), (a, b)),
        (lambda m, s: gaussian_kl_divergence(m[:3], torch.exp(s), m[3:], 1.5, axis=0), (m, s)),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)
