"""Layer 1 distributions: Gaussian, Bernoulli and categorical, and one-hot codes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats
from sklearn.preprocessing import OneHotEncoder, label_binarize

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.distributions import (
    bernoulli_pmf,
    categorical_pmf,
    gaussian_log_pdf,
    gaussian_pdf,
    one_hot,
)
from support import (
    assert_backend_matches_numpy,
    assert_float32_kept,
    random_simplex,
    random_tensors,
)

# --------------------------------------------------------------------------- distributions


def test_gaussian_matches_scipy(rng):
    x = rng.normal(size=20) * 3
    mean = rng.normal(size=20)
    var = rng.random(20) + 0.1
    reference = stats.norm.pdf(x, loc=mean, scale=np.sqrt(var))
    np.testing.assert_allclose(gaussian_pdf(x, mean, var), reference, rtol=1e-12)
    np.testing.assert_allclose(
        gaussian_log_pdf(x, mean, var), stats.norm.logpdf(x, mean, np.sqrt(var)), rtol=1e-12
    )
    assert float(gaussian_pdf(1e6)) == 0.0  # far tail underflows without a warning
    assert float(gaussian_log_pdf(1e6)) == pytest.approx(stats.norm.logpdf(1e6), rel=1e-12)
    assert float(gaussian_pdf(0.0, 0.0, 1e-300)) == pytest.approx(
        stats.norm.pdf(0.0, scale=1e-150), rel=1e-12
    )


def _gaussian_log_pdf_closed_form(x, mean=0.0, var=1.0):
    """-(x - mu)^2 / (2 var) - log(2 pi var) / 2 in Python floats, ordered to avoid overflow."""
    gap = abs(x / 2 - mean / 2) / math.sqrt(var)  # (|x - mu| / sigma) / 2
    return -(2 * gap) * gap - 0.5 * (math.log(2 * math.pi) + math.log(var))


@pytest.mark.parametrize(
    ("x", "mean", "var"),
    [
        (1e150, 0.0, 1.0),
        (1.8e154, 0.0, 1.0),  # the largest quadratic term below the float limit
        (1e200, 0.0, 1e100),
        (-1e308, 1e308, 1e300),  # x - mean alone overflows
        (1e-100, 0.0, 1e-300),
        (0.0, 0.0, 5e-324),  # the tallest finite peak
    ],
)
def test_gaussian_stays_accurate_at_extreme_finite_values(x, mean, var):
    expected = _gaussian_log_pdf_closed_form(x, mean, var)
    assert float(gaussian_log_pdf(x, mean, var)) == pytest.approx(expected, rel=1e-12)
    with np.errstate(under="ignore"):
        assert float(gaussian_pdf(x, mean, var)) == pytest.approx(math.exp(expected), rel=1e-12)
    if abs(x - mean) / math.sqrt(var) < 1e150:  # where SciPy itself does not overflow
        sigma = math.sqrt(var)
        assert float(gaussian_log_pdf(x, mean, var)) == pytest.approx(
            stats.norm.logpdf(x, mean, sigma), rel=1e-12
        )


@pytest.mark.parametrize(
    ("x", "mean", "var", "dtype"),
    [
        (1e200, 0.0, 1.0, np.float64),  # raised an overflow RuntimeWarning
        (2e154, 0.0, 1.0, np.float64),
        (1e308, -1e308, 1.0, np.float64),
        (1.0, 0.0, 1e-320, np.float64),
        (3e19, 0.0, 1.0, np.float32),
        (3e38, -3e38, 1e-45, np.float32),
    ],
)
def test_gaussian_far_beyond_the_float_range_is_zero_without_warnings(x, mean, var, dtype):
    # The quadratic term exceeds the largest float: log density -inf, density 0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        args = [np.asarray(v, dtype=dtype) for v in (x, mean, var)]
        log_density, density = gaussian_log_pdf(*args), gaussian_pdf(*args)
    assert np.isneginf(log_density)
    assert log_density.dtype == dtype
    assert float(density) == 0.0
    with np.errstate(over="ignore", under="ignore"):
        assert stats.norm.pdf(x, mean, math.sqrt(var)) == 0.0


def test_gaussian_log_pdf_in_float32_near_its_limit():
    x = np.float32(1e19)  # quadratic term 5e37, just inside float32
    result = gaussian_log_pdf(x)
    assert result.dtype == np.float32
    assert float(result) == pytest.approx(_gaussian_log_pdf_closed_form(float(x)), rel=1e-6)


def test_bernoulli_and_categorical_match_scipy(rng):
    p = rng.random(10)
    x = (rng.random(10) < 0.5).astype(float)
    np.testing.assert_allclose(bernoulli_pmf(x, p), stats.bernoulli.pmf(x, p), rtol=1e-12)
    np.testing.assert_array_equal(bernoulli_pmf([0, 1], [0.0, 1.0]), [1.0, 1.0])
    q = random_simplex(rng, (6, 4))
    labels = rng.integers(0, 4, size=6)
    codes = np.eye(4)[labels]
    reference = [stats.multinomial.pmf(c, n=1, p=row) for c, row in zip(codes, q, strict=True)]
    np.testing.assert_allclose(categorical_pmf(labels, q), reference, rtol=1e-12)
    np.testing.assert_allclose(categorical_pmf(codes, q, encoding="one_hot"), reference)


def test_one_hot_matches_scikit_learn(rng):
    labels = rng.integers(0, 5, size=30)
    expected = label_binarize(labels, classes=list(range(5)))
    np.testing.assert_array_equal(one_hot(labels, 5), expected)
    encoder = OneHotEncoder(categories=[list(range(5))], sparse_output=False)
    np.testing.assert_array_equal(one_hot(labels, 5), encoder.fit_transform(labels[:, None]))
    assert one_hot(labels, 5).dtype == np.float64
    assert one_hot(np.asarray([[1.0, 2.0]], np.float32), 3).dtype == np.float32
    assert one_hot([[0, 1], [1, 0]], 2).shape == (2, 2, 2)


@given(hnp.arrays(np.int64, st.integers(1, 20), elements=st.integers(0, 6)))
def test_one_hot_rows_sum_to_one_and_argmax_recovers_labels(labels):
    codes = one_hot(labels, 7)
    np.testing.assert_array_equal(codes.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(codes.argmax(axis=-1), labels)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: one_hot([0, 3], 3),
            ValidationError,
            r"labels must hold labels in \[0, 2\], got 3",
        ),
        (lambda: one_hot([-1, 0], 3), ValidationError, r"in \[0, 2\], got -1"),
        (lambda: one_hot([0.5, 1], 3), ValidationError, "integer class labels, got 0.5"),
        (lambda: one_hot([np.nan], 3), NonFiniteError, "labels must be finite, got NaN"),
        (lambda: one_hot([], 3), EmptyInputError, "labels must not be empty"),
        (lambda: one_hot([0], 0), ValidationError, "num_classes must be >= 1, got 0"),
        (lambda: one_hot([0], 2.0), ArrayTypeError, "num_classes must be an integer, got float"),
        (lambda: one_hot(["a"], 2), ArrayTypeError, "labels must be an array of real numbers"),
        (lambda: bernoulli_pmf([0.5], 0.3), ValidationError, "x must be 0 or 1, got 0.5"),
        (lambda: bernoulli_pmf([1], 1.5), ValidationError, r"p must lie in \[0.0, 1.0\]"),
        (lambda: bernoulli_pmf([1], np.nan), NonFiniteError, "p must be finite, got NaN"),
        (lambda: categorical_pmf([3], [0.2, 0.8]), ValidationError, r"x must hold labels"),
        (lambda: categorical_pmf([1], [0.2, 0.7]), ProbabilityError, "q must sum to 1"),
        (lambda: categorical_pmf([1, 1], [0.2, 0.8], "one_hot"), ValidationError, "one-hot"),
        (lambda: categorical_pmf([1, 0, 0], [0.2, 0.8], "one_hot"), ShapeError, "length 2"),
        (lambda: categorical_pmf([1], [0.2, 0.8], "onehot"), ValidationError, "encoding must"),
        (
            lambda: categorical_pmf([0, 1], [[0.2, 0.8]] * 3),
            ShapeError,
            r"x \(2,\) and q without its class axis \(3,\)",
        ),
        (lambda: categorical_pmf([0], 1.0), ShapeError, "q must have a last axis over the C"),
        (lambda: gaussian_pdf(0.0, 0.0, 0.0), ValidationError, "var must be positive, got 0"),
        (lambda: gaussian_pdf([np.inf], 0.0, 1.0), NonFiniteError, "x must be finite"),
        (lambda: gaussian_pdf([0.0, 1.0], [0.0, 1.0, 2.0]), ShapeError, "x and mean and var"),
    ],
)
def test_distribution_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- array API and dtypes

CASES = {
    "gaussian_pdf": (gaussian_pdf, [[0.5, -1.0], [0.0, 1.0], [2.0, 0.5]], {}),
    "gaussian_log_pdf": (gaussian_log_pdf, [[0.5, -1.0], [0.0, 1.0], [2.0, 0.5]], {}),
    "bernoulli_pmf": (bernoulli_pmf, [[0.0, 1.0], [0.45, 0.3]], {}),
    "categorical_pmf": (categorical_pmf, [[2.0, 0.0], [0.1, 0.2, 0.7]], {}),
    "one_hot": (one_hot, [[2.0, 0.0, 1.0]], {"num_classes": 3}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backends_return_their_kind_and_numpy_values(backend, name):
    assert_backend_matches_numpy(backend, *CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    assert_float32_kept(*CASES[name])


def test_integer_outcomes_do_not_upcast_float32_parameters():
    q = np.asarray([0.1, 0.2, 0.7], dtype=np.float32)
    assert categorical_pmf(np.asarray([2, 0]), q).dtype == np.float32
    assert bernoulli_pmf(np.asarray([1, 0]), np.float32(0.3)).dtype == np.float32
    assert bernoulli_pmf(np.asarray([1.0, 0.0], np.float32), 0.3).dtype == np.float32


# --------------------------------------------------------------------------- autograd


def test_gradcheck_on_unconstrained_inputs(torch):
    tensor = random_tensors(torch)
    checks = [
        (lambda x, m, v: gaussian_pdf(x, m, v), (tensor(4), tensor(4), tensor(4))),
        (lambda x, m, v: gaussian_log_pdf(x, m, v), (tensor(4), tensor(4), tensor(4))),
    ]
    for function, inputs in checks:
        assert torch.autograd.gradcheck(function, inputs)


def test_gradients_with_respect_to_probabilities(torch):
    p = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    bernoulli_pmf(torch.tensor([1.0, 0.0]), p).sum().backward()
    torch.testing.assert_close(p.grad, torch.tensor([1.0, -1.0], dtype=torch.float64))

    q = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64, requires_grad=True)
    categorical_pmf(torch.tensor([2, 0]), q).sum().backward()
    torch.testing.assert_close(q.grad, torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64))
