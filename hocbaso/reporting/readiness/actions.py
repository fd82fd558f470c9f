"""Every write of readiness and supervision: keyword-only, ``by=`` first, atomic, audited.

Refusals are ``DomainError``s with stable codes (docs/readiness-and-training.md lists them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from hocbaso.audit.actions import record
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, InvalidInput, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import School, SchoolYear
from hocbaso.reporting.readiness import rules, scope
from hocbaso.reporting.readiness.models import (
    FOLLOW_UP_MOVES,
    FollowUp,
    FollowUpEvent,
    Intention,
    Internet,
    ReadinessDeclaration,
    SupervisionVisit,
    VisitCorrection,
)
from hocbaso.reporting.readiness.rules import Move

MESSAGES = {
    "readiness_year_closed": _("This school year has ended: its conditions can no longer be declared."),
    "readiness_count_range": _("Enter a whole number from 0 to 10,000."),
    "readiness_more_than_staff": _("This cannot be more than the number of teachers and managers."),
    "readiness_unchanged": _("Nothing changed since the last declaration."),
    "readiness_choice": _("Choose one of the options."),
    "visit_in_future": _("The date of the visit cannot be in the future."),
    "visit_backdated": _("A visit is recorded at most 30 days after it took place."),
    "visit_findings_required": _("Write what the visit found."),
    "follow_up_due_past": _("The due date cannot be before today."),
    "follow_up_due_too_far": _("The due date is at most a year from today."),
    "follow_up_text_required": _("Say what is to be done."),
    "follow_up_note_required": _("Write a note saying what was done or why it is reopened."),
    "follow_up_transition": _("This follow-up is not in a state that allows this."),
    "correction_reason_required": _("Say why the findings are corrected."),
    "correction_unchanged": _("The findings are the same as before."),
}

DECLARED_FIELDS = ("computers", "internet", "staff_total", "certified_staff", "trained_staff", "intention", "note")


def _problem(problem: rules.Problem) -> ValidationFailed:
    return ValidationFailed(MESSAGES[problem.code], code=problem.code, field=problem.field)


def _refuse_all(problems: list[rules.Problem]) -> None:
    if problems:
        raise InvalidInput([_problem(p) for p in problems])


def latest_declaration(school: School, school_year: SchoolYear) -> ReadinessDeclaration | None:
    return ReadinessDeclaration.objects.filter(school=school, school_year=school_year).order_by("-revision").first()


@transaction.atomic
def declare(
    *,
    by: Any,
    school: School,
    school_year: SchoolYear,
    computers: int,
    internet: str,
    staff_total: int,
    certified_staff: int,
    trained_staff: int,
    intention: str,
    note: str = "",
) -> ReadinessDeclaration:
    """Declare (or change) ``school``'s conditions for ``school_year``: a new revision; the earlier
    ones stay as its history. Only the school's principal or vice-principal, while the year runs."""
    if not scope.may_declare(by, school):
        raise PermissionRefused(_("Only the school's principal or vice-principal declares its conditions."))
    counts = {
        "computers": computers,
        "staff_total": staff_total,
        "certified_staff": certified_staff,
        "trained_staff": trained_staff,
    }
    problems = rules.declaration_problems(counts, year_end=school_year.end_date, today=clock.today())
    if internet not in Internet.values:
        problems.append(rules.Problem("internet", "readiness_choice"))
    if intention not in Intention.values:
        problems.append(rules.Problem("intention", "readiness_choice"))
    _refuse_all(problems)
    values: dict[str, Any] = {**counts, "internet": internet, "intention": intention, "note": nfc(note).strip()}
    previous = latest_declaration(school, school_year)
    before = {name: getattr(previous, name) for name in DECLARED_FIELDS} if previous else {}
    if before == values:
        raise ValidationFailed(MESSAGES["readiness_unchanged"], code="readiness_unchanged")
    revision = (
        ReadinessDeclaration.objects.filter(school=school, school_year=school_year).aggregate(top=Max("revision"))[
            "top"
        ]
        or 0
    ) + 1
    try:
        with transaction.atomic():
            declaration = ReadinessDeclaration.objects.create(
                school=school,
                school_year=school_year,
                revision=revision,
                declared_by=by,
                declared_at=clock.now(),
                **values,
            )
    except IntegrityError:
        raise Conflict(
            _("Someone else declared at the same moment; open the page again."), code="readiness_race"
        ) from None
    changes = {name: [before.get(name), values[name]] for name in DECLARED_FIELDS if before.get(name) != values[name]}
    record(
        by=by,
        action="readiness.declare",
        obj=declaration,
        school_id=school.pk,
        changes={"school_year": school_year.code, "revision": revision, **changes},
    )
    return declaration


def _follow_up_problems(follow_ups: list[tuple[str, dt.date]], today: dt.date) -> list[DomainError]:
    found: list[DomainError] = []
    for index, (text, due_on) in enumerate(follow_ups, start=1):
        if not nfc(text).strip():
            found.append(
                ValidationFailed(
                    MESSAGES["follow_up_text_required"], code="follow_up_text_required", field=f"follow_up_{index}"
                )
            )
        problem = rules.due_date_problem(due_on, today=today)
        if problem is not None:
            found.append(ValidationFailed(MESSAGES[problem.code], code=problem.code, field=f"due_{index}"))
    return found


@transaction.atomic
def record_visit(
    *,
    by: Any,
    school: School,
    visited_on: dt.date,
    findings: str,
    follow_ups: list[tuple[str, dt.date]] = (),  # type: ignore[assignment]
) -> SupervisionVisit:
    """Record a supervision visit of ``school`` on ``visited_on`` with its follow-ups
    ``[(what, due on), …]``. The recorder is a unit officer covering the school on that day and
    today; the date is not in the future nor more than ``rules.MAX_VISIT_AGE_DAYS`` days back."""
    today = clock.today()
    errors: list[DomainError] = []
    problem = rules.visit_date_problem(visited_on, today=today)
    if problem is not None:
        errors.append(_problem(problem))
    unit = (
        scope.supervising_unit(by, school, visited_on) if problem is None else scope.supervising_unit(by, school, today)
    )
    if unit is None:
        raise PermissionRefused(
            _("This school is not within your unit's scope."), code="visit_out_of_scope", field="school"
        )
    findings = nfc(findings).strip()
    if not findings:
        errors.append(
            ValidationFailed(MESSAGES["visit_findings_required"], code="visit_findings_required", field="findings")
        )
    errors += _follow_up_problems(list(follow_ups), today)
    if errors:
        raise InvalidInput(errors)
    visit = SupervisionVisit.objects.create(
        school=school, unit=unit, visited_on=visited_on, findings=findings, recorded_by=by, recorded_at=clock.now()
    )
    made = [
        FollowUp.objects.create(visit=visit, description=nfc(text).strip(), due_on=due_on)
        for text, due_on in follow_ups
    ]
    record(
        by=by,
        action="supervision.visit_recorded",
        obj=visit,
        school_id=school.pk,
        changes={
            "visited_on": visited_on,
            "unit": unit.name,
            "findings": findings,
            "follow_ups": [[f.description, f.due_on] for f in made],
        },
    )
    return visit


@transaction.atomic
def correct_findings(*, by: Any, visit: SupervisionVisit, findings: str, reason: str) -> VisitCorrection:
    """Correct a visit's findings, with a reason: the earlier text stays in the correction's row and
    the audit event. The date and the author of a visit are never corrected (record another visit)."""
    visit = SupervisionVisit.objects.select_for_update().get(pk=visit.pk)
    if not scope.may_supervise(by, visit):
        raise PermissionRefused(_("This school is not within your unit's scope."), code="visit_out_of_scope")
    findings, reason = nfc(findings).strip(), nfc(reason).strip()
    errors: list[DomainError] = []
    if not findings:
        errors.append(
            ValidationFailed(MESSAGES["visit_findings_required"], code="visit_findings_required", field="findings")
        )
    elif findings == visit.findings:
        errors.append(ValidationFailed(MESSAGES["correction_unchanged"], code="correction_unchanged", field="findings"))
    if not reason:
        errors.append(
            ValidationFailed(MESSAGES["correction_reason_required"], code="correction_reason_required", field="reason")
        )
    if errors:
        raise InvalidInput(errors)
    correction = VisitCorrection.objects.create(
        visit=visit,
        findings_before=visit.findings,
        findings_after=findings,
        reason=reason,
        corrected_by=by,
        corrected_at=clock.now(),
    )
    record(
        by=by,
        action="supervision.visit_corrected",
        obj=visit,
        school_id=visit.school_id,
        changes={"findings": [visit.findings, findings], "reason": reason},
    )
    visit.findings = findings
    visit.save(update_fields=["findings"])
    return correction


# the audit code of each move, written out whole (the audit page labels every literal code)
FOLLOW_UP_ACTIONS = {
    Move.MARK_DONE: "supervision.follow_up_mark_done",
    Move.CONFIRM: "supervision.follow_up_confirm",
    Move.REOPEN: "supervision.follow_up_reopen",
}


@transaction.atomic
def move_follow_up(*, by: Any, follow_up: FollowUp, move: str, note: str = "") -> FollowUp:
    """Mark a follow-up done (the school's principal or vice-principal, with a note), confirm it or
    reopen it (an officer who may supervise the school; reopening needs a note)."""
    follow_up = FollowUp.objects.select_for_update().select_related("visit", "visit__school").get(pk=follow_up.pk)
    allowed = scope.may_answer(by, follow_up) if move == Move.MARK_DONE else scope.may_supervise(by, follow_up.visit)
    if not allowed:
        raise PermissionRefused(_("You may not do this for this follow-up."))
    new_state = rules.next_state(follow_up.state, move)
    if new_state is None:
        raise Conflict(MESSAGES["follow_up_transition"], code="follow_up_transition")
    note = nfc(note).strip()
    if move in rules.NOTE_REQUIRED and not note:
        raise ValidationFailed(MESSAGES["follow_up_note_required"], code="follow_up_note_required", field="note")
    before = follow_up.state
    FOLLOW_UP_MOVES.move(follow_up, new_state)
    follow_up.save(update_fields=["state"])
    FollowUpEvent.objects.create(follow_up=follow_up, move=move, note=note, by=by, at=clock.now())
    record(
        by=by,
        action=FOLLOW_UP_ACTIONS[Move(move)],
        obj=follow_up,
        school_id=follow_up.visit.school_id,
        changes={"state": [before, str(new_state)], "note": note},
    )
    return follow_up
