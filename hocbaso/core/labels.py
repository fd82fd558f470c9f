"""Words for the internal codes people must never read ("math" → "Toán", "year_end" → "Cuối năm
học"). Each app that owns a kind of code registers its lookup in ``AppConfig.ready``; core never
imports the apps, so a page of a lower app (the directory's class page) can name a subject
without importing the curriculum. Templates use ``{% load labels %}{{ code|label:"subject" }}``.
"""

from __future__ import annotations

from collections.abc import Callable

Lookup = Callable[[str], str | None]
_lookups: dict[str, Lookup] = {}


def register(kind: str, lookup: Lookup) -> Lookup:
    """Name the codes of ``kind`` with ``lookup`` (the code → its words, or None when unknown)."""
    _lookups[kind] = lookup
    return lookup


def label(kind: str, code: str | None) -> str:
    """``code`` of ``kind`` in words; empty for no code; the code itself only when nobody knows it
    (which the lint test ``tests/test_no_internal_codes.py`` catches on the pages)."""
    if not code:
        return ""
    lookup = _lookups.get(kind)
    words = lookup(code) if lookup is not None else None
    return words or code
