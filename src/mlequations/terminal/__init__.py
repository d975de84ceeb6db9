"""Text for a terminal: formulas in Unicode and aligned tables.

The command line (``mlequations``) prints through these helpers; they return
strings and never print, so they serve other text output as well.

Examples
--------
>>> from mlequations.terminal import display_width, latex_to_unicode
>>> latex_to_unicode(r"\\sigma(x) = \\frac{1}{1 + e^{-x}}")
'σ(x) = 1/(1 + e⁻ˣ)'
>>> display_width("熵 H")
4
"""

from __future__ import annotations

from mlequations.terminal.formula import latex_to_unicode
from mlequations.terminal.table import display_width, format_table, pad

__all__ = ["display_width", "format_table", "latex_to_unicode", "pad"]
