"""Layer 1 moments: discrete and continuous expectation, covariance and correlation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, stats

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.moments import (
    correlation,
    covariance,
    expectation,
    expectation_continuous,
)
from support import (
    assert_backend_matches_numpy,
    assert_float32_kept,
    random_simplex,
    random_tensors,
)

# --------------------------------------------------------------------------- worked examples


def test_guide_categorical_expectation():
    assert float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=lambda x: x**2)) == pytest.approx(3.0)
    reference = stats.rv_discrete(values=([0, 1, 2], [0.1, 0.2, 0.7])).expect(lambda x: x**2)
    assert float(expectation([0, 1, 2], [0.1, 0.2, 0.7], f=np.square)) == pytest.approx(reference)


# --------------------------------------------------------------------------- expectation


def test_expectation_matches_scipy_rv_discrete(rng):
    values = rng.normal(size=5)
    probs = random_simplex(rng, 5)
    variable = stats.rv_discrete(values=(np.arange(5), probs))
    assert float(expectation(values, probs)) == pytest.approx(
        variable.expect(lambda k: values[k.astype(int)]), rel=1e-10
    )
    batch = random_simplex(rng, (3, 5))
    np.testing.assert_allclose(expectation(values, batch, f=np.exp), batch @ np.exp(values))
    np.testing.assert_allclose(expectation(values[:, None], batch.T, axis=0), batch @ values)


def test_expectation_ignores_values_of_probability_zero():
    def f(x):
        return np.where(x > 0, x * 5.0, np.inf)  # not finite where the probability is 0

    assert float(expectation([0.0, 1.0], [0.0, 1.0], f=f)) == 5.0
    with pytest.raises(NonFiniteError, match=r"f\(values\) must be finite, got infinity"):
        expectation([0.0, 1.0], [0.5, 0.5], f=f)


@pytest.mark.parametrize(
    ("values", "probs", "error", "message"),
    [
        ([1.0, 2.0], [0.5, 0.6], ProbabilityError, "probs must sum to 1 along axis -1, got 1.1"),
        ([1.0, np.nan], [0.5, 0.5], NonFiniteError, "values must be finite, got NaN"),
        ([1.0, 2.0, 3.0], [0.5, 0.5], ShapeError, "values and probs must broadcast"),
        ([1.0, 2.0], [-0.5, 1.5], ProbabilityError, "non-negative probabilities, got -0.5"),
    ],
)
def test_expectation_errors(values, probs, error, message):
    with pytest.raises(error, match=message):
        expectation(values, probs)


def test_expectation_continuous_matches_scipy():
    assert float(expectation_continuous(stats.norm(1, 2).pdf, lambda x: x**2)) == pytest.approx(
        stats.norm.expect(lambda x: x**2, loc=1, scale=2), rel=1e-9
    )
    assert float(expectation_continuous(stats.expon.pdf, lower=0.0)) == pytest.approx(1.0)
    uniform = expectation_continuous(lambda x: 0.5, np.exp, lower=0.0, upper=2.0)
    assert float(uniform) == pytest.approx(integrate.quad(np.exp, 0, 2)[0] / 2, rel=1e-12)
    assert float(uniform) == pytest.approx(math.expm1(2.0) / 2.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"density": lambda x: 1.0, "lower": 0.0, "upper": 2.0}, ProbabilityError, "got 2"),
        ({"density": "pdf"}, ArrayTypeError, "density must be a callable, got str"),
        ({"density": stats.norm.pdf, "f": 3.0}, ArrayTypeError, "f must be a callable"),
        ({"density": stats.norm.pdf, "lower": 1.0, "upper": 1.0}, ValidationError, "below"),
    ],
)
def test_expectation_continuous_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        expectation_continuous(**kwargs)


# --------------------------------------------------------------------------- covariance


def test_covariance_and_correlation_match_numpy_and_scipy(rng):
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    assert float(covariance(x, y)) == pytest.approx(np.cov(x, y, bias=True)[0, 1], rel=1e-12)
    assert float(correlation(x, y)) == pytest.approx(stats.pearsonr(x, y).statistic, rel=1e-12)
    weights = random_simplex(rng, 40)
    weighted = np.cov(x, y, aweights=weights, bias=True)
    assert float(covariance(x, y, weights)) == pytest.approx(weighted[0, 1], rel=1e-12)
    assert float(correlation(x, y, weights)) == pytest.approx(
        weighted[0, 1] / np.sqrt(weighted[0, 0] * weighted[1, 1]), rel=1e-12
    )
    batch_x, batch_y = rng.normal(size=(2, 3, 10))
    expected = [np.corrcoef(a, b)[0, 1] for a, b in zip(batch_x, batch_y, strict=True)]
    np.testing.assert_allclose(correlation(batch_x, batch_y), expected, rtol=1e-12)
    np.testing.assert_allclose(correlation(batch_x.T, batch_y.T, axis=0), expected, rtol=1e-12)


@given(
    hnp.arrays(np.float64, 8, elements=st.floats(-1e3, 1e3)),
    hnp.arrays(np.float64, 8, elements=st.floats(-1e3, 1e3)),
)
def test_correlation_is_bounded_and_symmetric(x, y):
    for values in (x, y):
        assume(np.std(values) > 1e-6 * (1.0 + np.abs(values).max()))
    rho = float(correlation(x, y))
    assert -1.0 <= rho <= 1.0
    assert rho == pytest.approx(float(correlation(y, x)), abs=1e-12)
    assert float(covariance(x, x)) == pytest.approx(np.var(x), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([0.1, 0.1, 0.1], [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([1.0, 2.0], [3.0, 3.0]), ValidationError, "y has zero variance"),
        (lambda: covariance([1.0, 2.0], [1.0, 2.0, 3.0]), ShapeError, "x and y must have"),
        (lambda: covariance([], []), EmptyInputError, "x must not be empty"),
        (lambda: covariance([1.0, 2.0], [1.0, 2.0], [0.2, 0.2]), ProbabilityError, "got 0.4"),
        (lambda: covariance([1.0, np.inf], [1.0, 2.0]), NonFiniteError, "x must be finite"),
    ],
)
def test_moment_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API and dtypes

CASES = {
    "expectation": (expectation, [[0.0, 1.0, 2.0], [0.1, 0.2, 0.7]], {"f": lambda x: x * x}),
    "covariance": (covariance, [[1.0, 2.0, 4.0], [1.0, 3.0, 2.0]], {}),
    "correlation": (correlation, [[1.0, 2.0, 4.0], [1.0, 3.0, 2.0], [0.2, 0.3, 0.5]], {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backends_return_their_kind_and_numpy_values(backend, name):
    assert_backend_matches_numpy(backend, *CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    assert_float32_kept(*CASES[name])


# --------------------------------------------------------------------------- autograd


def test_gradcheck_on_unconstrained_inputs(torch):
    tensor = random_tensors(torch)
    checks = [
        (lambda x, y: covariance(x, y), (tensor(6), tensor(6))),
        (lambda x, y: correlation(x, y), (tensor(6), tensor(6))),
        (lambda v: expectation(v, torch.tensor([0.2, 0.8]), f=torch.sin), (tensor(2),)),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)


def test_gradients_with_respect_to_probabilities(torch):
    probs = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64, requires_grad=True)
    values = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    expectation(values, probs, f=lambda v: v**2).backward()
    torch.testing.assert_close(probs.grad, values**2)
