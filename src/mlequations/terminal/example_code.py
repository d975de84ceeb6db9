"""A catalog entry's worked example as a runnable Python script that calls the library.

The catalog stores an example as data (arguments, a ``select`` path, see
``docs/catalog-format.md``); ``example_source`` writes the same computation as
code a learner can paste into Python: the imports, helper functions for the
arguments that are SymPy expressions, the call, and ``print(result)``.

Examples
--------
>>> from mlequations.catalog import load_catalog
>>> print(example_source(load_catalog()["entropy"]))
from mlequations.information import entropy
<BLANKLINE>
result = entropy([[0.5, 0.5], [0.9, 0.1]])
print(result)  # expected [0.6931, 0.3251]
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Mapping
from typing import Any

from mlequations.catalog import Entry, SelectStep

__all__ = ["example_source"]

LINE_LENGTH = 88
_AUTODIFF_FUNCTIONS = ("exp", "log", "sqrt", "tanh")


def example_source(entry: Entry) -> str:
    """The entry's worked example as a Python script that prints the result.

    Parameters
    ----------
    entry : Entry
        A catalog entry; its example is run once (without printing) to learn
        whether each ``select`` step is a key, an attribute or a method.

    Returns
    -------
    str
        Code that imports the entry's function, calls it with the example's
        arguments and prints ``result``.
    """
    writer = _Writer()
    example = entry.example
    function = writer.name(entry.function)
    call = writer.call(function, example.args, example.kwargs, used=len("result = "))
    if example.call is not None:
        call += "(" + ", ".join(writer.value(v) for v in example.call) + ")"
    call += writer.selection(entry, example.select)
    lines = [*writer.import_lines(), ""]
    for definition in writer.definitions:
        lines += [definition, ""]
    lines.append(f"result = {call}")
    lines.append(f"print(result)  # expected {example.expected!r}")
    return "\n".join(lines)


class _Writer:
    """Collects the imports and helper functions that the generated call needs."""

    def __init__(self) -> None:
        self.imports: dict[str, str] = {}  # name in the code -> import statement
        self.definitions: list[str] = []
        self._functions = 0

    def import_lines(self) -> list[str]:
        """``import x`` lines, then one ``from m import a, b`` line per module."""
        lines = sorted({line for line in self.imports.values() if line.startswith("import ")})
        names: dict[str, set[str]] = {}
        for line in self.imports.values():
            if line.startswith("from "):
                module, _, name = line.removeprefix("from ").partition(" import ")
                names.setdefault(module, set()).add(name)
        for module in sorted(names):
            lines.append(f"from {module} import {', '.join(sorted(names[module]))}")
        return lines

    def name(self, path: str) -> str:
        """The code that names ``"module:attribute"``, importing what it needs."""
        module, _, attribute = path.partition(":")
        top, _, rest = attribute.partition(".")
        for package, alias in (("numpy", "np"), ("torch", "torch")):
            if module == package or module.startswith(package + "."):
                self.imports[alias] = f"import {package}" + (
                    f" as {alias}" if alias != package else ""
                )
                return alias + module[len(package) :] + "." + attribute
        name = top
        if self.imports.get(name, f"from {module} import {top}") != f"from {module} import {top}":
            name = f"{module.rsplit('.', 1)[-1]}_{top}"  # the same name from another module
            self.imports[name] = f"from {module} import {top} as {name}"
        else:
            self.imports[name] = f"from {module} import {top}"
        return name + ("." + rest if rest else "")

    def call(
        self, function: str, args: Any, kwargs: Mapping[str, Any], indent: int = 0, used: int = 0
    ) -> str:
        """``function(args, key=value)``, one argument a line when it does not fit on one.

        ``indent`` is the indentation of the line, ``used`` the columns before the call.
        """
        inner = indent + 4
        parts = [self.value(v, indent=inner) for v in args]
        parts += [f"{key}={self.value(v, key, inner, len(key) + 1)}" for key, v in kwargs.items()]
        one_line = f"{function}({', '.join(parts)})"
        if (indent + used + len(one_line) <= LINE_LENGTH and "\n" not in one_line) or not parts:
            return one_line
        lines = "".join(f"{' ' * inner}{part},\n" for part in parts)
        return f"{function}(\n{lines}{' ' * indent})"

    def value(self, value: Any, hint: str = "f", indent: int = 0, used: int = 0) -> str:
        """Python source for one catalog argument (see docs/catalog-format.md)."""
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v, hint) for v in value) + "]"
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, float) and not math.isfinite(value):
            return f'float("{value}")'  # inf, -inf and nan have no literal
        if not isinstance(value, Mapping):
            return repr(value)
        if "array" in value:
            return self.array(value)
        if "callable" in value:
            function = self.name(value["callable"])
            if "args" not in value and "kwargs" not in value:
                return function
            return self.call(function, value.get("args", []), value.get("kwargs", {}), indent, used)
        if "expression" in value:
            return self.expression(value, hint)
        items = ", ".join(f"{json.dumps(k)}: {self.value(v, k)}" for k, v in value.items())
        return "{" + items + "}"

    def array(self, value: Mapping[str, Any]) -> str:
        kind, dtype = value.get("kind", "numpy"), value.get("dtype", "float64")
        data = self.value(value["array"])
        grad = ", requires_grad=True" if value.get("requires_grad", False) else ""
        if kind == "torch":
            self.imports["torch"] = "import torch"
            return f"torch.tensor({data}, dtype=torch.{dtype}{grad})"
        self.imports["np"] = "import numpy as np"
        array = f"np.asarray({data}" + ("" if dtype == "float64" else f", dtype={dtype!r}") + ")"
        if kind == "autodiff":
            self.imports["Tensor"] = "from mlequations.autodiff import Tensor"
            return f"Tensor({array}{grad})"
        return array

    def expression(self, value: Mapping[str, Any], hint: str) -> str:
        """Define a helper function for a SymPy expression; returns its name (or its value)."""
        import sympy

        variables = list(value.get("variables") or [])
        symbols = [sympy.Symbol(v) for v in variables]
        parsed = sympy.sympify(value["expression"], locals={s.name: s for s in symbols})
        form = value.get("form", "scalar")
        self._functions += 1
        name = hint if self._functions == 1 and hint.isidentifier() else f"f{self._functions}"
        if form == "scalar":
            body = [f"return {self._numpy(parsed)}"]
            self.definitions.append(_function(name, ", ".join(variables), body))
            return name
        unpack = f"{', '.join(variables)}{',' if len(variables) == 1 else ''} = v"
        if form == "vector":
            body = [unpack, f"return float({self._numpy(parsed)})"]
        elif form == "gradient":
            terms = ", ".join(self._numpy(sympy.diff(parsed, s)) for s in symbols)
            body = [unpack, f"return np.array([{terms}], dtype=float)  # the gradient"]
        else:  # "tensor": the engine's operations, so that calling it records a graph
            unpack = (
                ", ".join(variables) + " = " + ", ".join(f"v[{i}]" for i in range(len(symbols)))
            )
            body = [unpack, f"return {self._autodiff(parsed)}"]
        self.definitions.append(_function(name, "v", body))
        if form == "tensor" and value.get("at") is not None:
            self.imports["Tensor"] = "from mlequations.autodiff import Tensor"
            self.imports["np"] = "import numpy as np"
            theta = f"np.asarray({self.value(value['at'])})"
            return f'{name}(Tensor({theta}, requires_grad=True, name="theta"))'
        return name

    def _numpy(self, expression: Any) -> str:
        from sympy.printing.numpy import NumPyPrinter

        self.imports["np"] = "import numpy as np"
        return NumPyPrinter().doprint(expression).replace("numpy.", "np.")

    def _autodiff(self, expression: Any) -> str:
        from sympy.printing.pycode import PythonCodePrinter

        printer = PythonCodePrinter({"fully_qualified_modules": False})
        text = printer.doprint(expression)
        for function in _AUTODIFF_FUNCTIONS:
            if f"{function}(" in text:
                self.imports[function] = f"from mlequations.autodiff import {function}"
        return text

    def selection(self, entry: Entry, steps: tuple[SelectStep, ...]) -> str:
        """Code for the ``select`` path, following the example's real result."""
        if not steps:
            return ""
        from mlequations.catalog.verify import decode_value

        example = entry.example
        try:
            result = entry.implementation()(
                *[decode_value(v) for v in example.args],
                **{k: decode_value(v) for k, v in example.kwargs.items()},
            )
            if example.call is not None:
                result = result(*[decode_value(v) for v in example.call])
        except Exception:  # the code is still right for attributes; show it as such
            result = None
        return self._steps(result, list(steps))

    def _steps(self, result: Any, steps: list[SelectStep]) -> str:
        from mlequations.catalog.verify import decode_value

        code = ""
        while steps:
            step = steps.pop(0)
            if isinstance(step, Mapping):
                code += "." + self.call(
                    step["method"], step.get("args", []), step.get("kwargs", {})
                )
                method = getattr(result, step["method"], None)
                args = [decode_value(v) for v in step.get("args", [])]
                kwargs = {k: decode_value(v) for k, v in step.get("kwargs", {}).items()}
                result = _try(method, *args, **kwargs)
            elif isinstance(step, int):
                index = [step]
                while steps and isinstance(steps[0], int):
                    index.append(steps.pop(0))
                code, result = code + _index_code(result, index), _try(_index, result, index)
            elif isinstance(result, Mapping):
                code, result = code + f"[{json.dumps(step)}]", result.get(step)
            else:
                attribute = getattr(result, step, None)
                if inspect.ismethod(attribute) or inspect.isbuiltin(attribute):
                    code, result = code + f".{step}()", _try(attribute)
                else:
                    code, result = code + f".{step}", attribute
        return code


def _function(name: str, parameters: str, body: list[str]) -> str:
    return f"def {name}({parameters}):\n" + "\n".join(f"    {line}" for line in body)


def _try(function: Any, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, or None if it raises (or is None)."""
    try:
        return function(*args, **kwargs)
    except Exception:
        return None


def _index(result: Any, index: list[int]) -> Any:
    try:
        return result[tuple(index)]
    except TypeError:  # a list or tuple takes one integer at a time
        for i in index:
            result = result[i]
        return result


def _index_code(result: Any, index: list[int]) -> str:
    if isinstance(result, list | tuple) or result is None:
        return "".join(f"[{i}]" for i in index)
    return "[" + ", ".join(str(i) for i in index) + "]"
