"""LaTeX to MathML for the HTML reference: ``latex2mathml`` plus the repairs a browser needs.

``latex2mathml`` does most of the work; this module fixes what it leaves behind so
that no raw LaTeX reaches a page and Chromium's MathML Core renders it well:

- ``\\operatorname{name}`` and ``\\arg\\max`` / ``\\arg\\min`` become upright operator names;
- a command it passes through as text (``<mi>\\arg</mi>``, ``<mo>\\{</mo>``) becomes its symbol;
- ``mathvariant`` values other than ``normal`` (which MathML Core ignores) become the
  Unicode mathematical letters (``\\boldsymbol{\\mu}`` gives 𝝁);
- in display formulas, sums, products and ``max``/``min`` take their limits below and above.

Anything still starting with a backslash raises :class:`LatexError`: the build reports it
instead of showing raw LaTeX.

Examples
--------
>>> "<mfrac>" in latex_to_mathml(r"\\frac{a}{b}")
True
>>> text_to_html("x < y and $\\\\sqrt{x}$").count("<math")
1
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from html import escape

from latex2mathml.converter import convert

__all__ = ["MATHML_NAMESPACE", "LatexError", "latex_to_mathml", "text_to_html"]

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", MATHML_NAMESPACE)
_NS = "{" + MATHML_NAMESPACE + "}"

#: Inline math inside catalog texts: ``$...$`` or ``\(...\)``.
_INLINE_MATH = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)")
_OPERATOR_NAME = re.compile(r"\\operatorname\*?\{([^{}]*)\}")
#: latex2mathml drops the upright style of a single \mathrm letter (\mathrm{d}x).
_UPRIGHT_LETTER = re.compile(r"\\mathrm\{\s*([A-Za-z])\s*\}")
_ARG_EXTREMUM = re.compile(r"\\arg\s*\\(max|min)(?![A-Za-z])")
#: Symbols that latex2mathml leaves as escaped text.
_ESCAPED_SYMBOLS = {
    "\\{": "{",
    "\\}": "}",
    "\\|": "‖",
    "\\,": "\u2009",
    "\\;": "\u2005",
    "\\lbrace": "{",
    "\\rbrace": "}",
    "\\lVert": "‖",
    "\\rVert": "‖",
    "\\Vert": "‖",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\vert": "|",
    "\\langle": "⟨",
    "\\rangle": "⟩",
    "\\lfloor": "⌊",
    "\\rfloor": "⌋",
    "\\lceil": "⌈",
    "\\rceil": "⌉",
}
#: Operators whose limits go below and above in a display formula.
_LIMIT_OPERATORS = {"∑", "∏", "⋃", "⋂", "max", "min", "lim", "sup", "inf", "arg max", "arg min"}
#: TeX's named operators that latex2mathml passes through as text (``<mi>\arg</mi>``).
_NAMED_OPERATORS = {"arg", "deg", "dim", "hom", "ker", "gcd", "lg", "Pr", "liminf", "limsup"}
_FUNCTION_NAMES = {
    "log",
    "ln",
    "exp",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "det",
    "tr",
    "sign",
    "sgn",
    "arg",
    "lim",
    "max",
    "min",
    "sup",
    "inf",
    "Pr",
    "var",
    "Var",
    "Cov",
    "diag",
}
_SCRIPT_TO_LIMITS = {"msub": "munder", "msup": "mover", "msubsup": "munderover"}
_VARIANT_NAMES = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "monospace": "MONOSPACE",
}


class LatexError(ValueError):
    """A formula that cannot be turned into clean MathML."""


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """Convert one LaTeX formula (no ``$`` delimiters) into a ``<math>`` element.

    Parameters
    ----------
    latex : str
        The formula, as written in a catalog entry's ``latex`` field.
    display : bool
        A block formula (limits below and above big operators) or an inline one.

    Returns
    -------
    str
        The serialised ``<math>`` element.

    Raises
    ------
    LatexError
        If the conversion fails or leaves a LaTeX command in the output.

    Examples
    --------
    >>> mathml = latex_to_mathml(r"\\arg\\max_{t} p(t)", display=True)
    >>> "<munder>" in mathml and "\\\\" not in mathml
    True
    """
    source = _ARG_EXTREMUM.sub(r"\\mathrm{arg\\,\1}", latex)
    source = _OPERATOR_NAME.sub(r"\\mathrm{\1}", source)
    source = _UPRIGHT_LETTER.sub(r"\\text{\1}", source)
    try:
        converted = convert(source, display="block" if display else "inline")
        root = ET.fromstring(converted)
    except Exception as error:  # latex2mathml raises many kinds of errors
        reason = f"{type(error).__name__}: {error}".rstrip(": ")
        raise LatexError(f"cannot convert {latex!r} to MathML ({reason})") from error
    for element in root.iter():
        _repair(element)
    _space_after_function_names(root)
    if display:
        _limits_below_and_above(root)
    leftovers = [text for text in _texts(root) if re.search(r"\\[A-Za-z]", text)]
    if leftovers:
        raise LatexError(f"{latex!r}: unsupported LaTeX command(s) {leftovers} left in MathML")
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def text_to_html(text: str) -> str:
    """Escape ``text`` for HTML, turning ``$...$`` and ``\\(...\\)`` into inline MathML."""
    pieces: list[str] = []
    position = 0
    for match in _INLINE_MATH.finditer(text):
        pieces.append(escape(text[position : match.start()], quote=False))
        pieces.append(latex_to_mathml(match.group(1) or match.group(2)))
        position = match.end()
    pieces.append(escape(text[position:], quote=False))
    return "".join(pieces)


# --------------------------------------------------------------------------- repairs


def _repair(element: ET.Element) -> None:
    tag = element.tag.removeprefix(_NS)
    text = element.text or ""
    if tag in {"mi", "mo", "mtext"} and text in _ESCAPED_SYMBOLS:
        element.text = _ESCAPED_SYMBOLS[text]
    elif tag in {"mi", "mo"} and text[1:] in _NAMED_OPERATORS and text.startswith("\\"):
        element.text = text[1:]  # an operator name such as \arg, written upright
    elif tag == "mi" and text == "~":  # \sim comes out as a tilde identifier
        element.tag, element.text = _NS + "mo", "∼"
    variant = element.get("mathvariant")
    if tag in {"mi", "mn", "mtext"} and variant not in {None, "normal"}:
        styled = "".join(_styled(character, variant) for character in text)
        if styled != text:
            element.text = styled
            del element.attrib["mathvariant"]
    if tag == "mrow" and _is_operator_name(element):
        name = "".join(child.text or "" for child in element if child.tag != _NS + "mspace")
        element.clear()
        element.tag, element.text = _NS + "mo", {"argmax": "arg max", "argmin": "arg min"}[name]
    elif tag == "mrow" and _is_upright_word(element):  # \mathrm{KL}: one identifier, not two
        word = "".join(child.text or "" for child in element)
        element.clear()
        element.tag, element.text = _NS + "mi", word


def _is_operator_name(element: ET.Element) -> bool:
    """``\\mathrm{arg\\,max}``: an mrow of upright letters spelling arg max or arg min."""
    letters = [child for child in element if child.tag != _NS + "mspace"]
    word = "".join(child.text or "" for child in letters)
    return word in {"argmax", "argmin"} and all(child.tag == _NS + "mi" for child in letters)


def _is_upright_word(element: ET.Element) -> bool:
    return len(element) > 1 and all(
        child.tag == _NS + "mi" and child.get("mathvariant") == "normal" and len(child) == 0
        for child in element
    )


def _styled(character: str, variant: str) -> str:
    """The Unicode mathematical letter for ``character`` in ``variant`` (itself if none)."""
    style = _VARIANT_NAMES.get(variant)
    try:
        name = unicodedata.name(character)
    except ValueError:
        return character
    match = re.fullmatch(r"(LATIN|GREEK) (CAPITAL|SMALL) LETTER (\w+)", name)
    if style is None or match is None:
        return character
    _, case, letter = match.groups()
    try:
        return unicodedata.lookup(f"MATHEMATICAL {style} {case} {letter}")
    except KeyError:
        return character


def _limits_below_and_above(root: ET.Element) -> None:
    for element in root.iter():
        tag = element.tag.removeprefix(_NS)
        if tag in _SCRIPT_TO_LIMITS and len(element) and _is_limit_operator(element[0]):
            element.tag = _NS + _SCRIPT_TO_LIMITS[tag]


def _is_limit_operator(base: ET.Element) -> bool:
    return base.tag == _NS + "mo" and (base.text or "").strip() in _LIMIT_OPERATORS


def _space_after_function_names(root: ET.Element) -> None:
    """A thin space after ``log``, ``exp``, ... unless a bracket follows, as TeX sets it."""
    for parent in root.iter():
        children = list(parent)
        for position in range(len(children) - 1, -1, -1):
            child = children[position]
            if child.tag != _NS + "mi" or (child.text or "") not in _FUNCTION_NAMES:
                continue
            following = children[position + 1] if position + 1 < len(children) else None
            if following is None or (following.text or "").strip() in {"(", "[", "{", "|"}:
                continue
            parent.insert(position + 1, ET.Element(_NS + "mspace", {"width": "0.1667em"}))


def _texts(root: ET.Element) -> list[str]:
    return [text for element in root.iter() for text in (element.text, element.tail) if text]
