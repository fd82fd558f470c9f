"""Vietnamese alphabetical order for people's names, as schools number their class lists.

Contract: ``name_key(full_name)`` is a sort key that orders by the given name (the last word),
then the middle names in order, then the family name (the first word), each word compared by
Vietnamese collation:

- letters in the Vietnamese order ``a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y``
  (letters outside it, f j w z, fall in their Latin places); đ after d, never last;
- tones are a secondary difference within a word: a word is first compared without tones, then
  tone by tone in the order ngang, huyền, hỏi, ngã, sắc, nặng (CLDR's Vietnamese order);
- case is a tertiary difference only (lower before upper); input is NFC-normalised first.
- a word decides completely before the next one counts ("Bùi Văn Anh" before "Lê Thị Ánh").

``sort_students(items, name=)`` sorts any objects by that key, with ``name`` returning the
full name (default: ``item.full_name``, or ``item.student.full_name`` for an enrolment), and the
object's ``pk``/``id`` last so equal names keep a stable order. Every list of students (class
list, records, signing, summaries, exports, the entry grid) goes through it, so a child has the
same number on every page.

Written as a pure key rather than with PyICU: PyICU ships no wheels (an sdist that needs a
compiler and libicu headers on every machine), and this order is small and fixed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

# Base letters in Vietnamese order; f, j, w, z sit where the Latin alphabet puts them.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Combining tone marks in dictionary order (ngang has none): huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a letter of its own (ă â đ ê ô ơ ư) and are kept with the base letter.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(letters, tones, case) of one word: primary, secondary and tertiary weights."""
    primary: list[int] = []
    tones: list[int] = []
    case: list[int] = []
    for char in unicodedata.normalize("NFC", word):
        decomposed = unicodedata.normalize("NFD", char)
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", decomposed[0] + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        lower = letter.lower()
        rank = _RANK.get(lower)
        # characters outside the alphabet (digits, hyphens) sort before letters, by code point
        primary.append(rank + 1_000_000 if rank is not None else ord(lower))
        tones.append(tone)
        case.append(0 if letter == lower else 1)
    return tuple(primary), tuple(tones), tuple(case)


def _word_order(full_name: str) -> list[str]:
    words = unicodedata.normalize("NFC", full_name).split()
    if len(words) < 2:
        return words
    return [words[-1], *words[1:-1], words[0]]


def name_key(full_name: str) -> tuple[Any, ...]:
    """The sort key of a full name (see the module docstring): word by word, given name first,
    each word compared fully (letters, then tones, then case) before the next word counts."""
    return tuple(_letters(word) for word in _word_order(full_name))


def _default_name(item: Any) -> str:
    if hasattr(item, "full_name"):
        return str(item.full_name)
    return str(item.student.full_name)


def _identity(item: Any) -> int:
    value = getattr(item, "pk", None) or getattr(item, "id", None) or 0
    return int(value) if isinstance(value, int) else 0


def sort_students(items: Iterable[T], *, name: Callable[[T], str] | None = None) -> list[T]:
    """``items`` in Vietnamese order of their names (see the module docstring)."""
    read = name or _default_name
    return sorted(items, key=lambda item: (name_key(read(item)), _identity(item)))


def roll_key(class_name: str, full_name: str, ident: int = 0, *, scope: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """The class roll order, one place for every list of a class's pupils or their records: by
    ``scope`` (e.g. the school year or the school), then the class name, then the pupil's name in
    Vietnamese order (:func:`name_key`), then ``ident`` (a row id) so equal names keep a fixed order."""
    return (*scope, class_name, name_key(full_name), ident)
