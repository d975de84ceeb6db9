"""Run each demo once for the site, or take a slow demo's figures from the cache.

The cache
---------
A demo that takes :data:`SLOW_DEMO_SECONDS` or longer (training a network for
minutes) would blow the site's build budget (under 3 minutes on 2 cores), so its
figures and figures of merit are stored in the repository, in
``src/mlequations/site/demo_cache/<demo>/``: the files the demo wrote and
``result.json`` with its summary, values, the time it took, the date it ran and a
key, the SHA-256 of the demo's module source.

- A normal build runs every demo in-process, except those whose cached record says
  they are slow (and the demos of :data:`ALWAYS_CACHED_DEMOS`, known to be slow
  before their first run): those are copied from the cache. A cached record whose
  key no longer matches the demo's source is still used and reported as stale.
- ``build_site(refresh=True)`` (``mlequations site --refresh``) runs every demo and
  rewrites the cache of the slow ones (and drops the cache of a demo that became fast).
  Commit ``src/mlequations/site/demo_cache/`` afterwards.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlequations.demos import DEMOS, SLOW_DEMOS, run_demo

__all__ = [
    "ALWAYS_CACHED_DEMOS",
    "DEMO_CACHE_DIRECTORY",
    "SLOW_DEMO_SECONDS",
    "DemoOutcome",
    "collect_demo",
    "demo_key",
]

DEMO_CACHE_DIRECTORY = Path(__file__).resolve().parent / "demo_cache"
SLOW_DEMO_SECONDS = 30.0
#: Demos too slow to run in a normal build even before their first cached run.
ALWAYS_CACHED_DEMOS = SLOW_DEMOS
RECORD_NAME = "result.json"


@dataclass(frozen=True)
class DemoOutcome:
    """What the site shows for one demo.

    ``status`` is ``"ran"`` (run in this build), ``"cached"`` (copied from the cache),
    ``"missing"`` (slow and never cached: run ``mlequations site --refresh``) or
    ``"failed"`` (the demo raised; ``error`` says what). ``files`` are paths relative
    to the site's root folder, with ``/`` separators.
    """

    name: str
    status: str
    summary: str = ""
    values: dict[str, float] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    seconds: float | None = None
    computed: str | None = None
    stale: bool = False
    error: str | None = None

    @property
    def figures(self) -> tuple[str, ...]:
        return tuple(path for path in self.files if path.endswith(".png"))


def demo_key(name: str) -> str:
    """The SHA-256 of the source of the module that holds demo ``name``."""
    module_name = DEMOS[name].partition(":")[0]
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ValueError(f"name must be a demo whose module can be found, got {name!r}")
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def collect_demo(name: str, site_root: Path, cache_dir: Path, refresh: bool = False) -> DemoOutcome:
    """Put demo ``name``'s files under ``site_root/figures/<name>/`` and describe them."""
    target = site_root / "figures" / name
    if target.exists():
        shutil.rmtree(target)
    record = None if refresh else _read_record(cache_dir / name)
    if record is not None and (
        record["seconds"] >= SLOW_DEMO_SECONDS or name in ALWAYS_CACHED_DEMOS
    ):
        return _from_cache(name, record, cache_dir / name, target, site_root)
    if name in ALWAYS_CACHED_DEMOS and not refresh:
        return DemoOutcome(name, "missing")
    outcome = _run(name, target, site_root)
    if refresh and outcome.status == "ran":
        _update_cache(outcome, target, cache_dir / name)
    return outcome


def _run(name: str, target: Path, site_root: Path) -> DemoOutcome:
    start = time.perf_counter()
    try:
        result = run_demo(name, target)
    except Exception as error:  # show the failure on the page, build the rest
        return DemoOutcome(name, "failed", error=f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - start
    files = []
    for path in result.files:
        path = Path(path)
        if not path.resolve().is_relative_to(target.resolve()):
            shutil.copy2(path, target / path.name)
            path = target / path.name
        files.append(path.resolve().relative_to(site_root.resolve()).as_posix())
    return DemoOutcome(
        name,
        "ran",
        summary=result.summary,
        values={key: float(value) for key, value in result.values.items()},
        files=tuple(files),
        seconds=seconds,
        computed=datetime.date.today().isoformat(),
    )


def _from_cache(
    name: str, record: dict[str, Any], folder: Path, target: Path, site_root: Path
) -> DemoOutcome:
    target.mkdir(parents=True)
    files = []
    for relative in record["files"]:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / relative, destination)
        files.append(destination.relative_to(site_root).as_posix())
    return DemoOutcome(
        name,
        "cached",
        summary=record["summary"],
        values=dict(record["values"]),
        files=tuple(files),
        seconds=record["seconds"],
        computed=record["computed"],
        stale=record["key"] != demo_key(name),
    )


def _read_record(folder: Path) -> dict[str, Any] | None:
    """The cached record of a demo, or None when there is none or it is incomplete."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    required = {"key", "summary", "values", "files", "seconds", "computed"}
    if not isinstance(record, dict) or not required <= set(record):
        return None
    if not all((folder / relative).is_file() for relative in record["files"]):
        return None
    return record


def _update_cache(outcome: DemoOutcome, target: Path, folder: Path) -> None:
    """Store a slow demo's files and record; drop the cache of a demo that is now fast."""
    slow = outcome.seconds >= SLOW_DEMO_SECONDS or outcome.name in ALWAYS_CACHED_DEMOS
    if folder.exists() and (folder / RECORD_NAME).exists():
        shutil.rmtree(folder)
    if not slow:
        return
    relative_files = [
        Path(path).relative_to(Path("figures") / outcome.name) for path in outcome.files
    ]
    for relative in relative_files:  # only the files the demo reports, not e.g. checkpoints
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target / relative, folder / relative)
    record = {
        "name": outcome.name,
        "key": demo_key(outcome.name),
        "summary": outcome.summary,
        "values": outcome.values,
        "files": [relative.as_posix() for relative in relative_files],
        "seconds": round(outcome.seconds, 1),
        "computed": outcome.computed,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=True)
    (folder / RECORD_NAME).write_text(text + "\n", encoding="utf-8")
