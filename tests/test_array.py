"""Layer 0: conversion to arrays (_array) and the validation messages (_checks)."""

import numpy as np
import pytest

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
    array_namespace,
    as_array,
    as_arrays,
    erf,
    xlogy,
)
from mlequations._checks import (
    check_finite,
    check_in_range,
    check_nonempty,
    check_positive,
    check_probability,
    check_same_shape,
    normalize_axis,
)


def test_lists_and_scalars_become_float64_numpy():
    assert as_array([1, 2, 3], "x").dtype == np.float64
    assert as_array(3, "x").dtype == np.float64
    assert as_array(True, "x").dtype == np.float64
    assert as_array(np.arange(3), "x").dtype == np.float64


def test_float32_stays_float32_and_scalars_follow_it():
    _, a, b = as_arrays(np.ones(2, dtype=np.float32), 0.5, names=("a", "b"))
    assert a.dtype == np.float32
    assert b.dtype == np.float32
    assert as_array(np.float32(1.5), "x").dtype == np.float32


def test_mixed_precision_promotes_to_the_wider():
    _, a, b = as_arrays(np.ones(2, np.float32), np.ones(2, np.float64), names=("a", "b"))
    assert a.dtype == b.dtype == np.float64


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "x must be an array of real numbers, got str"),
        (np.array([1 + 2j]), "x must be an array of real numbers, got an array of dtype complex"),
        ([[1, 2], [3]], "x must be a rectangular array of real numbers"),
        ({"a": 1}, "x must be an array of real numbers, got dict"),
    ],
)
def test_bad_types_name_the_argument(value, message):
    with pytest.raises(ArrayTypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        as_array(value, "x")


def test_backends_keep_their_kind(backend):
    x = backend.asarray([1.0, 2.0])
    xp, y = as_arrays(x, names=("x",))
    assert backend.is_native(y)
    assert xp is array_namespace(x)


@pytest.mark.parametrize(
    ("p", "error", "message"),
    [
        ([0.1, 0.3], ProbabilityError, "p must sum to 1 along axis -1, got 0.4"),
        ([0.5, -0.5, 1.0], ProbabilityError, "p must hold non-negative probabilities, got -0.5"),
        ([np.nan, 1.0], ProbabilityError, "p must hold finite probabilities, got NaN"),
        ([np.inf, 1.0], ProbabilityError, "p must hold finite probabilities, got infinity"),
        ([], EmptyInputError, r"p must not be empty, got shape \(0,\)"),
        ([[0.5, 0.5], [0.2, 0.2]], ProbabilityError, "p must sum to 1 along axis -1, got 0.4"),
    ],
)
def test_probability_errors(p, error, message):
    with pytest.raises(error, match=message):
        check_probability(np.asarray(p, dtype=float), "p")


def test_probability_axis_none_and_tolerance():
    check_probability(np.full((2, 2), 0.25), "joint", axis=None)
    check_probability([0.5, 0.5 + 1e-9], "p")
    with pytest.raises(ProbabilityError, match="over all elements, got 2"):
        check_probability(np.full((2, 2), 0.5), "joint", axis=None)
    with pytest.raises(ShapeError, match="axis must be in"):
        check_probability([0.5, 0.5], "p", axis=3)


def test_errors_are_value_and_type_errors():
    assert issubclass(ProbabilityError, ValueError)
    assert issubclass(ShapeError, ValidationError)
    assert issubclass(ArrayTypeError, TypeError)


def test_other_checks():
    with pytest.raises(NonFiniteError, match="x must be finite, got NaN"):
        check_finite(np.array([1.0, np.nan]), "x")
    with pytest.raises(EmptyInputError, match="x must not be empty"):
        check_nonempty(np.zeros((3, 0)), "x")
    with pytest.raises(ShapeError, match=r"must have the same shape, got \(2,\) and \(3,\)"):
        check_same_shape(np.zeros(2), np.zeros(3), "a", "b")
    with pytest.raises(ValidationError, match="var must be positive, got 0"):
        check_positive(np.array([1.0, 0.0]), "var")
    with pytest.raises(ValidationError, match=r"p must lie in \[0, 1\], got 1.5"):
        check_in_range(np.array([0.2, 1.5]), "p", 0, 1)


def test_xlogy_matches_scipy(rng):
    from scipy import special

    x = rng.uniform(0, 1, 50)
    y = rng.uniform(0, 1, 50)
    x[:5] = 0.0
    y[3:8] = 0.0
    with np.errstate(all="raise"):
        ours = xlogy(x, y, np)
    np.testing.assert_allclose(ours, special.xlogy(x, y), rtol=1e-14)


def test_erf_on_every_backend(backend):
    from scipy import special

    values = np.linspace(-3, 3, 13)
    result = erf(backend.asarray(values), array_namespace(backend.asarray(values)))
    assert backend.is_native(result)
    np.testing.assert_allclose(backend.to_numpy(result), special.erf(values), rtol=1e-14)


def test_probability_tolerance_scales_with_dtype_and_size(torch):
    logits = torch.randn(4, 50_257, generator=torch.Generator().manual_seed(0)) * 3
    check_probability(torch.softmax(logits, dim=-1), "p")  # float32 sums are off by ~1e-6
    with pytest.raises(ProbabilityError, match=r"p must sum to 1 along axis -1, got 1\.00001"):
        check_probability(np.asarray([0.5, 0.50001]), "p")
    with pytest.raises(ProbabilityError, match=r"got 1\.000002"):
        check_probability(np.asarray([0.5, 0.500002], dtype=np.float32), "p")


def test_numpy_scalars_keep_their_precision():
    _, a, b = as_arrays(np.float32(0.5), 0.25, names=("a", "b"))
    assert a.dtype == b.dtype == np.float32
    _, a, b = as_arrays(np.float32(0.5), np.ones(2), names=("a", "b"))
    assert a.dtype == b.dtype == np.float64


def test_numpy_scalars_join_other_backends(torch):
    _, _, b = as_arrays(torch.ones(2, dtype=torch.float32), np.float64(0.5), names=("a", "b"))
    assert isinstance(b, torch.Tensor)
    assert b.dtype == torch.float32


def test_scalars_have_no_axis():
    with pytest.raises(ShapeError, match="axis must be None for a scalar"):
        normalize_axis(0, 0)
    assert normalize_axis(-1, 3) == 2
