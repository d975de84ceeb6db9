r"""A LaTeX formula as one line of Unicode text, for a terminal.

pylatexenc parses the LaTeX and names its symbols (``\sigma`` → σ, ``\sum`` → ∑,
``\mathbb{E}`` → 𝔼); this module lays the parsed formula out on one line:

* a fraction becomes ``a/b``, with parentheses where a side has more than one term:
  ``\frac{1}{1 + e^{-x}}`` → ``1/(1 + e⁻ˣ)``;
* a sub- or superscript becomes Unicode sub- or superscript characters when every
  character has one (``x_i^{2}`` → ``xᵢ²``, ``\sum_{i=1}^{n}`` → ``∑ᵢ₌₁ⁿ``), and
  ``_(…)`` / ``^(…)`` otherwise (``x_{\mathcal{D}}`` → ``x_𝒟``);
* accents combine (``\hat{y}`` → ``ŷ``), ``\sqrt{2\pi}`` → ``√(2π)``, ``\left``
  and ``\big`` vanish, ``cases`` becomes ``{a if c; b if d}``.

Examples
--------
>>> latex_to_unicode(r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j} e^{z_j}}")
'softmax(z)ᵢ = e^zᵢ/(∑ⱼ e^zⱼ)'
>>> latex_to_unicode(r"\hat{y} = \theta^{\top} x, \quad \lVert x \rVert_2")
'ŷ = θᵀ x,   ‖x‖₂'
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from functools import cache
from typing import Any

__all__ = ["latex_to_unicode"]

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ⊤",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡᵀ",
        strict=True,
    )
) | {"*": "*", "∗": "*", "′": "′", "″": "″", "†": "†", " ": ""}
_SUBSCRIPTS = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
) | {" ": ""}
_COMBINING = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}
#: Macros that only size or place a delimiter or set a style: they print nothing.
_INVISIBLE = {
    "left",
    "right",
    "middle",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "displaystyle",
    "textstyle",
    "scriptstyle",
    "limits",
    "nolimits",
}
_SPACES = {",": " ", ";": " ", ":": " ", ">": " ", " ": " ", "!": "", "quad": "\0", "qquad": "\0"}
_TEXT_MACROS = {"operatorname", "mathrm", "text", "textrm", "textit", "textbf", "mathit"}
_TEXT_MACROS |= {"mathsf", "mathtt", "mbox", "textsf", "texttt"}
_FRACTIONS = {"frac", "tfrac", "dfrac", "cfrac"}
_SYMBOLS = {"prime": "′", "iff": "⟺", "implies": "⟹", "|": "‖", "succeq": "⪰", "preceq": "⪯"}
_FONT_DIGITS = {"mathbb": "𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡", "mathbf": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"}
_OPENERS = {"lvert", "lVert", "langle", "lceil", "lfloor", "{"}
_CLOSERS = {"rvert", "rVert", "rangle", "rceil", "rfloor", "}"}
_OPERATOR_CHARACTERS = set("+-−=<>,/±∓·×≤≥≈∈|;:")
_WIDE = "\0"
_SCRIPT_CHARACTERS = (set(_SUPERSCRIPTS.values()) | set(_SUBSCRIPTS.values())) - {"", "*"}
#: One factor: a number, a symbol (∂x and dx count as one), a call f(x), a bracketed group.
_FACTOR = re.compile(r"^(\d+(\.\d+)?|[d∂]?[^\W\d_]|[^\W\d_]+\(.*\)|[(‖|].*[)‖|]|√.+)$")
#: What may stand before a fraction without making it a factor of a product.
_LOOSE = set("([{⟨=<>+-−±∓·/,;:≤≥≈≠∈∼←→⟺⟹∑∏∫") | {"", _WIDE}


def latex_to_unicode(latex: str) -> str:
    r"""Render a LaTeX math formula as one line of Unicode text.

    Parameters
    ----------
    latex : str
        A formula in LaTeX math syntax, without the ``$`` delimiters.

    Returns
    -------
    str
        The formula on one line: Unicode symbols, sub- and superscripts where
        Unicode has them, ``a/b`` for fractions.

    Examples
    --------
    >>> latex_to_unicode(r"N(x \mid \mu, \sigma^2) = \frac{1}{\sqrt{2\pi\sigma^2}}")
    'N(x | μ, σ²) = 1/√(2πσ²)'
    >>> latex_to_unicode(r"\ell(y) = \max(0, 1 - y)")
    'ℓ(y) = max(0, 1 - y)'
    """
    from pylatexenc.latexwalker import LatexWalker

    nodes = LatexWalker(latex, tolerant_parsing=True).get_latex_nodes()[0]
    return _tidy(_Renderer().render(nodes))


@cache
def _symbol_converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text")


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(rf" ?{_WIDE}[ {_WIDE}]*", "   ", text)
    text = re.sub(r"([(\[]) ", r"\1", text)
    text = re.sub(r" ([)\],])", r"\1", text)
    return unicodedata.normalize("NFC", text.strip())  # y and a combining hat: ŷ


def _is_atomic(text: str) -> bool:
    """True when ``text`` reads as one factor: no space or operator outside brackets."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "|‖":
        text = text[1:-1]  # |x - y| and ‖x‖ are one factor
    depth = 0
    for character in text:
        if character in "([{⟨":
            depth += 1
        elif character in ")]}⟩":
            depth -= 1
        elif depth == 0 and (character.isspace() or character in _OPERATOR_CHARACTERS):
            return False
    return True


def _is_factor(text: str) -> bool:
    """True when ``text`` is one number, symbol, call or bracket: a denominator without brackets.

    ``2h`` is not (``a/2h`` reads as ``(a/2)h``); ``σ²``, ``P(x)``, ``‖x‖``, ``dx`` are.
    """
    bare = re.sub(r"[_^](\(.*?\)|\S)", "", text)
    bare = "".join(c for c in bare if c not in _SCRIPT_CHARACTERS and not unicodedata.combining(c))
    return _is_atomic(text) and bool(_FACTOR.match(bare))


def _wrap(text: str) -> str:
    text = text.strip()
    return text if _is_atomic(text) else f"({text})"


def _script(text: str, superscript: bool) -> str:
    text = text.strip()
    table = _SUPERSCRIPTS if superscript else _SUBSCRIPTS
    if text and all(character in table for character in text):
        return "".join(table[character] for character in text)
    if superscript and text in ("′", "″", "*", "†"):
        return text
    return ("^" if superscript else "_") + (text if len(text) == 1 else _wrap(text))


class _Renderer:
    """Renders a pylatexenc node list; scripts and macro arguments are read from a queue."""

    previous = ""  # the last character written before the atom being rendered

    def render(self, nodes: Any) -> str:
        return self.render_atoms(_atoms(nodes or []))

    def render_atoms(self, sequence: list[Any]) -> str:
        atoms = deque(sequence)
        out: list[str] = []
        while atoms:
            atom = atoms.popleft()
            if _is_char(atom, "^_"):
                target = _pop_argument(atoms)
                out.append(_script(self.atom(target, atoms), superscript=atom == "^"))
                continue
            if _macro_name(atom) in _CLOSERS:  # "‖x ‖" -> "‖x‖"
                while out and not out[-1].strip():
                    out.pop()
                out[-1:] = [piece.rstrip() for piece in out[-1:]]
            self.previous = "".join(out).rstrip()[-1:]
            out.append(self.atom(atom, atoms))
        return "".join(out)

    def atom(self, atom: Any, atoms: deque) -> str:
        if atom is None:
            return ""
        if isinstance(atom, str):
            return {"~": " ", "'": "′", _WIDE: ""}.get(atom, atom)
        kind = type(atom).__name__
        if kind == "LatexMacroNode":
            return self.macro(atom, atoms)
        if kind == "LatexEnvironmentNode":
            return self.environment(atom)
        if kind in ("LatexGroupNode", "LatexMathNode"):
            return self.render(atom.nodelist)
        if kind == "LatexSpecialsNode":
            return " " if atom.specials_chars == "~" else atom.specials_chars
        return ""  # comments

    def macro(self, node: Any, atoms: deque) -> str:
        name = node.macroname
        if name in _INVISIBLE:
            if name in ("left", "right", "middle") and atoms and _is_char(atoms[0], "."):
                atoms.popleft()
            return ""
        if name in _SPACES:
            return _SPACES[name]
        if name in _FRACTIONS:
            return self.fraction(node, atoms)
        if name == "sqrt":
            return self.root(node, atoms)
        if name in _TEXT_MACROS:
            return self.render(_arguments(node, atoms, 1))
        if name in _COMBINING:
            body = self.render(_arguments(node, atoms, 1))
            return "".join(c + _COMBINING[name] if not c.isspace() else c for c in body)
        if name in ("underbrace", "overbrace"):
            body = self.render(_arguments(node, atoms, 1)).strip()
            body = f"[{body}]"
            if atoms and _is_char(atoms[0], "_^"):
                atoms.popleft()
                body += f"_({self.atom(_pop_argument(atoms), atoms).strip()})"
            return body
        if name in _FONT_DIGITS:
            digits = self.render(_arguments(node, atoms, 1)).strip()
            if digits.isdigit():
                return "".join(_FONT_DIGITS[name][int(d)] for d in digits)
        return self.symbol(node, atoms)

    def symbol(self, node: Any, atoms: deque) -> str:
        name = node.macroname
        text = _SYMBOLS.get(name)
        if text is None:
            text = _symbol_converter().nodelist_to_text([node])
            if not text and name.isalpha():
                text = name  # an operator pylatexenc does not know, such as \arg or \sech
        if name in _OPENERS:
            while atoms and _is_char(atoms[0], " "):
                atoms.popleft()
            return text
        if name in ("partial", "nabla"):
            return text  # ∂x, ∇g: no space
        if len(text) > 1 and text.isalpha():  # log, max, tanh: keep apart from what follows
            return text + ("" if _tight(atoms, operator=True) else " ")
        return text + (" " if node.macro_post_space else "")

    def fraction(self, node: Any, atoms: deque) -> str:
        """``a/b``; in parentheses when a factor stands right before or after it."""
        previous = self.previous
        numerator, denominator = (self.render([a]).strip() for a in _arguments(node, atoms, 2))
        if not _is_factor(denominator):
            denominator = f"({denominator})"
        fraction = f"{_wrap(numerator)}/{denominator}"
        return f"({fraction})" if previous not in _LOOSE or _tight(atoms) else fraction

    def root(self, node: Any, atoms: deque) -> str:
        arguments = node.nodeargd.argnlist if node.nodeargd else []
        index = self.render([arguments[0]]).strip() if len(arguments) > 1 else ""
        body = self.render([arguments[-1]] if arguments else _arguments(node, atoms, 1))
        sign = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index)
        if sign is None:
            sign = _script(index, superscript=True).lstrip("^") + "√"
        body = body.strip()
        return sign + (body if len(body) == 1 or body.isdigit() else f"({body})")

    def environment(self, node: Any) -> str:
        rows: list[list[list[Any]]] = [[[]]]
        for atom in _atoms(node.nodelist or []):
            if _macro_name(atom) == "\\":
                rows.append([[]])
            elif type(atom).__name__ == "LatexSpecialsNode" and atom.specials_chars == "&":
                rows[-1].append([])
            else:
                rows[-1][-1].append(atom)
        text = [[_tidy(self.render_atoms(cell)) for cell in row] for row in rows]
        text = [row for row in text if any(text for text in row)]
        if node.environmentname == "cases":
            return "{" + "; ".join(" if ".join(c for c in row if c) for row in text) + "}"
        body = "; ".join(", ".join(row) for row in text)
        return f"({body})" if node.environmentname == "pmatrix" else f"[{body}]"


def _atoms(nodes: Any) -> list[Any]:
    """Nodes, with every run of characters split into single characters."""
    atoms: list[Any] = []
    for node in nodes:
        if type(node).__name__ == "LatexCharsNode":
            atoms.extend(node.chars)
        else:
            atoms.append(node)
    return atoms


def _is_char(atom: Any, characters: str) -> bool:
    """True when ``atom`` is one of ``characters`` (pylatexenc's nodes cannot compare to str)."""
    return isinstance(atom, str) and len(atom) == 1 and atom in characters


def _macro_name(atom: Any) -> str | None:
    return getattr(atom, "macroname", None)


def _pop_argument(atoms: deque) -> Any:
    while atoms and _is_char(atoms[0], " "):
        atoms.popleft()
    return atoms.popleft() if atoms else None


def _arguments(node: Any, atoms: deque, count: int) -> list[Any]:
    """The macro's arguments: those pylatexenc parsed, else the next ``count`` atoms."""
    parsed = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
    if parsed:
        return parsed[-count:]
    return [_pop_argument(atoms) for _ in range(count)]


def _tight(atoms: deque, operator: bool = False) -> bool:
    """True when the next visible atom follows with no space: a bracket or a letter.

    With ``operator`` (after ``log`` or ``max``) a bracket or script counts as loose.
    """
    for atom in atoms:
        name = _macro_name(atom)
        if name in _INVISIBLE:
            continue
        if isinstance(atom, str):
            if operator:
                return atom in "([_^{"
            return atom in "([" or atom.isalnum()
        return not operator and name not in _SPACES and name is not None
    return operator
