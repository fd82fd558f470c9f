"""The verification core's sentences (``core.MESSAGES``) are the gettext catalogue's: every one has a
Vietnamese translation that is not fuzzy, and the offline command (``core.translator``, gettext
without Django) reads exactly what the page and the API read (``messages.text``, Django's gettext)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from hocbaso.verification import core, messages

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _catalogue() -> dict[str, tuple[str, bool]]:
    import polib  # type: ignore[import-not-found]

    return {e.msgid: (e.msgstr, "fuzzy" in e.flags) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}


def test_every_sentence_is_translated_in_the_catalogue() -> None:
    catalogue = _catalogue()
    missing = sorted(code for code, msgid in core.MESSAGES.items() if not catalogue.get(msgid, ("", False))[0])
    fuzzy = sorted(code for code, msgid in core.MESSAGES.items() if catalogue.get(msgid, ("", False))[1])
    assert not missing, f"core.MESSAGES without a Vietnamese msgstr in {CATALOGUE.name}: {missing}"
    assert not fuzzy, f"fuzzy translations of core.MESSAGES: {fuzzy}"


@pytest.mark.parametrize("code", sorted(core.MESSAGES))
def test_the_offline_command_reads_what_the_page_reads(code: str) -> None:
    offline = core.translator("vi")
    catalogue = _catalogue()
    with translation.override("vi"):
        assert core.text_of(code, translate=offline) == messages.text(code)
    assert offline(core.MESSAGES[code]) == catalogue[core.MESSAGES[code]][0]
