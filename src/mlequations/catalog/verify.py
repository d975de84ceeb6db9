"""Run a catalog entry's worked example and its independent reference, and compare them.

``mlequations check`` and the test suite both call :func:`check_entry`, so what
the command line reports is exactly what CI asserts.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from mlequations._array import to_numpy
from mlequations.catalog import CatalogError, Entry, SelectStep, resolve_callable

__all__ = ["CheckResult", "check_entry", "decode_value", "select_from"]


@dataclass(frozen=True)
class CheckResult:
    """What one entry gave: our value, the guide's expected value, the reference's value."""

    entry: Entry
    ours: Any = None
    reference: Any = None
    example_ok: bool = False
    reference_ok: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.example_ok and self.reference_ok


def check_entry(entry: Entry) -> CheckResult:
    """Compute the entry's example with our function and with its reference; never raises."""
    try:
        ours = _run_ours(entry)
    except Exception as error:  # report, do not crash the whole check run
        return CheckResult(entry, error=f"our function failed: {type(error).__name__}: {error}")
    example_ok = _agrees(ours, entry.example.expected, rtol=0.0, atol=entry.example.atol)
    try:
        reference = _run_reference(entry)
    except Exception as error:
        return CheckResult(
            entry,
            ours=ours,
            example_ok=example_ok,
            error=f"reference failed: {type(error).__name__}: {error}",
        )
    reference_ok = _agrees(ours, reference, rtol=entry.reference.rtol, atol=entry.reference.atol)
    return CheckResult(entry, ours, reference, example_ok, reference_ok)


def _run_ours(entry: Entry) -> Any:
    example = entry.example
    result = entry.implementation()(*_decode_all(example.args), **_decode_map(example.kwargs))
    if example.call is not None:  # a function that returns a function: call that in turn
        result = result(*_decode_all(example.call))
    return _as_comparable(select_from(result, example.select))


def _run_reference(entry: Entry) -> Any:
    reference = entry.reference
    if reference.expression is not None:
        return _evaluate_expression(reference.expression, reference.kwargs)
    function = resolve_callable(reference.function)
    result = function(*_decode_all(reference.args), **_decode_map(reference.kwargs))
    return _as_comparable(select_from(result, reference.select))


def _evaluate_expression(expression: str, values: Mapping[str, Any]) -> Any:
    """Evaluate a SymPy expression exactly, its symbols bound to the given numbers."""
    import sympy

    # Bind every keyword as a plain symbol, so names such as beta or gamma are not
    # read as SymPy's special functions.
    parsed = sympy.sympify(expression, locals={name: sympy.Symbol(name) for name in values})
    substitutions = {}
    for symbol in parsed.free_symbols:
        if symbol.name not in values:
            raise CatalogError(f"expression symbol {symbol.name!r} has no value in kwargs")
        value = values[symbol.name]
        substitutions[symbol] = sympy.Rational(Fraction(str(value)))
    exact = parsed.subs(substitutions)
    if exact.free_symbols:
        raise CatalogError(f"expression {expression!r} did not reduce to a number")
    return np.asarray(float(sympy.N(exact, 30)))


def select_from(result: Any, steps: tuple[SelectStep, ...]) -> Any:
    """Follow ``steps`` into ``result``: a name takes an attribute or key, integers an index.

    Consecutive integers index together (``result[1, 0]``), as array-API arrays require.
    A name that gives a method is called without arguments (``"mean"``, ``"std"``); a
    table ``{"method": "fit", "args": [...], "kwargs": {...}}`` calls that method with
    the decoded arguments (``estimator.fit(X, y)``).
    """
    position = 0
    while position < len(steps):
        step = steps[position]
        if isinstance(step, Mapping):
            method = getattr(result, step["method"])
            arguments = _decode_all(step.get("args", []))
            result = method(*arguments, **_decode_map(step.get("kwargs", {})))
            position += 1
            continue
        if isinstance(step, int):
            end = position
            while end < len(steps) and isinstance(steps[end], int):
                end += 1
            index = tuple(steps[position:end])
            try:
                result = result[index]
            except TypeError:  # a list or tuple takes one integer at a time
                for i in index:
                    result = result[i]
            position = end
            continue
        result = result[step] if isinstance(result, Mapping) else getattr(result, step)
        if inspect.ismethod(result) or inspect.isbuiltin(result):
            result = result()  # a method such as "mean" or "std" is called without arguments
        position += 1
    return result


def _as_comparable(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, list | tuple):
        return np.asarray([_as_comparable(v) for v in value], dtype=float)
    if isinstance(value, int | float | np.generic):
        return np.asarray(value, dtype=float)
    return np.asarray(to_numpy(value), dtype=float)


def _agrees(ours: Any, other: Any, rtol: float, atol: float) -> bool:
    if isinstance(ours, bool) or isinstance(other, bool):
        return bool(ours) == bool(other) and isinstance(ours, bool) == isinstance(other, bool)
    ours, other = np.asarray(ours, dtype=float), np.asarray(other, dtype=float)
    if ours.shape != other.shape:
        return False
    return bool(np.allclose(ours, other, rtol=rtol, atol=atol, equal_nan=False))


def _decode_all(values: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [decode_value(v) for v in values]


def _decode_map(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: decode_value(v) for name, v in values.items()}


def decode_value(value: Any) -> Any:
    """Turn a catalog argument into a Python value (see docs/catalog-format.md)."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "array" in value:
        return _array(value)
    if "callable" in value:
        function = resolve_callable(value["callable"])
        if "args" not in value and "kwargs" not in value:
            return function
        return function(*_decode_all(value.get("args", [])), **_decode_map(value.get("kwargs", {})))
    if "expression" in value:
        form = value.get("form", "scalar")
        if form == "tensor":
            return _tensor_function(value["expression"], value.get("variables"), value.get("at"))
        return _lambdify(value["expression"], value.get("variables"), form)
    return {name: decode_value(v) for name, v in value.items()}


def _array(value: Mapping[str, Any]) -> Any:
    """``{array, dtype, kind, requires_grad}``: a NumPy array, a PyTorch tensor or a Tensor."""
    kind, dtype = value.get("kind", "numpy"), value.get("dtype", "float64")
    requires_grad = bool(value.get("requires_grad", False))
    data = np.asarray(value["array"], dtype=dtype)
    if kind == "numpy":
        return data
    if kind == "torch":
        import torch

        return torch.asarray(data.copy()).requires_grad_(requires_grad)
    if kind == "autodiff":
        from mlequations.autodiff import Tensor

        return Tensor(data, requires_grad=requires_grad)
    raise CatalogError(f"array kind must be 'numpy', 'torch' or 'autodiff', got {kind!r}")


#: SymPy's functions as operations of the autodiff engine (for ``form = "tensor"``).
_TENSOR_FUNCTIONS = ("exp", "log", "sqrt", "tanh", "abs")


def _tensor_function(expression: str, variables: list[str] | None, at: Any) -> Any:
    """A function of one autodiff Tensor vector ``v = [x1, x2, ...]`` built from the expression.

    Every operator and function acts on the engine's tensors, so the function
    records a computational graph. With ``at`` the result is that graph's root,
    evaluated at a leaf vector ``theta`` that requires a gradient.
    """
    import sympy

    from mlequations import autodiff

    if not variables:
        raise CatalogError(f"expression {expression!r} needs a list of 'variables'")
    symbols = [sympy.Symbol(name) for name in variables]
    parsed = sympy.sympify(expression, locals={s.name: s for s in symbols})
    operations = {name: getattr(autodiff, name) for name in _TENSOR_FUNCTIONS}
    operations["Abs"] = autodiff.abs
    scalar_function = sympy.lambdify(symbols, parsed, modules=[operations])

    def function(vector: Any) -> Any:
        if len(vector) != len(symbols):
            raise CatalogError(f"expected a vector of {len(symbols)} values, got {len(vector)}")
        return scalar_function(*(vector[i] for i in range(len(symbols))))

    if at is None:
        return function
    return function(autodiff.Tensor(np.asarray(at, dtype=float), requires_grad=True, name="theta"))


def _lambdify(expression: str, variables: list[str] | None, form: str) -> Callable[..., Any]:
    import sympy

    if not variables:
        raise CatalogError(f"expression {expression!r} needs a list of 'variables'")
    symbols = [sympy.Symbol(name) for name in variables]
    parsed = sympy.sympify(expression, locals={s.name: s for s in symbols})
    if form == "scalar":
        return sympy.lambdify(symbols, parsed, "numpy")
    if form == "vector":
        function = sympy.lambdify(symbols, parsed, "numpy")
        return lambda vector: float(function(*np.asarray(vector, dtype=float)))
    if form == "gradient":
        gradient = sympy.lambdify(symbols, [sympy.diff(parsed, s) for s in symbols], "numpy")
        return lambda vector: np.asarray(gradient(*np.asarray(vector, dtype=float)), dtype=float)
    raise CatalogError(f"form must be 'scalar', 'vector' or 'gradient', got {form!r}")
