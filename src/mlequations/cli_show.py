"""``mlequations show ID``: one equation in full, with its example computed live.

The page: the title, the formula in Unicode beside its LaTeX source, the
explanation, the practical use, the correction to the guide (if any), the
related entries, the demo, the example as runnable Python, and the live result
against the guide's value and the independent reference, each with ✓ or ✗.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from mlequations.catalog import Catalog, Entry, load_catalog
from mlequations.cli_common import (
    EXIT_FAILURE,
    UsageError,
    format_value,
    label,
    unknown_message,
)

__all__ = ["find_entry", "run_show", "show_lines"]

INDENT = "    "


def run_show(arguments: argparse.Namespace) -> int:
    """Print the entry; exit code 1 when its live result disagrees, else 0."""
    from mlequations.catalog.verify import check_entry

    catalog = load_catalog()
    entry = find_entry(catalog, arguments.id)
    result = check_entry(entry)
    for line in show_lines(entry, result, arguments.lang, catalog):
        print(line)
    return 0 if result.ok else EXIT_FAILURE


def find_entry(catalog: Catalog, query: str) -> Entry:
    """The entry called ``query``; a ``UsageError`` suggesting the closest ids otherwise."""
    if query in catalog:
        return catalog[query]
    names = {entry.id: tuple(entry.title.values()) for entry in catalog.values()}
    raise UsageError(unknown_message("equation", query, names, "see 'mlequations list'"))


def show_lines(entry: Entry, result, lang: str, catalog: Catalog) -> Iterator[str]:
    """The lines that ``show`` prints (``result`` is the entry's ``CheckResult``)."""
    yield f"{entry.title[lang]}  [{entry.id} · {entry.chapter}: {entry.chapter_title[lang]}]"
    yield ""
    yield from _formula(entry, lang)
    yield ""
    colon = "：" if lang == "zh" else ": "
    yield label("explanation", lang) + colon + entry.explanation[lang]
    yield ""
    yield label("practical_use", lang) + colon + entry.practical_use[lang]
    if entry.guide_correction is not None:
        yield ""
        yield label("correction", lang) + colon + entry.guide_correction[lang]
    yield ""
    if entry.related:
        left, right = ("（", "）") if lang == "zh" else (" (", ")")
        titles = [
            f"{r}{left}{catalog[r].title[lang]}{right}" for r in entry.related if r in catalog
        ]
        yield label("related", lang) + colon + ", ".join(titles)
    if entry.demo:
        yield label("demo", lang) + colon + f"mlequations demo {entry.demo}"
    yield label("function", lang) + colon + entry.function
    yield ""
    yield label("example", lang) + colon + entry.example.description[lang]
    yield ""
    yield from _code(entry)
    yield ""
    yield from _live(entry, result, lang)


def _formula(entry: Entry, lang: str) -> Iterator[str]:
    from mlequations.terminal import format_table, latex_to_unicode

    rows = []
    # pylatexenc missing or a formula it cannot read: the LaTeX alone
    with contextlib.suppress(Exception):
        rows.append((label("formula", lang), latex_to_unicode(entry.latex)))
    rows.append((label("latex", lang), entry.latex))
    for line in format_table(rows).splitlines():
        yield INDENT + line


def _code(entry: Entry) -> Iterator[str]:
    from mlequations.catalog.example_code import example_code

    try:
        source = example_code(entry)
    except Exception as error:  # show the page even if the example cannot be written out
        yield f"{INDENT}# (the example could not be written as code: {type(error).__name__})"
        return
    for line in source.splitlines():
        yield f"{INDENT}{line}".rstrip()


def _live(entry: Entry, result, lang: str) -> Iterator[str]:
    yield f"{label('live', lang)}:"
    if result.error is not None and result.ours is None:
        yield f"{INDENT}✗ {label('failed', lang)}: {result.error}"
        return
    reference = entry.reference
    source = reference.function or reference.expression
    rows = [
        (label("ours", lang), format_value(result.ours), ""),
        (
            label("guide", lang),
            format_value(entry.example.expected),
            _verdict(result.example_ok, lang, f"atol {entry.example.atol:g}"),
        ),
    ]
    if result.error is not None:
        rows.append((reference.library, "-", f"✗ {label('failed', lang)}: {result.error}"))
    else:
        tolerance = f"rtol {reference.rtol:g}, atol {reference.atol:g}; {source}"
        rows.append(
            (
                reference.library,
                format_value(result.reference),
                _verdict(result.reference_ok, lang, tolerance),
            )
        )
    from mlequations.terminal import format_table

    for line in format_table(rows, gap="  ").splitlines():
        yield INDENT + line


def _verdict(ok: bool, lang: str, tolerance: str) -> str:
    if ok:
        return f"✓ {label('agrees', lang)} ({tolerance})"
    return f"✗ {label('differs', lang)} ({tolerance})"
