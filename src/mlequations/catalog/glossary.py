"""The glossary: the one Chinese term that translates each key English term of the catalog.

``glossary.toml`` beside the chapter files holds a table ``[terms]`` of English
term -> Chinese term. Whenever an entry's English text uses a term, its Chinese
text must use the glossary's Chinese term, so that "gradient" is always 梯度 and
"perceptron" always 感知机 across the whole reference.

Examples
--------
>>> glossary = load_glossary()
>>> glossary["entropy"], glossary["learning rate"]
('熵', '学习率')
>>> uses_term("Cross-entropies and KL divergences", "cross-entropy")
True
>>> uses_term("the marginal distribution", "margin")
False
>>> uses_term("gradient descent", "gradient", longer_terms=["gradient descent"])
False
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mlequations.catalog import CatalogError, Entry

__all__ = [
    "GLOSSARY_PATH",
    "GlossaryViolation",
    "bilingual_texts",
    "glossary_violations",
    "has_chinese",
    "load_glossary",
    "uses_term",
]

GLOSSARY_PATH = Path(__file__).resolve().parent / "glossary.toml"

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Code inside the English text is not prose: quoted names (``criterion="entropy"``,
#: ``'invscaling'``), calls with their arguments (``SGD(params, lr, momentum)``, one level
#: of nested calls) and dotted names (``torch.nn.functional``).
_CODE = re.compile(
    r"\"[^\"]*\"|'[^'\s]+'|`[^`]*`"
    r"|\b\w+(?:\.\w+)*\((?:[^()]|\([^()]*\))*\)"
    r"|\b\w+(?:\.\w+)+"
)


@dataclass(frozen=True)
class GlossaryViolation:
    """An English text uses ``term`` but its Chinese text lacks the glossary's ``chinese``."""

    entry: str
    field: str
    term: str
    chinese: str

    def __str__(self) -> str:
        return f"{self.entry} ({self.field}): '{self.term}' should be written {self.chinese}"


@cache
def load_glossary(path: Path | str | None = None) -> dict[str, str]:
    """Read the ``[terms]`` table: English term (lower case) -> Chinese term.

    Raises
    ------
    CatalogError
        If the file does not parse, has no ``[terms]`` table, or a term or its
        translation is empty, not lower case, or has no Chinese character.
    """
    file = Path(path) if path is not None else GLOSSARY_PATH
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{file.name}: not valid TOML ({error})") from error
    terms = data.get("terms")
    if not isinstance(terms, dict) or not terms:
        raise CatalogError(f"{file.name}: expected a non-empty [terms] table")
    for english, chinese in terms.items():
        if not english.strip() or english != english.lower():
            raise CatalogError(f"{file.name}: terms must be lower-case English, got {english!r}")
        if not isinstance(chinese, str) or not has_chinese(chinese):
            raise CatalogError(
                f"{file.name}: term {english!r} needs a Chinese translation, got {chinese!r}"
            )
    return dict(terms)


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains at least one CJK ideograph."""
    return bool(_CJK.search(text))


@cache
def _pattern(term: str) -> re.Pattern[str]:
    # Words of a term may be separated by spaces or hyphens ("cross entropy", "cross-entropy");
    # the plurals "s", "es" and "y" -> "ies" are accepted. A hyphenated compound is a word of
    # its own: "norm" matches neither "normal" nor "post-norm", "margin" not "marginal".
    words = [re.escape(word) for word in re.split(r"[\s-]+", term)]
    if words[-1].endswith("y"):
        words[-1] = words[-1][:-1] + "(?:y|ies)"
    body = r"[\s-]+".join(words)
    return re.compile(r"(?<![\w-])" + body + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def _spans(text: str, term: str) -> list[tuple[int, int]]:
    return [match.span() for match in _pattern(term).finditer(text)]


def uses_term(text: str, term: str, longer_terms: Iterable[str] = ()) -> bool:
    """Whether the English ``text`` uses ``term`` in its prose (code and quoted names aside).

    An occurrence inside one of ``longer_terms`` does not count: "gradient" in
    "gradient descent" is covered by the longer term's own translation.
    """
    prose = _CODE.sub(" ", text)
    covering = [span for longer in longer_terms for span in _spans(prose, longer)]
    return any(
        not any(begin <= start and stop <= end for begin, end in covering)
        for start, stop in _spans(prose, term)
    )


def bilingual_texts(entry: Entry) -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every bilingual text of an entry, with the name of its field."""
    yield "title", entry.title
    yield "explanation", entry.explanation
    yield "practical_use", entry.practical_use
    yield "example.description", entry.example.description
    if entry.guide_correction is not None:
        yield "guide_correction", entry.guide_correction


def glossary_violations(
    entries: Mapping[str, Entry], glossary: Mapping[str, str] | None = None
) -> list[GlossaryViolation]:
    """The places where an English text uses a glossary term and its Chinese text does not."""
    terms = load_glossary() if glossary is None else glossary
    longer = {
        english: [other for other in terms if other != english and _pattern(english).search(other)]
        for english in terms
    }
    found = []
    for entry in entries.values():
        for field, text in bilingual_texts(entry):
            for english, chinese in terms.items():
                if chinese not in text["zh"] and uses_term(text["en"], english, longer[english]):
                    found.append(GlossaryViolation(entry.id, field, english, chinese))
    return found
