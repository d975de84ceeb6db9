"""Turn catalog entries, their checks and the demos into the HTML pages (Jinja2 templates).

Every text appears in both languages (``<span class="en">`` and ``<span class="zh">``);
the stylesheet shows one and ``site.js`` remembers the reader's choice.

Examples
--------
>>> format_value([0.5, 0.25, 1.0])
'[0.5, 0.25, 1]'
>>> format_value(0.6931471805599453)
'0.693147'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from mlequations import __version__
from mlequations.catalog import Catalog, Entry
from mlequations.catalog.example_code import example_code
from mlequations.catalog.verify import CheckResult
from mlequations.site.demos_cache import DemoOutcome
from mlequations.site.highlight import highlight_python
from mlequations.site.mathml import LatexError, latex_to_mathml, text_to_html

__all__ = ["chapter_file", "format_value", "render_chapter", "render_demos", "render_index"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def chapter_file(chapter: str) -> str:
    """The page of a chapter, relative to the site's root."""
    return f"{chapter}.html"


def format_value(value: Any) -> str:
    """A result as short readable text: 6 significant digits, long arrays summarised."""
    if value is None:
        return "—"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    options = {"threshold": 40, "edgeitems": 4, "linewidth": 72}
    with np.printoptions(formatter={"float_kind": lambda x: f"{x:.6g}"}, **options):
        return np.array2string(array, separator=", ")


def render_index(
    catalog: Catalog, results: Mapping[str, CheckResult], demos: Mapping[str, DemoOutcome]
) -> str:
    chapters = [_chapter_summary(catalog, chapter, results) for chapter in catalog.chapters]
    agreeing = sum(result.ok for result in results.values())
    return _ENVIRONMENT.get_template("index.html").render(
        page=_page("index", {"en": "Equations of machine learning", "zh": "机器学习方程"}),
        nav=_navigation(catalog),
        chapters=chapters,
        total=len(catalog),
        agreeing=agreeing,
        demo_count=len(demos),
    )


def render_chapter(
    catalog: Catalog,
    chapter: str,
    results: Mapping[str, CheckResult],
    demos: Mapping[str, DemoOutcome],
) -> str:
    entries = catalog.in_chapter(chapter)
    views = [_entry_view(entry, results[entry.id], catalog, demos) for entry in entries]
    title = entries[0].chapter_title
    return _ENVIRONMENT.get_template("chapter.html").render(
        page=_page(chapter, title),
        nav=_navigation(catalog, current=chapter),
        title=_bilingual(title),
        entries=views,
    )


def render_demos(catalog: Catalog, demos: Mapping[str, DemoOutcome]) -> str:
    users: dict[str, list[dict[str, Any]]] = {name: [] for name in demos}
    for entry in catalog.values():
        name = _demo_of(entry)
        if name in users:
            users[name].append(_link(entry))
    views = [_demo_view(outcome, users[name]) for name, outcome in demos.items()]
    return _ENVIRONMENT.get_template("demos.html").render(
        page=_page("demos", {"en": "Demos", "zh": "演示"}),
        nav=_navigation(catalog, current="demos"),
        demos=views,
    )


# --------------------------------------------------------------------------- views


def _page(name: str, title: Mapping[str, str]) -> dict[str, Any]:
    return {"name": name, "title": title, "version": __version__}


def _navigation(catalog: Catalog, current: str | None = None) -> list[dict[str, Any]]:
    links = []
    for chapter in catalog.chapters:
        title = catalog.in_chapter(chapter)[0].chapter_title
        links.append(
            {
                "href": chapter_file(chapter),
                "title": _bilingual(title),
                "current": chapter == current,
            }
        )
    return links


def _chapter_summary(
    catalog: Catalog, chapter: str, results: Mapping[str, CheckResult]
) -> dict[str, Any]:
    entries = catalog.in_chapter(chapter)
    title = entries[0].chapter_title
    items = []
    for entry in entries:
        words = [entry.id, *entry.title.values(), *title.values(), entry.function]
        items.append(
            {**_link(entry), "ok": results[entry.id].ok, "search": " ".join(words).lower()}
        )
    return {"href": chapter_file(chapter), "title": _bilingual(title), "entries": items}


def _link(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "href": f"{chapter_file(entry.chapter)}#{entry.id}",
        "title": _bilingual(entry.title),
    }


def _entry_view(
    entry: Entry, result: CheckResult, catalog: Catalog, demos: Mapping[str, DemoOutcome]
) -> dict[str, Any]:
    try:
        formula = Markup(latex_to_mathml(entry.latex, display=True))
    except LatexError as error:
        raise LatexError(f"entry {entry.id!r}: {error}") from None
    related = [_link(catalog[i]) for i in entry.related if i in catalog]
    demo_name = _demo_of(entry)
    reference = entry.reference
    return {
        "id": entry.id,
        "title": _bilingual(entry.title),
        "formula": formula,
        "explanation": _bilingual(entry.explanation),
        "practical_use": _bilingual(entry.practical_use),
        "correction": None
        if entry.guide_correction is None
        else _bilingual(entry.guide_correction),
        "description": _bilingual(entry.example.description),
        "code": Markup(highlight_python(example_code(entry))),
        "function": entry.function,
        "ours": format_value(result.ours),
        "expected": format_value(entry.example.expected),
        "atol": f"{entry.example.atol:g}",
        "reference": format_value(result.reference),
        "reference_source": reference.function or reference.expression,
        "library": reference.library,
        "example_ok": result.error is None and result.example_ok,
        "reference_ok": result.error is None and result.reference_ok,
        "ok": result.ok,
        "error": result.error,
        "related": related,
        "demo": None if demo_name not in demos else _demo_view(demos[demo_name], []),
    }


def _demo_of(entry: Entry) -> str | None:
    return entry.demo


def _demo_view(outcome: DemoOutcome, users: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": outcome.name,
        "status": outcome.status,
        # the one-line summary; the details (listings, samples) are in the demo's files
        "summary": outcome.summary.partition("\n")[0],
        "figures": list(outcome.figures),
        "other_files": [path for path in outcome.files if path not in outcome.figures],
        "measures": [(key, format_value(value)) for key, value in outcome.values.items()],
        "seconds": None if outcome.seconds is None else f"{outcome.seconds:.1f}",
        "computed": outcome.computed,
        "stale": outcome.stale,
        "error": outcome.error,
        "users": users,
    }


def _bilingual(texts: Mapping[str, str]) -> dict[str, Markup]:
    """Both languages as HTML, with ``$...$`` math turned into MathML."""
    return {language: Markup(text_to_html(texts[language])) for language in ("en", "zh")}
