"""The progress bar of training: tqdm on a terminal, nothing otherwise."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

__all__ = ["progress_bar", "shows_progress"]


def shows_progress(verbose: int) -> bool:
    """True when ``verbose > 0`` and standard error is a terminal (not a file or a pipe)."""
    stream = sys.stderr
    return verbose > 0 and stream is not None and hasattr(stream, "isatty") and stream.isatty()


def progress_bar(total: int, initial: int, verbose: int) -> Any:
    """A tqdm bar over ``total`` updates, already at ``initial``; silent unless it is shown.

    A disabled bar accepts the same calls (``update``, ``set_postfix``,
    ``close``) and prints nothing.
    """
    return tqdm(
        total=total,
        initial=initial,
        disable=not shows_progress(verbose),
        file=sys.stderr,
        unit="step",
        dynamic_ncols=True,
        leave=True,
    )
