"""Aligned text tables whose columns stay aligned with Chinese (double-width) characters.

A terminal gives an East Asian wide character (熵, 中) two columns and a
combining mark (the hat of ŷ) none, so ``str.ljust`` misaligns such text.
``display_width`` counts columns as a terminal does: with the ``wcwidth`` package
when it is installed, else from ``unicodedata``.

Examples
--------
>>> print(format_table([("id", "title"), ("entropy", "香农熵"), ("kl", "KL")]))
id       title
entropy  香农熵
kl       KL
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["display_width", "format_table", "pad"]

try:  # the terminal's own table of widths, when available
    from wcwidth import wcswidth as _wcswidth
except ImportError:  # pragma: no cover - depends on the environment
    _wcswidth = None


def display_width(text: str) -> int:
    """The number of terminal columns ``text`` takes.

    Examples
    --------
    >>> display_width("abc"), display_width("信息论"), display_width("ŷ")
    (3, 6, 1)
    """
    if _wcswidth is not None:
        width = _wcswidth(text)
        if width >= 0:  # -1: a control character; count it as below
            return width
    return sum(_character_width(character) for character in text)


def _character_width(character: str) -> int:
    if unicodedata.combining(character) or unicodedata.category(character) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` terminal columns.

    Examples
    --------
    >>> pad("熵", 4) + "|"
    '熵  |'
    """
    return text + " " * max(0, width - display_width(text))


def format_table(rows: Sequence[Sequence[str]], gap: str = "  ") -> str:
    """Rows of cells as lines with aligned columns; the last column is not padded.

    Parameters
    ----------
    rows : sequence of sequences of str
        The first row is usually the header; every row has the same number of cells.
    gap : str
        What separates two columns.
    """
    if not rows:
        return ""
    count = len(rows[0])
    if any(len(row) != count for row in rows):
        raise ValueError(f"rows must all have {count} cells, got {sorted({len(r) for r in rows})}")
    widths = [max(display_width(row[column]) for row in rows) for column in range(count)]
    lines = []
    for row in rows:
        cells = [pad(cell, width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append(gap.join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)
