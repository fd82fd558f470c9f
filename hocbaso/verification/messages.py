"""Web wording of the core's reason codes: :data:`core.MESSAGES` translated with Django.

The sentences live in one place (``core.MESSAGES``, English msgids, Vietnamese in locale/vi); the
page and the API translate them here, the offline command with ``core.translator()`` — so the same
reason reads the same on every channel.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from hocbaso.verification import core


class _Outcomes:
    """``OUTCOMES[outcome]``: the translated outcome word (translated when read, in the active language)."""

    def __getitem__(self, outcome: str) -> str:
        return text(outcome)


OUTCOMES = _Outcomes()


def text(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated sentence for ``code`` with ``params`` filled in."""
    return core.text_of(code, params, gettext)


def facts(report: core.Report) -> list[tuple[str, str]]:
    """The year result and completion of the presented document, labelled, in the active language."""
    return core.facts_shown(report.document, gettext)
