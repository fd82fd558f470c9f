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


def presented(report: core.Report) -> dict[str, Any]:
    """What a person reads for ``report`` (page, API texts): the shown outcome — ``not_issued`` for a
    record still waiting for signatures, never read as a forgery — its word and sentence, the status
    and birth date in words, one line per signature naming the signer and role, and every check."""
    shown = core.presented_outcome(report)
    doc = report.document
    return {
        "shown": shown,
        "outcome_text": text(shown),
        "reason_text": core.presented_reason(report, gettext),
        "status_text": core.status_label(report.status, gettext),
        "born": core.display_date(doc.date_of_birth) if doc else "",
        "signature_lines": [
            {"status": c.status, "text": core.check_sentence(c, report, gettext)}
            for c in report.checks
            if c.name.startswith("signature:")
        ],
        "checks": [
            {"name": c.name, "status": c.status, "text": core.check_sentence(c, report, gettext), "code": c.code}
            for c in report.checks
        ],
    }
