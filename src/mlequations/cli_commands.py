"""The commands ``list``, ``check``, ``demo`` and ``site`` of ``mlequations`` (``show``: cli_show).

Each ``run_*`` takes the parsed arguments, prints to standard output and
returns the exit code; a bad argument raises ``UsageError`` and a failure that
is not the caller's raises ``CommandError`` (``cli.main`` prints either as one line).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mlequations._array import ValidationError
from mlequations.catalog import Catalog, Entry, load_catalog
from mlequations.cli_common import (
    EXIT_FAILURE,
    CommandError,
    UsageError,
    format_value,
    label,
    one_line,
    unknown_message,
)
from mlequations.terminal import format_table

__all__ = ["run_check", "run_demo", "run_list", "run_site", "select_entries"]


def select_entries(catalog: Catalog, chapter: str | None, ids: Sequence[str] = ()) -> list[Entry]:
    """The entries named by ``ids`` (all if none), in ``chapter`` if given."""
    if chapter is not None and chapter not in catalog.chapters:
        names = dict.fromkeys(catalog.chapters, ())
        hint = f"chapters: {', '.join(catalog.chapters)}"
        raise UsageError(unknown_message("chapter", chapter, names, hint))
    titles = {entry.id: tuple(entry.title.values()) for entry in catalog.values()}
    for identifier in ids:
        if identifier not in catalog:
            raise UsageError(
                unknown_message("equation", identifier, titles, "see 'mlequations list'")
            )
    entries = [catalog[i] for i in dict.fromkeys(ids)] if ids else list(catalog.values())
    return [entry for entry in entries if chapter is None or entry.chapter == chapter]


# --------------------------------------------------------------------------- list


def run_list(arguments: argparse.Namespace) -> int:
    """A table of ids, titles and chapters."""
    lang = arguments.lang
    entries = select_entries(load_catalog(), arguments.chapter)
    rows = [(label("id", lang), label("title", lang), label("chapter", lang))]
    rows += [(entry.id, entry.title[lang], entry.chapter) for entry in entries]
    print(format_table(rows))
    return 0


# --------------------------------------------------------------------------- check


def run_check(arguments: argparse.Namespace) -> int:
    """Every selected example against the guide's value and its reference; 1 on a disagreement."""
    from mlequations.catalog.verify import check_entry

    entries = select_entries(load_catalog(), arguments.chapter, arguments.ids)
    results = [check_entry(entry) for entry in entries]
    rows = [("equation", "ours", "expected", "reference", "agreement")]
    for result in results:
        reference = f"{format_value(result.reference, 36)} ({result.entry.reference.library})"
        rows.append(
            (
                result.entry.id,
                format_value(result.ours, 36),
                format_value(result.entry.example.expected, 36),
                reference,
                _agreement(result),
            )
        )
    print(format_table(rows))
    failed = sum(not result.ok for result in results)
    summary = f"\n{len(results) - failed} of {len(results)} equations agree"
    print(summary + (f"; {failed} disagree" if failed else ""))
    return EXIT_FAILURE if failed else 0


def _agreement(result) -> str:
    if result.error is not None:
        return f"✗ ERROR: {one_line(result.error)}"
    if not result.example_ok:
        return "✗ DIFFERS from the worked example"
    if not result.reference_ok:
        return "✗ DIFFERS from the reference"
    return "✓ ok"


# --------------------------------------------------------------------------- demo


def run_demo(arguments: argparse.Namespace) -> int:
    """Run one demo or all; print each one's summary, figures of merit and files."""
    from mlequations.demos import DEMOS

    if arguments.name == "all":
        names = list(DEMOS)
    elif arguments.name in DEMOS:
        names = [arguments.name]
    else:
        choices = dict.fromkeys([*DEMOS, "all"], ())
        hint = f"demos: {', '.join(DEMOS)}, all"
        raise UsageError(unknown_message("demo", arguments.name, choices, hint))
    failures = [name for name in names if not _one_demo(name, arguments.out)]
    if failures:
        print(f"\n{len(failures)} of {len(names)} demos failed: {', '.join(failures)}")
        return EXIT_FAILURE
    return 0


def _one_demo(name: str, out: Path) -> bool:
    from mlequations.demos import run_demo

    try:
        result = run_demo(name, out)
    except Exception as error:  # report it and go on with the other demos
        print(
            f"mlequations: error: demo {name!r} failed: {type(error).__name__}: {one_line(error)}",
            file=sys.stderr,
        )
        return False
    summary, *details = str(result.summary).splitlines() or [""]
    print(f"{name}: {summary}")
    for line in details:
        print(f"  {line}")
    values = dict(result.values)
    if values:
        rows = [(f"  {key}", format_value(value)) for key, value in values.items()]
        print(format_table(rows, gap="  =  "))
    for path in result.files:
        print(f"  wrote {path}")
    return True


# --------------------------------------------------------------------------- site


def run_site(arguments: argparse.Namespace) -> int:
    """Build the HTML reference with ``mlequations.site.build_site``; print index.html's path."""
    try:
        from mlequations.site import build_site
    except ImportError as error:
        raise CommandError(f"cannot build the HTML reference: {one_line(error)}") from None
    out: Path = arguments.out
    try:
        built = build_site(out, refresh=arguments.refresh)
    except ValidationError as error:  # e.g. --out names a folder that is not a site
        raise CommandError(f"cannot build the HTML reference: {one_line(error)}") from None
    index = Path(built) if isinstance(built, str | Path) else out / "index.html"
    if index.is_dir():
        index = index / "index.html"
    if not index.is_file():
        raise CommandError(f"the site was built but {index} does not exist")
    print(index.resolve())
    return 0
