"""What the commands of ``mlequations`` share: errors, suggestions, labels and number formatting.

Examples
--------
>>> suggest("entropi", {"entropy": ["entropy", "Shannon entropy"], "relu": ["relu"]})
['entropy']
>>> format_value([0.5, 0.25])
'[0.5, 0.25]'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CommandError",
    "UsageError",
    "format_value",
    "label",
    "one_line",
    "suggest",
    "unknown_message",
]

EXIT_FAILURE = 1  # a disagreement, a failed demo, a broken catalog file
EXIT_USAGE = 2  # bad arguments
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class UsageError(Exception):
    """A mistake in how the command was called: one line on stderr, exit code 2."""


class CommandError(Exception):
    """The command was called right but could not do its work: one line, exit code 1."""


#: Words the commands print, in English and Chinese.
_LABELS: dict[str, tuple[str, str]] = {
    "id": ("id", "编号"),
    "title": ("title", "标题"),
    "chapter": ("chapter", "章节"),
    "formula": ("Formula", "公式"),
    "latex": ("LaTeX", "LaTeX"),
    "explanation": ("Explanation", "解释"),
    "practical_use": ("Practical use", "实际用途"),
    "correction": ("Correction to the guide", "对原指南的更正"),
    "related": ("Related", "相关条目"),
    "demo": ("Demo", "演示"),
    "function": ("Implemented by", "实现函数"),
    "example": ("Worked example", "例题"),
    "code": ("Code", "代码"),
    "live": ("Live result", "现场计算结果"),
    "ours": ("ours", "本库"),
    "guide": ("guide", "原指南"),
    "agrees": ("agrees", "一致"),
    "differs": ("DIFFERS", "不一致"),
    "failed": ("FAILED", "失败"),
    "equations": ("equations", "个条目"),
}


def label(key: str, lang: str) -> str:
    """The word for ``key`` in ``lang`` ("en" or "zh")."""
    english, chinese = _LABELS[key]
    return chinese if lang == "zh" else english


def suggest(query: str, names: Mapping[str, Iterable[str]], count: int = 3) -> list[str]:
    """The keys whose names are closest to ``query``: close spellings first, then substrings.

    Parameters
    ----------
    query : str
        What the user typed.
    names : mapping of key to names
        For every key (an equation id, a demo name) the strings it may be known by
        (its id and its titles).
    count : int
        At most this many keys are returned.
    """
    typed = query.strip().lower()
    if not typed:
        return []
    lookup: dict[str, str] = {}
    for key, aliases in names.items():
        for alias in (key, *aliases):
            lookup.setdefault(alias.lower(), key)
    close = difflib.get_close_matches(typed, list(lookup), n=count * 3, cutoff=0.6)
    found = [lookup[alias] for alias in close]
    found += [key for alias, key in lookup.items() if typed in alias or alias in typed]
    return list(dict.fromkeys(found))[:count]


def unknown_message(kind: str, query: str, names: Mapping[str, Iterable[str]], hint: str) -> str:
    """``unknown equation 'entropi'; did you mean: entropy?`` (or a hint when nothing is close)."""
    matches = suggest(query, names)
    if matches:
        return f"unknown {kind} {query!r}; did you mean: {', '.join(matches)}?"
    return f"unknown {kind} {query!r}; {hint}"


def format_value(value: Any, limit: int | None = None, precision: int = 6) -> str:
    """A number, an array or a bool as short text; cut to ``limit`` characters if given."""
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        text = " ".join(str(value).split())
    else:
        if array.ndim == 0:
            text = f"{float(array):.{precision}g}"
        else:
            digits = min(precision, 4) if limit else precision
            formatter = {"float_kind": lambda v: f"{v:.{digits}g}"}
            text = np.array2string(array, separator=", ", formatter=formatter)
            text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        return text[: limit - 3] + "..."
    return text


def one_line(message: object) -> str:
    """A message on one line: newlines and runs of spaces become one space."""
    return " ".join(str(message).split())
