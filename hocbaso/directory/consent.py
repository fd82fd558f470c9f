"""Consent requests: a receiving school asks, the family answers, the procedure reads the answer.

The model (``ConsentRequest``) lives in the directory so that the procedures that ask
(``hocbaso.transfers``) and the family pages that answer (``hocbaso.portal``), which sit in the
same import layer and may not import each other, both build on it:

- :func:`request_consent` — a manager of the receiving school asks (audited ``consent.request``);
- :func:`withdraw` — the same school takes its pending request back (``consent.withdraw``);
- :func:`record_family_answer` — the family's accept or refuse (``consent.accept`` /
  ``consent.refuse``). Who may answer for a child is the portal's knowledge (guardian access), so
  the only caller is ``portal.actions.answer_consent``, which checks it first;
- :func:`revoke_family_consent` — the family takes back a consent it gave (``consent.revoke``);
  from then on :func:`granted` is false, so nothing more is sent; what was sent stays sent.
  The only caller is ``portal.actions.revoke_consent``, which checks guardianship first;
- :func:`granted` — what a procedure asks before it moves a record.

Every write is keyword-only, ``by=`` first, atomic and audited in its transaction. A decided
request is final: answering or withdrawing it again is a ``Conflict``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import CONSENT_MOVES, ConsentKind, ConsentRequest, ConsentState, School, Student
from hocbaso.directory.permissions import can_manage_school

MAX_PURPOSE = 2000


def request_consent(
    *,
    by: Any,
    student: Student,
    requesting_school: School,
    kind: str,
    purpose: str = "",
    reference: str = "",
) -> ConsentRequest:
    """Ask the family of ``student`` for consent on behalf of ``requesting_school`` (managed by ``by`` today).

    Refuses an unknown kind (``consent_kind``), a second pending request of the same school and
    kind for the same child (``consent_pending``) and a caller who does not manage the school.
    """
    if not can_manage_school(by, requesting_school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    if kind not in ConsentKind.values:
        raise ValidationFailed(_("Unknown kind of consent request."), code="consent_kind", field="kind")
    purpose = nfc(purpose.strip())
    if len(purpose) > MAX_PURPOSE:
        raise ValidationFailed(_("The purpose is too long."), code="consent_purpose_long", field="purpose")
    try:
        with transaction.atomic():
            consent = ConsentRequest.objects.create(
                student=student,
                requesting_school=requesting_school,
                kind=kind,
                purpose=purpose,
                reference=reference[:100],
                requested_by=by,
                requested_at=clock.now(),
            )
            audit.record(
                by=by,
                action="consent.request",
                obj=consent,
                school_id=student.school_id,
                changes={"requesting_school": [None, requesting_school.pk], "kind": [None, kind]},
            )
    except IntegrityError:
        raise Conflict(
            _("This school already waits for the family's answer."), code="consent_pending", field="kind"
        ) from None
    return consent


def _decide(*, by: Any, consent: ConsentRequest, state: str, note: str, action: str) -> ConsentRequest:
    with transaction.atomic():
        locked = ConsentRequest.objects.select_for_update().get(pk=consent.pk)
        if not locked.is_pending:
            raise Conflict(_("This request has already been answered."), code="consent_decided")
        CONSENT_MOVES.move(locked, state)
        locked.decided_by = by if getattr(by, "is_authenticated", False) else None
        locked.decided_at = clock.now()
        locked.decision_note = nfc(note.strip())[:MAX_PURPOSE]
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit.record(
            by=by,
            action=action,
            obj=locked,
            school_id=locked.student.school_id,
            changes={"state": [ConsentState.PENDING, state]},
        )
    return locked


def record_family_answer(*, by: Any, consent: ConsentRequest, accepted: bool, note: str = "") -> ConsentRequest:
    """Record the family's answer. The caller has established that ``by`` answers for the child's
    family (``portal.actions.answer_consent`` does); a decided request refuses (``consent_decided``)."""
    state = ConsentState.ACCEPTED if accepted else ConsentState.REFUSED
    return _decide(
        by=by, consent=consent, state=state, note=note, action="consent.accept" if accepted else "consent.refuse"
    )


def withdraw(*, by: Any, consent: ConsentRequest, note: str = "") -> ConsentRequest:
    """The requesting school takes its pending request back (a manager of that school today)."""
    if not can_manage_school(by, consent.requesting_school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    return _decide(by=by, consent=consent, state=ConsentState.WITHDRAWN, note=note, action="consent.withdraw")


def revoke_family_consent(*, by: Any, consent: ConsentRequest) -> ConsentRequest:
    """Revoke an accepted consent (the caller has established that ``by`` answers for the family).
    Anything but an accepted request refuses (``consent_not_accepted``); nothing changes then."""
    with transaction.atomic():
        locked = ConsentRequest.objects.select_for_update().get(pk=consent.pk)
        if locked.state != ConsentState.ACCEPTED:
            raise Conflict(_("Only a consent you gave can be revoked."), code="consent_not_accepted")
        CONSENT_MOVES.move(locked, ConsentState.REVOKED)
        locked.revoked_at = clock.now()
        locked.save(update_fields=["state", "revoked_at"])
        audit.record(
            by=by,
            action="consent.revoke",
            obj=locked,
            school_id=locked.student.school_id,
            changes={"state": [ConsentState.ACCEPTED, ConsentState.REVOKED]},
        )
    return locked


def granted_pairs(*, student_ids: list[int], kind: str) -> set[tuple[int, int]]:
    """(student id, requesting school id) of every accepted request of this kind, in one query."""
    accepted = ConsentRequest.objects.filter(student_id__in=student_ids, kind=kind, state=ConsentState.ACCEPTED)
    return set(accepted.values_list("student_id", "requesting_school_id"))


def granted(*, student: Student, requesting_school: School, kind: str) -> bool:
    """True when the family has accepted a request of ``requesting_school`` of this kind for ``student``."""
    return ConsentRequest.objects.filter(
        student=student, requesting_school=requesting_school, kind=kind, state=ConsentState.ACCEPTED
    ).exists()
