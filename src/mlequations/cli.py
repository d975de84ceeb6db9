"""The ``mlequations`` command line: list, show and check the catalog, and run the demos.

Every error is one line on standard error and exit code 2; ``check`` exits 1
when an example or reference disagrees with our code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlequations import __version__
from mlequations.catalog import CatalogError, Entry, load_catalog

EXIT_DISAGREEMENT = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mlequations", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mlequations {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the equations of the catalog")
    listing.add_argument("--chapter", help="only this chapter")
    listing.add_argument("--lang", choices=("en", "zh"), default="en")

    show = commands.add_parser("show", help="show one equation in full")
    show.add_argument("id", help="the equation's id, as printed by 'mlequations list'")
    show.add_argument("--lang", choices=("en", "zh"), default="en")

    check = commands.add_parser(
        "check", help="run every worked example and its independent reference"
    )
    check.add_argument("ids", nargs="*", help="only these equations (default: all)")
    check.add_argument("--chapter", help="only this chapter")

    demo = commands.add_parser("demo", help="run a demo and write its figures")
    demo.add_argument("name", help="a demo name, or 'all'")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _build_parser()
    try:
        arguments = parser.parse_args(argv)
        handler = {"list": _list, "show": _show, "check": _check, "demo": _demo}
        return handler[arguments.command](arguments)
    except (UsageError, CatalogError) as error:
        print(f"mlequations: error: {error}", file=sys.stderr)
        return EXIT_USAGE


# --------------------------------------------------------------------------- commands


def _selected(chapter: str | None, ids: Sequence[str] = ()) -> list[Entry]:
    catalog = load_catalog()
    if chapter is not None and chapter not in catalog.chapters:
        raise UsageError(f"unknown chapter {chapter!r}; chapters: {', '.join(catalog.chapters)}")
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise UsageError(f"unknown equation id(s) {', '.join(unknown)}; see 'mlequations list'")
    entries = [catalog[i] for i in ids] if ids else list(catalog.values())
    return [e for e in entries if chapter is None or e.chapter == chapter]


def _list(arguments: argparse.Namespace) -> int:
    entries = _selected(arguments.chapter)
    width = max(len(e.id) for e in entries)
    chapter_width = max(len(e.chapter) for e in entries)
    for entry in entries:
        print(
            f"{entry.id:<{width}}  {entry.chapter:<{chapter_width}}  {entry.title[arguments.lang]}"
        )
    return 0


def _show(arguments: argparse.Namespace) -> int:
    catalog = load_catalog()
    if arguments.id not in catalog:
        raise UsageError(f"unknown equation id {arguments.id!r}; see 'mlequations list'")
    entry, lang = catalog[arguments.id], arguments.lang
    print(f"{entry.title[lang]}  [{entry.id}, {entry.chapter_title[lang]}]")
    print()
    print(f"    {entry.latex}")
    print()
    print(entry.explanation[lang])
    print()
    print(("Practical use: " if lang == "en" else "实际用途：") + entry.practical_use[lang])
    if entry.guide_correction is not None:
        print(("Correction to the guide: " if lang == "en" else "对原指南的更正："), end="")
        print(entry.guide_correction[lang])
    print()
    print(("Implemented by " if lang == "en" else "实现：") + entry.function)
    example = entry.example
    print(("Worked example: " if lang == "en" else "例题：") + example.description[lang])
    print(f"    expected {_format(example.expected)}")
    reference = entry.reference
    source = reference.function or f"the closed form {reference.expression}"
    print(
        ("Cross-checked with " if lang == "en" else "独立验证：") + f"{reference.library}: {source}"
    )
    return 0


def _check(arguments: argparse.Namespace) -> int:
    from mlequations.catalog.verify import check_entry

    entries = _selected(arguments.chapter, arguments.ids)
    results = [check_entry(entry) for entry in entries]
    rows = [("equation", "ours", "expected", "reference", "agreement")]
    for result in results:
        rows.append(
            (
                result.entry.id,
                _format(result.ours),
                _format(result.entry.example.expected),
                f"{_format(result.reference)} ({result.entry.reference.library})",
                _verdict(result),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]
        )
    failed = sum(not result.ok for result in results)
    print(f"\n{len(results) - failed} of {len(results)} equations agree", end="")
    print(f"; {failed} disagree" if failed else "")
    return EXIT_DISAGREEMENT if failed else 0


def _demo(arguments: argparse.Namespace) -> int:
    from mlequations.demos import DEMOS, run_demo

    names = list(DEMOS) if arguments.name == "all" else [arguments.name]
    for name in names:
        if name not in DEMOS:
            raise UsageError(f"unknown demo {name!r}; demos: {', '.join(DEMOS)}, all")
    for name in names:
        result = run_demo(name, arguments.out)
        print(f"{name}: {result.summary}")
        for path in result.files:
            print(f"  wrote {path}")
    return 0


# --------------------------------------------------------------------------- formatting


def _verdict(result) -> str:
    if result.error is not None:
        return f"ERROR: {result.error}"
    if not result.example_ok:
        return "DIFFERS from the worked example"
    if not result.reference_ok:
        return "DIFFERS from the reference"
    return "ok"


def _format(value, limit: int = 36) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    text = np.array2string(array, precision=4, separator=", ", suppress_small=True)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
