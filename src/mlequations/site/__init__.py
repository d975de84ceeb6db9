"""The offline HTML reference of the catalog (``mlequations site``).

:func:`build_site` writes a static folder that opens from disk with no network:
an index with a search box, one page per chapter with an anchor per equation,
formulas as MathML set in the bundled Latin Modern Math font, code highlighted
by Pygments, every worked example computed and cross-checked while building,
and the figures of the demo that illustrates each equation. Every text is in
English and Chinese; a switch picks one and the browser remembers it.

Slow demos come from a cache in the repository (``demo_cache/``);
``build_site(refresh=True)`` recomputes them (see :mod:`mlequations.site.demos_cache`).
"""

from mlequations.site.build import build_site

__all__ = ["build_site"]
