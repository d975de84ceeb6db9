"""Write a catalog entry's worked example as a short, runnable Python script.

The script imports the implementing function, builds the example's arguments
(arrays, callables and SymPy expressions of the catalog format become plain
Python: ``np.asarray``, imports, ``def f(...)``), calls it, follows ``select``
and prints the result, so a reader can paste it into a terminal. The tests run
every script and compare its ``result`` with ``mlequations check``.

Examples
--------
>>> from mlequations.catalog import load_catalog
>>> print(example_code(load_catalog()["entropy"]))
from mlequations.information import entropy
<BLANKLINE>
result = entropy([[0.5, 0.5], [0.9, 0.1]])
print(result)  # the worked example: [0.6931, 0.3251]
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from mlequations.catalog import Entry
from mlequations.catalog.verify import decode_value, select_from

__all__ = ["example_code"]

WIDTH = 88
_CONSTANTS = {"pi": "pi", "E": "e"}
_MATH_FUNCTIONS = {"exp", "log", "sqrt", "tanh", "sin", "cos", "tan", "sinh", "cosh", "abs"}


def example_code(entry: Entry) -> str:
    """The entry's worked example as a Python script whose last value is ``result``."""
    writer = _Writer()
    example = entry.example
    function = writer.name_of(entry.function)
    arguments = [writer.value(v, 4) for v in example.args]
    arguments += [f"{key}={writer.value(v, 4)}" for key, v in example.kwargs.items()]
    call = _call(function, arguments, indent=0, prefix="result = ")
    if example.call is not None:
        call += "(" + ", ".join(writer.value(v) for v in example.call) + ")"
    lines = []
    if example.select:
        holder = "model" if inspect.isclass(entry.implementation()) else "value"
        texts = _select_texts(entry, writer)
        lines.extend(writer.data)
        lines.append(_rename(call, holder))
        lines.append(_chain(holder, texts))
    else:
        lines.append(call)
    lines.append(f"print(result)  # the worked example: {_short(example.expected)}")
    return writer.script(lines)


class _Writer:
    """Collects the imports and helper definitions that a script needs."""

    def __init__(self) -> None:
        self.imports: dict[str, str] = {}  # bound name -> import line
        self.definitions: list[str] = []
        self.data: list[str] = []  # long arguments of method steps, as named variables
        self.functions = 0

    def name_of(self, path: str) -> str:
        module, _, attribute = path.partition(":")
        head = attribute.split(".")[0]
        line = f"from {module} import {head}"
        if self.imports.setdefault(head, line) == line:
            return attribute
        top = module.split(".")[0]
        self.imports.setdefault(top, f"import {module}")
        return f"{module}.{attribute}"

    def numpy(self) -> str:
        self.imports["np"] = "import numpy as np"
        return "np"

    def value(self, value: Any, indent: int = 0) -> str:
        if isinstance(value, bool) or value is None:
            return repr(value)
        if isinstance(value, int | float):
            return _number(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return _list([self.value(v, indent + 4) for v in value], indent)
        if isinstance(value, Mapping):
            return self._table(value, indent)
        raise TypeError(f"value must be a catalog value, got {type(value).__name__}")

    def _table(self, table: Mapping[str, Any], indent: int) -> str:
        if "array" in table:
            return self._array(table, indent)
        if "callable" in table:
            name = self.name_of(table["callable"])
            if "args" not in table and "kwargs" not in table:
                return name
            arguments = [self.value(v, indent + 4) for v in table.get("args", [])]
            kwargs = table.get("kwargs", {}).items()
            arguments += [f"{k}={self.value(v, indent + 4)}" for k, v in kwargs]
            return _call(name, arguments, indent)
        if "expression" in table:
            return self._function(table)
        items = [f"{json.dumps(k)}: {self.value(v, indent + 4)}" for k, v in table.items()]
        return "{" + ", ".join(items) + "}"

    def _array(self, table: Mapping[str, Any], indent: int) -> str:
        kind, dtype = table.get("kind", "numpy"), table.get("dtype", "float64")
        flag = ["requires_grad=True"] if table.get("requires_grad") else []
        if kind == "torch":
            self.imports["torch"] = "import torch"
            data = self.value(table["array"], indent + 4)
            return _call("torch.tensor", [data, f"dtype=torch.{dtype}", *flag], indent)
        if kind == "autodiff":
            tensor = self.name_of("mlequations.autodiff:Tensor")
            array = self._array({"array": table["array"], "dtype": dtype}, indent + 4)
            return _call(tensor, [array, *flag], indent)
        data = self.value(table["array"], indent + 4)
        return _call(f"{self.numpy()}.asarray", [data, f"dtype={json.dumps(dtype)}"], indent)

    def _function(self, table: Mapping[str, Any]) -> str:
        """Define ``f`` (``g``, ...) for an expression table; return how to refer to it."""
        name = "fghpqr"[self.functions] if self.functions < 6 else f"f{self.functions}"
        self.functions += 1
        variables, form = list(table["variables"]), table.get("form", "scalar")
        if form == "gradient":
            self.definitions.append(self._gradient(name, table["expression"], variables))
            return f"gradient_{name}"
        module = "autodiff" if form == "tensor" else self.numpy()
        if form == "tensor":
            self.imports["autodiff"] = "from mlequations import autodiff"
        body = _python_expression(table["expression"], module, self.numpy)
        if form == "scalar":
            head = f"def {name}({', '.join(variables)}):"
            self.definitions.append(f"{head}\n    return {body}")
            return name
        unpack = _unpack(variables, indexed=form == "tensor")
        result = f"float({body})" if form == "vector" else body
        self.definitions.append(f"def {name}(v):\n    {unpack}\n    return {result}")
        if form == "tensor" and "at" in table:
            tensor = self.name_of("mlequations.autodiff:Tensor")
            at = self.value(list(table["at"]))
            self.definitions.append(f'theta = {tensor}({at}, requires_grad=True, name="theta")')
            return f"{name}(theta)"
        return name

    def _gradient(self, name: str, expression: str, variables: list[str]) -> str:
        import sympy

        symbols = [sympy.Symbol(v) for v in variables]
        p = sympy.sympify(expression, locals={s.name: s for s in symbols})
        numpy = self.numpy()
        parts = [_python_expression(str(sympy.diff(p, s)), numpy, self.numpy) for s in symbols]
        body = f"{numpy}.array([{', '.join(parts)}], dtype=float)"
        return (
            f"def gradient_{name}(v):  # the exact gradient of {expression}\n"
            f"    {_unpack(variables, indexed=False)}\n    return {body}"
        )

    def script(self, lines: list[str]) -> str:
        plain = sorted({line for line in self.imports.values() if line.startswith("import")})
        names: dict[str, list[str]] = {}
        for line in self.imports.values():
            if line.startswith("from"):
                module, _, name = line.removeprefix("from ").partition(" import ")
                names.setdefault(module, []).append(name)
        merged = [f"from {m} import {', '.join(sorted(set(n)))}" for m, n in sorted(names.items())]
        blocks = ["\n".join(plain + merged), *self.definitions, "\n".join(lines)]
        return "\n\n".join(block for block in blocks if block)


# --------------------------------------------------------------------------- select


def _select_texts(entry: Entry, writer: _Writer) -> list[str]:
    """Each select step as Python: ``.fit(X, t)``, ``["theta"]``, ``.std()``, ``[1, 0]``."""
    steps, texts = entry.example.select, []
    current = _live_result(entry) if _needs_runtime(steps) else None
    position = 0
    while position < len(steps):
        step = steps[position]
        if isinstance(step, Mapping):
            texts.append(_method_text(step, writer))
            group: tuple[Any, ...] = (step,)
        elif isinstance(step, int):
            end = position
            while end < len(steps) and isinstance(steps[end], int):
                end += 1
            group = tuple(steps[position:end])
            texts.append(_index_text(current, group))
        else:
            group = (step,)
            texts.append(_name_text(current, step))
        current = _advance(current, group)
        position += len(group)
    return texts


#: Names for the long positional arguments of common estimator methods.
_ARGUMENT_NAMES = {"fit": ("X", "y"), "predict": ("X_new",), "predict_proba": ("X_new",)}


def _method_text(step: Mapping[str, Any], writer: _Writer) -> str:
    """``.fit(X, y)``: a long positional argument becomes a variable defined before."""
    method, arguments = step["method"], []
    names = _ARGUMENT_NAMES.get(method, ())
    for i, value in enumerate(step.get("args", [])):
        text = writer.value(value)
        if len(text) > 30 or "\n" in text:
            name = names[i] if i < len(names) else f"{method}_argument_{i + 1}"
            writer.data.append(f"{name} = {writer.value(value)}")
            text = name
        arguments.append(text)
    arguments += [f"{k}={writer.value(v)}" for k, v in step.get("kwargs", {}).items()]
    return f".{method}({', '.join(arguments)})"


def _needs_runtime(steps: tuple[Any, ...]) -> bool:
    names = any(isinstance(step, str) for step in steps)
    integers = [isinstance(step, int) for step in steps]
    adjacent = any(a and b for a, b in itertools.pairwise(integers))
    return names or adjacent


def _live_result(entry: Entry) -> Any:
    example = entry.example
    try:
        args = [decode_value(v) for v in example.args]
        result = entry.implementation()(
            *args, **{k: decode_value(v) for k, v in example.kwargs.items()}
        )
        if example.call is not None:
            result = result(*[decode_value(v) for v in example.call])
    except Exception:  # the check reports the failure; the script falls back to plain syntax
        return None
    return result


def _advance(current: Any, group: tuple[Any, ...]) -> Any:
    if current is None:
        return None
    try:
        return select_from(current, group)
    except Exception:
        return None


def _index_text(current: Any, group: tuple[int, ...]) -> str:
    if len(group) == 1:
        return f"[{group[0]}]"
    try:
        current[group]
    except TypeError:  # a list or tuple: one index at a time
        return "".join(f"[{i}]" for i in group)
    except Exception:
        pass
    return "[" + ", ".join(str(i) for i in group) + "]"


def _name_text(current: Any, name: str) -> str:
    if isinstance(current, Mapping):
        return f"[{json.dumps(name)}]"
    attribute = getattr(current, name, None)
    if inspect.ismethod(attribute) or inspect.isbuiltin(attribute):
        return f".{name}()"
    return f".{name}"


# --------------------------------------------------------------------------- formatting


def _number(value: int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    return repr(value)


def _list(items: list[str], indent: int) -> str:
    flat = "[" + ", ".join(items) + "]"
    if len(flat) + indent <= WIDTH - 12 and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    if all("\n" not in item and "[" not in item for item in items):  # numbers: fill lines
        rows, row = [], ""
        for item in items:
            if row and len(pad) + len(row) + len(item) + 2 > WIDTH:
                rows.append(row.rstrip())
                row = ""
            row += item + ", "
        rows.append(row.rstrip())
        return "[\n" + "\n".join(pad + r for r in rows) + "\n" + " " * indent + "]"
    return "[\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "]"


def _call(name: str, arguments: list[str], indent: int, prefix: str = "") -> str:
    flat = f"{prefix}{name}({', '.join(arguments)})"
    if len(flat) + indent <= WIDTH and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{argument},\n" for argument in arguments)
    return f"{prefix}{name}(\n{body}{' ' * indent})"


def _rename(call: str, holder: str) -> str:
    return holder + call.removeprefix("result")


def _chain(holder: str, texts: list[str]) -> str:
    flat = f"result = {holder}{''.join(texts)}"
    if len(flat) <= WIDTH and "\n" not in flat:
        return flat
    lines, current = [], holder
    for text in texts:
        if text.startswith(".") and "(" in text and current != holder:
            lines.append(current)
            current = ""
        current += text
    lines.append(current)
    return "result = (\n" + "".join(f"    {line}\n" for line in lines) + ")"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unpack(variables: list[str], indexed: bool) -> str:
    """``a, b = v`` (a tensor is not iterable: ``a, b = (v[i] for i in range(2))``)."""
    if len(variables) == 1:
        return f"{variables[0]} = v[0]"
    source = f"(v[i] for i in range({len(variables)}))" if indexed else "v"
    line = f"{', '.join(variables)} = {source}"
    if len(line) <= WIDTH - 4:
        return line
    names = _list(variables, 4)
    return "(" + names[1:-1] + ") = " + source


class _Functions(ast.NodeTransformer):
    """Point SymPy's function names at a module (``np.exp``) and read ``^`` as a power."""

    def __init__(self, module: str, numpy: Callable[[], str]) -> None:
        self.module, self.numpy = module, numpy

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _CONSTANTS:
            return ast.Attribute(
                ast.Name(self.numpy(), ast.Load()), _CONSTANTS[node.id], ast.Load()
            )
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name):
            name = "abs" if node.func.id == "Abs" else node.func.id
            if name in _MATH_FUNCTIONS:
                node.func = ast.Attribute(ast.Name(self.module, ast.Load()), name, ast.Load())
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.BitXor):
            node.op = ast.Pow()
        return node


def _python_expression(expression: str, module: str, numpy: Callable[[], str]) -> str:
    tree = ast.parse(expression.strip(), mode="eval")
    return ast.unparse(_Functions(module, numpy).visit(tree))
