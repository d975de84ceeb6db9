"""A character vocabulary: the map between text and the integer tokens of a character model.

The vocabulary is the sorted set of distinct characters of a text; token
:math:`i` is the :math:`i`-th of them. :meth:`CharVocabulary.encode` turns a
string into an integer array and :meth:`CharVocabulary.decode` turns tokens
back into the string, so ``decode(encode(s)) == s`` for every string made of
the vocabulary's characters. A character outside the vocabulary is an error
(naming it and its position), never silently dropped or replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError

__all__ = ["CharVocabulary"]


def _code_points(text: str) -> np.ndarray:
    """The Unicode code points of ``text`` as a uint32 array (one per character)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class CharVocabulary:
    """The characters a character-level model knows, in sorted order, and their indices.

    Parameters
    ----------
    characters : iterable of str
        The distinct single characters of the vocabulary, in any order (they
        are sorted by code point; duplicates are an error).

    Examples
    --------
    >>> vocabulary = CharVocabulary.from_text("hello world")
    >>> vocabulary.characters, len(vocabulary)
    (' dehlorw', 8)
    >>> vocabulary.encode("hold").tolist()
    [3, 5, 4, 1]
    >>> vocabulary.decode([3, 5, 4, 1])
    'hold'
    >>> vocabulary.encode("hello!")
    Traceback (most recent call last):
    ...
    mlequations._array.ValidationError: text holds the character '!' (U+0021) at position 5, \
which is not in the vocabulary of 8 characters
    """

    def __init__(self, characters: Iterable[str]) -> None:
        if isinstance(characters, str):
            items = list(characters)
        else:
            items = list(characters)
            for item in items:
                if not isinstance(item, str) or len(item) != 1:
                    raise ArrayTypeError(
                        f"characters must be single-character strings, got {item!r}"
                    )
        if not items:
            raise ValidationError("characters must hold at least one character, got none")
        if len(set(items)) != len(items):
            repeated = sorted({c for c in items if items.count(c) > 1})
            raise ValidationError(f"characters must be distinct, got repeated {repeated[:5]}")
        self._characters = "".join(sorted(items))
        self._codes = _code_points(self._characters)

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        """The vocabulary of every distinct character in ``text``."""
        if not isinstance(text, str):
            raise ArrayTypeError(f"text must be a str, got {type(text).__name__}")
        return cls(set(text))

    @property
    def characters(self) -> str:
        """The characters in token order (sorted by code point), as one string."""
        return self._characters

    def __len__(self) -> int:
        return len(self._characters)

    def __contains__(self, character: Any) -> bool:
        return isinstance(character, str) and len(character) == 1 and character in self._characters

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocabulary) and other._characters == self._characters

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CharVocabulary({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """The tokens of ``text``: an int64 array of its characters' indices.

        Raises
        ------
        ValidationError
            If ``text`` holds a character outside the vocabulary (the first is named).
        """
        if not isinstance(text, str):
            raise ArrayTypeError(f"text must be a str, got {type(text).__name__}")
        codes = _code_points(text)
        tokens = np.searchsorted(self._codes, codes)
        unknown = (tokens >= len(self._codes)) | (
            self._codes[np.minimum(tokens, len(self._codes) - 1)] != codes
        )
        if unknown.any():
            position = int(np.argmax(unknown))
            character = text[position]
            raise ValidationError(
                f"text holds the character {character!r} (U+{ord(character):04X}) at position "
                f"{position}, which is not in the vocabulary of {len(self)} characters"
            )
        return tokens.astype(np.int64)

    def decode(self, tokens: Any) -> str:
        """The string of the characters at ``tokens`` (a sequence of integers in [0, len)).

        Raises
        ------
        ArrayTypeError, ValidationError
            If ``tokens`` are not integers, or lie outside ``[0, len(self))``.
        """
        indices = np.asarray(tokens)
        if indices.size == 0:
            return ""
        if indices.dtype.kind not in "iu":
            raise ArrayTypeError(f"tokens must be integers, got dtype {indices.dtype}")
        outside = (indices < 0) | (indices >= len(self))
        if outside.any():
            raise ValidationError(
                f"tokens must lie in [0, {len(self) - 1}], got {indices[outside].ravel()[0]}"
            )
        return self._codes[indices.ravel()].astype("<u4").tobytes().decode("utf-32-le")
