"""Build the offline HTML reference: run the checks and demos, render and write every page.

The output folder holds ``index.html`` (search box), one page per chapter, ``demos.html``,
``static/`` (stylesheet, script, the Latin Modern Math font and its licence),
``figures/<demo>/`` and ``build.json`` (what agreed, how each demo was obtained).
Nothing on a page refers to the network.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mlequations._array import ValidationError
from mlequations.catalog import load_catalog
from mlequations.catalog.verify import check_entry
from mlequations.demos import DEMOS
from mlequations.site.demos_cache import DEMO_CACHE_DIRECTORY, DemoOutcome, collect_demo
from mlequations.site.highlight import pygments_css
from mlequations.site.render import chapter_file, render_chapter, render_demos, render_index

__all__ = ["build_site"]

STATIC = Path(__file__).resolve().parent / "static"
MARKER = ".mlequations-site"
#: What a rebuild replaces inside a folder that an earlier build made.
_OWN_ENTRIES = ("static", "figures", "build.json")


def build_site(
    out_dir: Path | str = "site",
    *,
    refresh: bool = False,
    cache_dir: Path | str | None = None,
    verbose: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build the HTML reference into ``out_dir`` and return the path of its ``index.html``.

    Parameters
    ----------
    out_dir : path, default "site"
        The output folder: new, empty, or made by an earlier build (it is then rebuilt).
    refresh : bool, default False
        Run every demo, including the slow ones taken from the cache otherwise, and
        rewrite the cache of the slow ones (see :mod:`mlequations.site.demos_cache`).
    cache_dir : path, optional
        The demo cache (default: ``demo_cache/`` beside this module, in the repository).
    verbose : int, default 1
        0 is silent; 1 reports one line per demo and per chapter.
    progress : callable, optional
        Receives each progress line (default: printed to standard error).

    Returns
    -------
    Path
        The built ``index.html``.

    Raises
    ------
    ValidationError
        If ``out_dir`` is a file, or a non-empty folder that no earlier build made.
    mlequations.site.mathml.LatexError
        If an entry's formula cannot be turned into MathML.
    """
    out = Path(out_dir)
    _prepare(out)
    report = _reporter(verbose, progress)
    start = time.perf_counter()
    catalog = load_catalog()
    _copy_static(out)

    demos: dict[str, DemoOutcome] = {}
    for number, name in enumerate(DEMOS, start=1):
        outcome = collect_demo(name, out, Path(cache_dir or DEMO_CACHE_DIRECTORY), refresh)
        demos[name] = outcome
        report(f"[{number:>2}/{len(DEMOS)}] demo {name}: {_describe(outcome)}")

    results = {}
    for chapter in catalog.chapters:
        entries = catalog.in_chapter(chapter)
        results.update({entry.id: check_entry(entry) for entry in entries})
        page = render_chapter(catalog, chapter, results, demos)
        (out / chapter_file(chapter)).write_text(page, encoding="utf-8")
        failed = [entry.id for entry in entries if not results[entry.id].ok]
        verdict = f"{len(failed)} DISAGREE: {', '.join(failed)}" if failed else "all agree"
        report(f"chapter {chapter}: {len(entries)} equations, {verdict}")

    (out / "demos.html").write_text(render_demos(catalog, demos), encoding="utf-8")
    index = out / "index.html"
    index.write_text(render_index(catalog, results, demos), encoding="utf-8")
    _write_summary(out, results, demos, time.perf_counter() - start)
    report(f"site: {index} ({time.perf_counter() - start:.0f} s)")
    return index


def _prepare(out: Path) -> None:
    """Make ``out`` ready: create it, or clear what an earlier build wrote there."""
    if out.exists() and not out.is_dir():
        raise ValidationError(f"out_dir must be a folder, got the file {str(out)!r}")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ValidationError(
            f"out_dir must be empty or made by 'mlequations site', got {str(out)!r}, "
            "which holds other files"
        )
    out.mkdir(parents=True, exist_ok=True)
    for page in out.glob("*.html"):
        page.unlink()
    for name in _OWN_ENTRIES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out / MARKER).write_text("made by 'mlequations site'; rebuilt in place\n", encoding="utf-8")


def _copy_static(out: Path) -> None:
    shutil.copytree(STATIC, out / "static")
    (out / "static" / "pygments.css").write_text(pygments_css(), encoding="utf-8")


def _reporter(verbose: int, progress: Callable[[str], None] | None) -> Callable[[str], None]:
    if not verbose:
        return lambda line: None
    if progress is not None:
        return progress
    return lambda line: print(line, file=sys.stderr, flush=True)


def _describe(outcome: DemoOutcome) -> str:
    if outcome.status == "ran":
        return f"ran in {outcome.seconds:.1f} s"
    if outcome.status == "cached":
        stale = "; STALE, the demo changed: run with --refresh" if outcome.stale else ""
        return f"cached ({outcome.seconds:.0f} s, computed {outcome.computed}{stale})"
    if outcome.status == "missing":
        return "slow and not cached: run 'mlequations site --refresh'"
    return f"FAILED: {outcome.error}"


def _write_summary(out: Path, results: dict, demos: dict[str, DemoOutcome], seconds: float) -> None:
    summary = {
        "seconds": round(seconds, 1),
        "equations": len(results),
        "disagreements": sorted(key for key, result in results.items() if not result.ok),
        "demos": {
            name: {"status": o.status, "stale": o.stale, "error": o.error, "files": list(o.files)}
            for name, o in demos.items()
        },
    }
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (out / "build.json").write_text(text + "\n", encoding="utf-8")
