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
        ([1.0, 2.0, 3.0], [0.5, 0.5], ShapeError, r"values \(3,\) and probs \(2,\)"),
        (np.ones((2, 3)), np.full((4, 3), 1 / 3), ShapeError, "values and probs must broadcast"),
        ([1.0, 2.0], [-0.5, 1.5], ProbabilityError, "non-negative probabilities, got -0.5"),
        # probs is validated as given, before broadcasting: a length-1 pmf does not
        # stretch over two values (it gave 1.5 and 'got 2' before).
        (
            [1.0, 2.0],
            [0.5],
            ShapeError,
            r"same length along axis -1.*values \(2,\) and probs \(1,\)",
        ),
        ([1.0, 2.0], [1.0], ShapeError, r"values \(2,\) and probs \(1,\)"),
        ([[1.0], [2.0]], [0.5, 0.5], ShapeError, r"values \(2, 1\) and probs \(2,\)"),
        (1.0, 1.0, ShapeError, "must have an axis -1 to sum over, got only scalars"),
        ([], [], EmptyInputError, "probs must not be empty"),
    ],
)
def test_expectation_errors(values, probs, error, message):
    with pytest.raises(error, match=message):
        expectation(values, probs)


def test_expectation_sums_over_the_axis_of_the_broadcast_shape(rng):
    values = rng.normal(size=(3, 2))
    probs = random_simplex(rng, 3)
    np.testing.assert_allclose(
        expectation(values, probs[:, None], axis=0), probs @ values, rtol=1e-12
    )
    with pytest.raises(ShapeError, match=r"probs has no axis 0 to sum over: its shape is \(3,\)"):
        expectation(values, probs, axis=0)
    with pytest.raises(ShapeError, match=r"f must act elementwise.*got f\(values\) of shape \(\)"):
        expectation([1.0, 2.0], [0.5, 0.5], f=np.sum)


def test_expectation_continuous_matches_scipy():
    assert float(expectation_continuous(stats.norm(1, 2).pdf, lambda x: x**2)) == pytest.approx(
        stats.norm.expect(lambda x: x**2, loc=1, scale=2), rel=1e-9
    )
    assert float(expectation_continuous(stats.expon.pdf, lower=0.0)) == pytest.approx(1.0)
    uniform = expectation_continuous(lambda x: 0.5, np.exp, lower=0.0, upper=2.0)
    assert float(uniform) == pytest.approx(integrate.quad(np.exp, 0, 2)[0] / 2, rel=1e-12)
    assert float(uniform) == pytest.approx(math.expm1(2.0) / 2.0, rel=1e-12)


def test_expectation_continuous_gives_zero_weight_to_points_of_zero_density():
    def density(x):
        return math.exp(-x) if x >= 0 else 0.0

    def f(x):
        return x if x >= 0 else math.inf

    assert float(expectation_continuous(density, f)) == pytest.approx(stats.expon.mean())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"density": lambda x: 1.0, "lower": 0.0, "upper": 2.0}, ProbabilityError, "got 2"),
        (
            {"density": lambda x: math.nan, "lower": 0.0, "upper": 1.0},
            NonFiniteError,
            "the integral of density must be finite, got nan",
        ),
        (
            # sin(1/x) / x^2 oscillates ever faster near 0 and its integral diverges: quad's
            # IntegrationWarning becomes an error instead of an unreliable number.
            {
                "density": lambda x: 1.0,
                "f": lambda x: math.sin(1 / x) / x**2,
                "lower": 0.0,
                "upper": 1.0,
            },
            ValidationError,
            r"the expectation over \[0.0, 1.0\] is unreliable: .* pass quad options",
        ),
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


X_PAIRED = np.array([1.0, 2.0, 3.0, 5.0])
Y_PAIRED = np.array([2.0, 1.0, 4.0, 3.0])


@pytest.mark.parametrize(
    ("dtype", "scale"),
    [
        (np.float32, 1e20),  # gave 0.0 with an overflow warning
        (np.float32, 6e37),
        (np.float32, 1e-20),
        (np.float32, 1e-42),  # subnormal
        (np.float64, 1e-170),  # raised a false "x has zero variance"
        (np.float64, 1e-300),
        (np.float64, 5e-324),  # the smallest subnormal: X is then exact in it
        (np.float64, 1e150),
        (np.float64, -3e307),
    ],
)
def test_correlation_is_scale_free(dtype, scale):
    reference = stats.pearsonr(X_PAIRED, Y_PAIRED).statistic
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    x = X_PAIRED.astype(dtype) * dtype(scale)
    y = Y_PAIRED.astype(dtype)
    rho = correlation(x, y)
    assert rho.dtype == dtype
    assert float(rho) == pytest.approx(np.sign(scale) * reference, rel=rtol)
    assert float(correlation(y, x)) == pytest.approx(np.sign(scale) * reference, rel=rtol)
    assert float(correlation(x, x)) == pytest.approx(1.0, rel=rtol)
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    weighted = np.cov(X_PAIRED, Y_PAIRED, aweights=weights, bias=True)
    assert float(correlation(x, y, weights.astype(dtype))) == pytest.approx(
        np.sign(scale) * weighted[0, 1] / np.sqrt(weighted[0, 0] * weighted[1, 1]), rel=rtol
    )


def test_correlation_gradient_scales_inversely_with_the_data(torch):
    y = torch.tensor(Y_PAIRED)
    gradients = []
    for scale in (1.0, 1e-170, 1e170):  # 1e-170 raised a false "zero variance" before
        x = (torch.tensor(X_PAIRED) * scale).requires_grad_()
        correlation(x, y).backward()
        gradients.append(x.grad * scale)  # rho(s x) = rho(x), so s d rho / d(s x) = d rho / dx
    x = torch.tensor(X_PAIRED, requires_grad=True)
    dx, dy = x - x.mean(), y - y.mean()
    (dx @ dy / torch.sqrt((dx @ dx) * (dy @ dy))).backward()  # the textbook formula
    for gradient in gradients:
        torch.testing.assert_close(gradient, x.grad, rtol=1e-10, atol=1e-12)


def test_covariance_is_finite_whenever_the_result_is():
    # Data near the float limit: x - mean overflowed before, although Cov is in range.
    x, y, probs = [-1.7e308, 1.7e308], [1.0, -1.0], [0.25, 0.75]
    expected = 0.25 * 0.75 * (y[0] - y[1]) * (x[0] / 2 - x[1] / 2) * 2  # w1 w2 (x1-x2)(y1-y2)
    assert float(covariance(x, y, probs)) == pytest.approx(expected, rel=1e-12)
    for scale in (1e-300, 1e-150, 1e150, 1e300):
        assert float(covariance(X_PAIRED * scale, Y_PAIRED)) == pytest.approx(
            np.cov(X_PAIRED, Y_PAIRED, bias=True)[0, 1] * scale, rel=1e-12
        )
    with np.errstate(over="ignore"):
        too_large = np.var(X_PAIRED) * 1e200 * 1e200  # the true value exceeds the dtype
    assert np.isposinf(too_large)
    assert np.isposinf(covariance(X_PAIRED * 1e200, X_PAIRED * 1e200))  # inf, no warning
    assert np.isneginf(covariance(X_PAIRED * 1e200, X_PAIRED * -1e200))
    big = np.float32(1e20) * X_PAIRED.astype(np.float32)
    assert np.isposinf(covariance(big, big))
    assert covariance(big, big).dtype == np.float32
    assert float(covariance(X_PAIRED * 1e-200, X_PAIRED * 1e-200)) == 0.0  # underflows to 0


def test_values_of_probability_zero_do_not_count():
    x, y = [1e308, 1.0, 2.0, 3.0], [-5.0, 1.0, 2.0, 4.0]
    probs = [0.0, 1 / 3, 1 / 3, 1 / 3]
    reference = stats.pearsonr(x[1:], y[1:]).statistic
    assert float(correlation(x, y, probs)) == pytest.approx(reference, rel=1e-12)
    expected = np.cov(x[1:], y[1:], bias=True)[0, 1]
    assert float(covariance(x, y, probs)) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValidationError, match="x has zero variance"):
        correlation([1e308, 1.0, 1.0, 1.0], y, probs)


def test_probs_follow_the_summed_axis(rng):
    x, y = rng.normal(size=(2, 5, 3))
    probs = random_simplex(rng, 5)
    expected = [
        np.cov(a, b, aweights=probs, bias=True)[0, 1] for a, b in zip(x.T, y.T, strict=True)
    ]
    np.testing.assert_allclose(covariance(x, y, probs[:, None], axis=0), expected, rtol=1e-12)
    with pytest.raises(ShapeError, match=r"probs has no axis 0 to sum over: its shape is \(5,\)"):
        covariance(x, y, probs, axis=0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([1e-300] * 3, [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (lambda: correlation([3e-320] * 3, [1.0, 2.0, 3.0]), ValidationError, "x has zero"),
        (
            lambda: correlation(np.full(3, 3e38, np.float32), np.float32([1, 2, 3])),
            ValidationError,
            "x has zero",
        ),
        (
            lambda: covariance([1.0, 2.0], [1.0, 2.0], probs=[0.5]),  # gave 0.25
            ShapeError,
            r"x and probs must have the same length along axis -1.*x \(2,\) and probs \(1,\)",
        ),
        (
            lambda: correlation([1.0, 2.0, 3.0], [1.0, 3.0, 2.0], probs=[[1.0], [0.0]]),
            ShapeError,
            r"x \(3,\) and probs \(2, 1\)",
        ),
        (lambda: covariance(1.0, 2.0), ShapeError, "x must have an axis -1 to sum over"),
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
