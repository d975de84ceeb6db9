"""The catalog: one validated entry per equation, read from the TOML files beside this module.

The entries are data (see ``docs/catalog-format.md``); this module reads them,
checks every field and resolves the implementing function, so that the command
line, the HTML reference and the tests all work from the same validated records.

Examples
--------
>>> from mlequations.catalog import load_catalog
>>> entry = load_catalog().get("entropy")
>>> entry.chapter, entry.title["en"]
('information', 'Shannon entropy')
"""

from __future__ import annotations

import difflib
import importlib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CATALOG_DIRECTORY",
    "LANGUAGES",
    "REFERENCE_LIBRARIES",
    "Catalog",
    "CatalogError",
    "Entry",
    "Example",
    "Reference",
    "SelectStep",
    "load_catalog",
    "resolve_callable",
]

CATALOG_DIRECTORY = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
REFERENCE_LIBRARIES = ("scipy", "numpy", "sympy", "scikit-learn", "torch", "closed-form")
DEFAULT_EXAMPLE_ATOL = 1e-4
DEFAULT_REFERENCE_RTOL = 1e-10
DEFAULT_REFERENCE_ATOL = 1e-12
#: One step of a ``select`` path: an attribute or key, an index, or a method call
#: ``{"method": name, "args": [...], "kwargs": {...}}``.
SelectStep = str | int | Mapping[str, Any]

#: TOML files of the catalog folder that are not chapters (see ``catalog/glossary.py``).
_NOT_CHAPTERS = {"glossary.toml"}
_ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ENTRY_KEYS = {
    "id",
    "title",
    "latex",
    "explanation",
    "practical_use",
    "function",
    "guide_correction",
    "example",
    "reference",
    "related",
    "demo",
}
_EXAMPLE_KEYS = {"description", "args", "kwargs", "call", "select", "expected", "atol"}
_METHOD_STEP_KEYS = {"method", "args", "kwargs"}
_REFERENCE_KEYS = {
    "library",
    "function",
    "expression",
    "args",
    "kwargs",
    "select",
    "rtol",
    "atol",
}


class CatalogError(ValueError):
    """A catalog file or entry is malformed; the message names the file, entry and field."""


@dataclass(frozen=True)
class Example:
    """A worked example: the arguments, the path into the result and the expected value.

    ``call`` (``None`` unless given) holds the positional arguments with which the
    function's result is called in turn, for functions that return functions
    (``grad(f)(x)``). A ``select`` step may be a method call with arguments
    (``{"method": "fit", "args": [X, y]}``), so an estimator can be fitted and read.
    """

    description: Mapping[str, str]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    select: tuple[SelectStep, ...]
    expected: Any
    atol: float
    call: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Reference:
    """The same quantity computed by an independent library (or a SymPy closed form)."""

    library: str
    function: str | None
    expression: str | None
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    select: tuple[SelectStep, ...]
    rtol: float
    atol: float


@dataclass(frozen=True)
class Entry:
    """One equation of the catalog."""

    id: str
    chapter: str
    chapter_title: Mapping[str, str]
    title: Mapping[str, str]
    latex: str
    explanation: Mapping[str, str]
    practical_use: Mapping[str, str]
    function: str
    example: Example
    reference: Reference
    guide_correction: Mapping[str, str] | None = None
    related: tuple[str, ...] = ()
    demo: str | None = None
    source: Path = field(default=CATALOG_DIRECTORY, compare=False)

    def implementation(self) -> Callable[..., Any]:
        """The function of the library that implements this equation."""
        return resolve_callable(self.function)


class Catalog(Mapping[str, Entry]):
    """All entries, by id, in file order; ``chapters`` lists the chapter names in order."""

    def __init__(self, entries: list[Entry]):
        self._entries = {entry.id: entry for entry in entries}

    def __getitem__(self, key: str) -> Entry:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"no equation with id {key!r} in the catalog") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chapters(self) -> list[str]:
        return list(dict.fromkeys(entry.chapter for entry in self._entries.values()))

    def in_chapter(self, chapter: str) -> list[Entry]:
        return [entry for entry in self._entries.values() if entry.chapter == chapter]


def resolve_callable(path: str) -> Callable[..., Any]:
    """Import ``"package.module:attribute"`` and return the callable it names."""
    module_name, separator, attribute = path.partition(":")
    if not separator or not module_name or not attribute:
        raise CatalogError(f"expected 'module:attribute', got {path!r}")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise CatalogError(f"cannot import module {module_name!r} ({error})") from error
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise CatalogError(f"module {module_name!r} has no attribute {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise CatalogError(f"{path!r} is not callable")
    return target


@cache
def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Read and validate every ``*.toml`` file of ``directory`` (default: the packaged catalog).

    Raises
    ------
    CatalogError
        If a file does not parse, a field is missing or malformed, an id repeats,
        an implementing function cannot be imported, a ``related`` id is not in
        the catalog or a ``demo`` is not registered.
    """
    folder = Path(directory) if directory is not None else CATALOG_DIRECTORY
    files = sorted(path for path in folder.glob("*.toml") if path.name not in _NOT_CHAPTERS)
    if not files:
        raise CatalogError(f"no catalog files (*.toml) in {folder}")
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    for path in files:
        for entry in _read_file(path):
            if entry.id in seen:
                raise CatalogError(
                    f"{path.name}: id {entry.id!r} is already used in {seen[entry.id].name}"
                )
            seen[entry.id] = path
            entries.append(entry)
    for entry in entries:
        _check_related_exist(entry, seen)
    return Catalog(entries)


def _close_names(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f" (closest: {', '.join(close)})" if close else ""


def _check_related_exist(entry: Entry, ids: Mapping[str, Path]) -> None:
    for other in entry.related:
        if other not in ids:
            raise CatalogError(
                f"{entry.source.name}: entry {entry.id!r}: related id {other!r} is not in the "
                f"catalog{_close_names(other, ids)}"
            )


# --------------------------------------------------------------------------- parsing


def _read_file(path: Path) -> list[Entry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path.name}: not valid TOML ({error})") from error
    where = path.name
    chapter = data.get("chapter")
    if chapter != path.stem:
        raise CatalogError(f"{where}: 'chapter' must be {path.stem!r}, got {chapter!r}")
    chapter_title = _bilingual(data.get("title"), f"{where}: chapter title")
    unknown = set(data) - {"chapter", "title", "equation"}
    if unknown:
        raise CatalogError(f"{where}: unknown top-level key(s) {sorted(unknown)}")
    raw_entries = data.get("equation")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CatalogError(f"{where}: expected at least one [[equation]] table")
    return [_entry(raw, path, chapter, chapter_title) for raw in raw_entries]


def _entry(raw: dict, path: Path, chapter: str, chapter_title: Mapping[str, str]) -> Entry:
    identifier = raw.get("id")
    if not isinstance(identifier, str) or not _ID_PATTERN.match(identifier):
        raise CatalogError(f"{path.name}: id must be kebab-case text, got {identifier!r}")
    where = f"{path.name}: entry {identifier!r}"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {sorted(unknown)}")
    required = ("title", "latex", "explanation", "practical_use", "function", "related", "demo")
    for name in required:
        if name not in raw:
            raise CatalogError(f"{where}: missing field {name!r}")
    function = _text(raw["function"], f"{where}: function")
    try:
        resolve_callable(function)
    except CatalogError as error:
        raise CatalogError(f"{where}: unknown function: {error}") from None
    correction = raw.get("guide_correction")
    return Entry(
        id=identifier,
        chapter=chapter,
        chapter_title=chapter_title,
        title=_bilingual(raw["title"], f"{where}: title"),
        latex=_latex(raw["latex"], f"{where}: latex"),
        explanation=_bilingual(raw["explanation"], f"{where}: explanation"),
        practical_use=_bilingual(raw["practical_use"], f"{where}: practical_use"),
        function=function,
        example=_example(raw.get("example"), f"{where}: example"),
        reference=_reference(raw.get("reference"), raw.get("example") or {}, where),
        guide_correction=(
            None if correction is None else _bilingual(correction, f"{where}: guide_correction")
        ),
        related=_related(raw.get("related"), identifier, f"{where}: related"),
        demo=None if "demo" not in raw else _demo(raw["demo"], f"{where}: demo"),
        source=path,
    )


def _related(value: Any, identifier: str, where: str) -> tuple[str, ...]:
    """A non-empty list of distinct kebab-case ids other than the entry's own."""
    if value is None:
        return ()
    ids = _list(value, where)
    if not ids:
        raise CatalogError(f"{where}: expected at least one related id, got an empty list")
    for other in ids:
        if not isinstance(other, str) or not _ID_PATTERN.match(other):
            raise CatalogError(f"{where}: ids must be kebab-case text, got {other!r}")
        if other == identifier:
            raise CatalogError(f"{where}: an entry cannot be related to itself ({other!r})")
    repeated = sorted({other for other in ids if ids.count(other) > 1})
    if repeated:
        raise CatalogError(f"{where}: repeated id(s) {repeated}")
    return tuple(ids)


def _demo(value: Any, where: str) -> str:
    """The name of a demo registered in ``mlequations.demos.DEMOS``."""
    from mlequations.demos import DEMOS  # a registry of names: no plotting code is imported

    name = _text(value, where)
    if name not in DEMOS:
        hint = _close_names(name, DEMOS) or f" (demos: {', '.join(sorted(DEMOS))})"
        raise CatalogError(f"{where}: unknown demo {name!r}{hint}")
    return name


def _example(raw: Any, where: str) -> Example:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: missing [equation.example] table")
    _no_unknown(raw, _EXAMPLE_KEYS, where)
    if "expected" not in raw:
        raise CatalogError(f"{where}: missing field 'expected'")
    return Example(
        description=_bilingual(raw.get("description"), f"{where}: description"),
        args=tuple(_list(raw.get("args", []), f"{where}: args")),
        kwargs=_table(raw.get("kwargs", {}), f"{where}: kwargs"),
        select=_select(raw.get("select", []), f"{where}: select"),
        expected=raw["expected"],
        atol=_tolerance(raw.get("atol", DEFAULT_EXAMPLE_ATOL), f"{where}: atol"),
        call=None if "call" not in raw else tuple(_list(raw["call"], f"{where}: call")),
    )


def _reference(raw: Any, example: dict, entry_where: str) -> Reference:
    where = f"{entry_where}: reference"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: missing [equation.reference] table")
    _no_unknown(raw, _REFERENCE_KEYS, where)
    library = raw.get("library")
    if library not in REFERENCE_LIBRARIES:
        raise CatalogError(
            f"{where}: library must be one of {REFERENCE_LIBRARIES}, got {library!r}"
        )
    function, expression = raw.get("function"), raw.get("expression")
    if (function is None) == (expression is None):
        raise CatalogError(f"{where}: give exactly one of 'function' or 'expression'")
    if function is not None:
        _text(function, f"{where}: function")
    else:
        _text(expression, f"{where}: expression")
    return Reference(
        library=library,
        function=function,
        expression=expression,
        args=tuple(_list(raw.get("args", example.get("args", [])), f"{where}: args")),
        kwargs=_table(raw.get("kwargs", example.get("kwargs", {})), f"{where}: kwargs"),
        select=_select(raw.get("select", []), f"{where}: select"),
        rtol=_tolerance(raw.get("rtol", DEFAULT_REFERENCE_RTOL), f"{where}: rtol"),
        atol=_tolerance(raw.get("atol", DEFAULT_REFERENCE_ATOL), f"{where}: atol"),
    )


def _no_unknown(raw: dict, allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {sorted(unknown)}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: expected non-empty text, got {value!r}")
    return value


def _bilingual(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: expected a table with keys {list(LANGUAGES)}, got {value!r}")
    missing = [language for language in LANGUAGES if language not in value]
    if missing:
        raise CatalogError(f"{where}: missing language(s) {missing}")
    return {language: _text(value[language], f"{where}.{language}") for language in LANGUAGES}


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise CatalogError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _table(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _select(value: Any, where: str) -> tuple[SelectStep, ...]:
    steps = _list(value, where)
    for step in steps:
        if isinstance(step, dict):
            _method_step(step, where)
        elif isinstance(step, bool) or not isinstance(step, str | int):
            raise CatalogError(
                f"{where}: steps must be names, integers or method tables, got {step!r}"
            )
    return tuple(steps)


def _method_step(step: dict, where: str) -> None:
    """Validate ``{method = "fit", args = [...], kwargs = {...}}`` (args and kwargs optional)."""
    _no_unknown(step, _METHOD_STEP_KEYS, f"{where}: method step")
    _text(step.get("method"), f"{where}: method step: method")
    _list(step.get("args", []), f"{where}: method step {step['method']!r}: args")
    _table(step.get("kwargs", {}), f"{where}: method step {step['method']!r}: kwargs")


def _tolerance(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise CatalogError(f"{where}: expected a non-negative number, got {value!r}")
    return float(value)


_BEGIN_END = re.compile(r"\\(begin|end)\{([^}]*)\}")


def _latex(value: Any, where: str) -> str:
    """Reject LaTeX that cannot typeset: unbalanced braces or environments, stray delimiters."""
    text = _text(value, where)
    if "$" in text:
        raise CatalogError(f"{where}: write the formula without $ delimiters, got {text!r}")
    depth = 0
    for position, character in enumerate(text):
        escaped = position > 0 and text[position - 1] == "\\"
        if character == "{" and not escaped:
            depth += 1
        elif character == "}" and not escaped:
            depth -= 1
            if depth < 0:
                raise CatalogError(f"{where}: unbalanced '}}' at position {position} in {text!r}")
    if depth:
        raise CatalogError(f"{where}: {depth} unclosed '{{' in {text!r}")
    if len(re.findall(r"\\left\b", text)) != len(re.findall(r"\\right\b", text)):
        raise CatalogError(rf"{where}: \left and \right do not pair up in {text!r}")
    stack: list[str] = []
    for kind, name in _BEGIN_END.findall(text):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise CatalogError(rf"{where}: \end{{{name}}} without a matching \begin in {text!r}")
    if stack:
        raise CatalogError(rf"{where}: \begin{{{stack[-1]}}} is never closed in {text!r}")
    return text
