"""Python code as highlighted HTML (Pygments), and the stylesheet that colours it.

Examples
--------
>>> html = highlight_python("x = 1")
>>> html.startswith('<div class="highlight">')
True
>>> ".highlight" in pygments_css()
True
"""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

__all__ = ["highlight_python", "pygments_css"]

_FORMATTER = HtmlFormatter(cssclass="highlight", style="default")


def highlight_python(code: str) -> str:
    """``code`` as a ``<div class="highlight"><pre>…</pre></div>`` block with coloured tokens."""
    return highlight(code, PythonLexer(), _FORMATTER)


def pygments_css() -> str:
    """The rules that colour the tokens of :func:`highlight_python`."""
    return _FORMATTER.get_style_defs(".highlight")
