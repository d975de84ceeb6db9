"""Helpers shared by several test files: random inputs, hypothesis strategies, assertions.

pytest runs with ``--import-mode=importlib``, so test files cannot import each other;
``pythonpath = ["tests"]`` in ``pyproject.toml`` puts this plain module on the path, and
a test file takes what it needs with ``from support import ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# --------------------------------------------------------------------------- random inputs


def random_simplex(rng: np.random.Generator, shape: Any) -> np.ndarray:
    """Random probability vectors along the last axis, every entry at least a little positive."""
    values = rng.random(shape) + 0.05
    return values / values.sum(axis=-1, keepdims=True)


def random_distributions(
    rng: np.random.Generator, shape: Any, zero_fraction: float = 0.2
) -> np.ndarray:
    """Random probability vectors along the last axis, some entries exactly zero."""
    values = rng.random(shape)
    values[rng.random(shape) < zero_fraction] = 0.0
    values[..., 0] += 0.1  # never an all-zero row
    return values / values.sum(axis=-1, keepdims=True)


def random_table(rng: np.random.Generator, shape: Any, low: float = 0.05) -> np.ndarray:
    """A random joint probability table: every entry at least ``low`` before all sum to 1."""
    values = rng.random(shape) + low
    return values / values.sum()


def random_tensors(torch: Any, seed: int = 0) -> Callable[..., Any]:
    """A function ``tensor(*shape, low=0.1)`` of float64 gradcheck inputs.

    Each call draws uniform values in ``[low, low + 1)`` from one PyTorch generator
    seeded with ``seed`` and returns them with ``requires_grad`` set.
    """
    generator = torch.Generator().manual_seed(seed)

    def tensor(*shape: int, low: float = 0.1) -> Any:
        values = torch.rand(*shape, generator=generator, dtype=torch.float64) + low
        return values.requires_grad_()

    return tensor


# --------------------------------------------------------------------------- hypothesis

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
"""Finite floats in [-10, 10], the entries of vectors and matrices drawn by hypothesis."""

weight_elements = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))
"""Non-negative weights, often exactly zero: unnormalised probabilities."""

weight_vectors = hnp.arrays(np.float64, st.integers(1, 8), elements=weight_elements)
"""Vectors of 1 to 8 :data:`weight_elements`; :func:`normalise` turns one into a distribution."""


def normalise(weights: np.ndarray) -> np.ndarray:
    """Divide ``weights`` by their sum, rejecting the hypothesis example when that is zero."""
    assume(weights.sum() > 0)
    return weights / weights.sum()


# --------------------------------------------------------------------------- assertions


def assert_backend_matches_numpy(
    backend: Any,
    function: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
) -> None:
    """``function`` on ``backend`` arrays returns that backend's kind and NumPy's values.

    ``args`` are converted (to float64) for both calls; ``kwargs`` are passed unchanged.
    """
    expected = function(*(np.asarray(a) for a in args), **kwargs)
    result = function(*(backend.asarray(a) for a in args), **kwargs)
    assert backend.is_native(result), f"{backend.name} input, {type(result)!r} returned"
    np.testing.assert_allclose(backend.to_numpy(result), expected, rtol=1e-12)


def assert_float32_kept(
    function: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
) -> None:
    """``function`` on float32 ``args`` returns float32, close to its float64 result."""
    result = function(*(np.asarray(a, dtype=np.float32) for a in args), **kwargs)
    assert result.dtype == np.float32, f"float32 input, {result.dtype} returned"
    expected = function(*(np.asarray(a) for a in args), **kwargs)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def assert_cases_match_numpy(backend: Any, cases: Any) -> None:
    """Run ``(function, args, kwargs)`` cases on ``backend``: same kind back, NumPy's values.

    Array arguments are converted to the backend in their own dtype; other
    arguments (Python numbers, names) are passed as they are.
    """
    for function, args, kwargs in cases:
        converted = [
            backend.asarray(a, dtype=a.dtype.name) if hasattr(a, "dtype") else a for a in args
        ]
        result = function(*converted, **kwargs)
        assert backend.is_native(result), function.__name__
        np.testing.assert_allclose(
            backend.to_numpy(result), function(*args, **kwargs), rtol=1e-12, atol=1e-15
        )
