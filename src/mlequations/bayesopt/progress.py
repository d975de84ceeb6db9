"""The progress bar of an optimization run: tqdm on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from mlequations.training.progress import shows_progress

__all__ = ["optimization_progress"]


class _Bar:
    """Advances a tqdm bar by one call and shows the best value so far."""

    def __init__(self, bar: tqdm) -> None:
        self._bar = bar

    def update(self, result: Any) -> None:
        self._bar.update(1)
        if not self._bar.disable:
            self._bar.set_postfix(best=f"{result.fun:.6g}", refresh=False)


@contextmanager
def optimization_progress(n_calls: int, verbose: int) -> Iterator[_Bar]:
    """A bar over ``n_calls`` evaluations, shown when ``verbose > 0`` on a terminal.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> with optimization_progress(2, verbose=0) as bar:  # silent: verbose=0
    ...     bar.update(SimpleNamespace(fun=1.0))
    """
    bar = tqdm(
        total=n_calls,
        disable=not shows_progress(verbose),
        file=sys.stderr,
        unit="call",
        desc="Bayesian optimization",
        dynamic_ncols=True,
    )
    try:
        yield _Bar(bar)
    finally:
        bar.close()
