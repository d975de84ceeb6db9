"""Shared test fixtures: array backends, optional tools, and CI's no-skip rule.

When the environment variable ``MLEQUATIONS_REQUIRE_OPTIONAL`` is set (``.ci/run``
sets it), a test that would be skipped fails instead: CI must exercise every
optional reference (PyTorch, array-api-strict, ...).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

# scikit-learn's estimator checks test array-API input only when SciPy's array-API
# support is on, and it must be switched on before SciPy is first imported (nothing
# above imports it).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

REQUIRE_OPTIONAL = bool(os.environ.get("MLEQUATIONS_REQUIRE_OPTIONAL"))


def require(module: str) -> Any:
    """Import an optional test reference, or skip with a clear reason (fail in CI)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        reason = f"optional test reference {module!r} is not installed ({error})"
        if REQUIRE_OPTIONAL:
            pytest.fail(f"{reason}; MLEQUATIONS_REQUIRE_OPTIONAL forbids skipping")
        pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_OPTIONAL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which MLEQUATIONS_REQUIRE_OPTIONAL forbids: {reason}"


@dataclass(frozen=True)
class Backend:
    """One array library the layer-1 functions must accept and return."""

    name: str
    xp: Any

    def asarray(self, values: Any, dtype: str = "float64") -> Any:
        """Build an array of this backend from NumPy data."""
        array = np.asarray(values, dtype=dtype)
        if self.name == "torch":
            return self.xp.asarray(array.copy())
        return self.xp.asarray(array)

    def to_numpy(self, x: Any) -> np.ndarray:
        if self.name == "torch":
            return x.detach().cpu().numpy()
        if self.name == "array_api_strict":
            return np.from_dlpack(x)
        return np.asarray(x)

    def is_native(self, x: Any) -> bool:
        """True when ``x`` is an array of this backend (the caller's kind came back)."""
        if self.name == "numpy":
            return isinstance(x, np.ndarray)
        if self.name == "torch":
            return isinstance(x, self.xp.Tensor)
        return type(x).__module__.startswith("array_api_strict")


@pytest.fixture(params=["numpy", "array_api_strict", "torch"])
def backend(request) -> Backend:
    """Each array library a layer-1 function must work on, as a :class:`Backend`."""
    module = require(request.param)
    return Backend(request.param, module)


@pytest.fixture
def torch():
    """PyTorch, the reference for activations, losses and autograd (required in CI)."""
    return require("torch")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


from hypothesis import settings  # noqa: E402

settings.register_profile("mlequations", deadline=None, max_examples=60, derandomize=True)
settings.load_profile("mlequations")
