"""Every write to the directory. Keyword-only, ``by=`` first, atomic, audited in the same
transaction; a refusal raises a ``DomainError`` and leaves nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.audit import actions as audit
from hocbaso.core import clock, stamps
from hocbaso.core.errors import Conflict, InvalidInput, PermissionRefused, ValidationFailed, validated
from hocbaso.core.text import collapse_spaces, nfc
from hocbaso.directory import birth_dates, codes, roles
from hocbaso.directory import personal_id as pid
from hocbaso.directory.models import (
    CLASS_ROLES,
    NAME_FIELDS,
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    PriorSchooling,
    Role,
    School,
    StaffMember,
    Student,
    name_error,
)
from hocbaso.directory.permissions import can_manage_school

STUDENT_FIELDS = [
    "full_name",
    "gender",
    "date_of_birth",
    "place_of_birth",
    "ethnicity",
    "ethnicity_code",
    "nationality",
    "nationality_code",
    "hometown",
    "residence",
    "father_name",
    "mother_name",
    "guardian_name",
    "personal_id",
    "sector_code",
    "policy_beneficiary",
    "disability",
    "individual_plan",
]


Created = TypeVar("Created", bound=models.Model)


def _require_manager(by: User, school: School) -> None:
    if not can_manage_school(by, school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")


def _clean_student_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """NFC text, names folded; a name holding a hidden character is refused as typed (before folding)."""
    hidden = [
        ValidationFailed(str(error.message % error.params), code=str(error.code), field=name)
        for name in NAME_FIELDS
        if name in data and (error := name_error(data[name])) is not None
    ]
    if hidden:
        raise InvalidInput(hidden)
    cleaned: dict[str, Any] = {}
    for name in STUDENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in NAME_FIELDS:
            value = collapse_spaces(value)
        elif isinstance(value, str) and name != "personal_id":
            value = nfc(value)
        cleaned[name] = value
    if "personal_id" in cleaned:
        cleaned["personal_id"] = pid.validate_format(cleaned["personal_id"])
    # the Ministry's codes follow the names when not given (an unknown name leaves the code empty)
    for name, code, lookup in (
        ("ethnicity", "ethnicity_code", codes.ethnicity_code),
        ("nationality", "nationality_code", codes.nationality_code),
    ):
        if name in cleaned and not cleaned.get(code):
            cleaned[code] = lookup(cleaned[name])
    return cleaned


def check_age(date_of_birth: dt.date | None, start_years: Iterable[int], *, field: str = "date_of_birth") -> None:
    """Refuse a birth date that gives an age outside ``birth_dates.MIN_AGE``-``MAX_AGE`` in any of
    the school years starting in ``start_years``. A date in the future is left to ``Student.clean``."""
    if date_of_birth is None or date_of_birth > clock.today():
        return
    for start_year in sorted(set(start_years)):
        code = birth_dates.age_problem(date_of_birth, start_year)
        if code is not None:
            raise ValidationFailed(
                _(
                    "In school year %(year)s the child would be %(age)d years old (by the year); "
                    "a primary-school pupil is %(min)d to %(max)d."
                )
                % {
                    "year": f"{start_year}-{start_year + 1}",
                    "age": birth_dates.age_in_school_year(date_of_birth, start_year),
                    "min": birth_dates.MIN_AGE,
                    "max": birth_dates.MAX_AGE,
                },
                code=code,
                field=field,
            )


def _student_years(student: Student) -> list[int]:
    """The start years of the student's enrolments' school years, or of today's school year."""
    years = [d.year for d in student.enrolments.values_list("school_year__start_date", flat=True)] if student.pk else []
    return years or [birth_dates.school_year_start_of(clock.today())]


def _refresh_id_warnings(student: Student) -> None:
    warnings = pid.consistency_warnings(student.personal_id, gender=student.gender, date_of_birth=student.date_of_birth)
    student.id_warnings = [{"code": w.code, "message": w.message} for w in warnings]


def _save_checked(instance: Any) -> None:
    """Validate then save; a race that the validation missed still maps to a clear error."""
    validated(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict(_("This conflicts with existing data; reload and try again."), code="integrity") from exc


def _create_audited(
    instance: Created, *, by: User, action: str, school_id: int | None, channel: str, fields: list[str] | None = None
) -> Created:
    """Save the new ``instance`` (checked) and audit its creation with every field (or ``fields``)."""
    _save_checked(instance)
    audit.record(
        by=by,
        action=action,
        obj=instance,
        school_id=school_id,
        channel=channel,
        changes=audit.diff({}, audit.snapshot(instance, fields)),
    )
    return instance


@transaction.atomic
def create_student(*, by: User, school: School, data: Mapping[str, Any], channel: str = "web") -> Student:
    """Add a student to ``school``. Personal-ID mismatches are stored as warnings, never refused."""
    _require_manager(by, school)
    student = Student(school=school, **_clean_student_data(data))
    check_age(student.date_of_birth, _student_years(student))
    _refresh_id_warnings(student)
    return _create_audited(
        student, by=by, action="student.create", school_id=school.pk, channel=channel, fields=STUDENT_FIELDS
    )


@transaction.atomic
def update_student(*, by: User, student: Student, data: Mapping[str, Any], channel: str = "web") -> Student:
    """Change a student's details; the audit event lists each changed field old → new."""
    student = Student.objects.select_for_update().get(pk=student.pk)
    _require_manager(by, student.school)
    before = audit.snapshot(student, STUDENT_FIELDS)
    before_birth = student.date_of_birth
    for name, value in _clean_student_data(data).items():
        setattr(student, name, value)
    if student.date_of_birth != before_birth:
        check_age(student.date_of_birth, _student_years(student))
    _refresh_id_warnings(student)
    _save_checked(student)
    changes = audit.diff(before, audit.snapshot(student, STUDENT_FIELDS))
    if changes:
        audit.record(
            by=by, action="student.update", obj=student, school_id=student.school_id, channel=channel, changes=changes
        )
    return student


@transaction.atomic
def enrol_student(
    *,
    by: User,
    student: Student,
    class_group: ClassGroup,
    start_date: dt.date,
    end_date: dt.date | None = None,
    register_number: str = "",
    channel: str = "web",
) -> Enrolment:
    """Put a student in a class for its school year.

    Refused: a class of another school than the student's; a child whose age by the year in that
    school year is outside 4-20 (``birth_dates``); dates outside the school year;
    an end before the start; a second enrolment overlapping one the student already has that year.
    """
    _require_manager(by, class_group.school)
    if student.school_id != class_group.school_id:
        raise ValidationFailed(
            _("The student belongs to another school; use a transfer."),
            code="enrolment_other_school",
            field="class_group",
        )
    year = class_group.school_year
    errors = []
    try:
        check_age(student.date_of_birth, [year.start_date.year], field="class_group")
    except ValidationFailed as exc:
        errors.append(exc)
    if not year.contains(start_date):
        errors.append(
            ValidationFailed(
                _("The start date must fall within school year %(year)s.") % {"year": year.code},
                code="enrolment_outside_year",
                field="start_date",
            )
        )
    if end_date is not None and end_date < start_date:
        errors.append(
            ValidationFailed(
                _("The end date cannot be before the start date."), code="end_before_start", field="end_date"
            )
        )
    if errors:
        raise InvalidInput(errors)
    overlapping = (
        Enrolment.objects.select_for_update()
        .filter(student=student, school_year=year)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if overlapping.exists():
        raise Conflict(
            _("This student is already enrolled in a class this school year."),
            code="enrolment_duplicate",
            field="class_group",
        )
    enrolment = Enrolment(
        student=student,
        class_group=class_group,
        school_year=year,
        start_date=start_date,
        end_date=end_date,
        register_number=nfc(register_number),
    )
    return _create_audited(
        enrolment, by=by, action="enrolment.create", school_id=class_group.school_id, channel=channel
    )


def _end_enrolments(student: Student, on: dt.date) -> list[Enrolment]:
    """End each open enrolment of ``student`` at their school the day before ``on`` (or on its year's
    last day when that year ended before ``on``); ``move_before_enrolment`` if one starts later."""
    ended = []
    for enrolment in (
        Enrolment.objects.select_for_update()
        .filter(student=student, class_group__school_id=student.school_id, end_date__isnull=True)
        .select_related("school_year")
    ):
        if enrolment.school_year.end_date < on:
            enrolment.end_date = enrolment.school_year.end_date
        elif enrolment.start_date < on:
            enrolment.end_date = on - dt.timedelta(days=1)
        else:
            raise Conflict(
                _("The child's enrolment at the sending school starts on %(day)s; the move must come later.")
                % {"day": enrolment.start_date.strftime("%d/%m/%Y")},
                code="move_before_enrolment",
                field="effective_date",
            )
        enrolment.save(update_fields=["end_date"])
        ended.append(enrolment)
    return ended


@transaction.atomic
def withdraw_student(*, by: User, student: Student, on: dt.date, reason: str, channel: str = "web") -> list[Enrolment]:
    """The child leaves this system (a transfer to a school elsewhere was received there): their open
    enrolments end as in :func:`move_student`; the student stays on the school's list of past students."""
    _require_manager(by, student.school)
    student = Student.objects.select_for_update().get(pk=student.pk)
    ended = _end_enrolments(student, on)
    audit.record(
        by=by,
        action="student.withdraw",
        obj=student,
        school_id=student.school_id,
        channel=channel,
        changes={"ended": [None, [[e.pk, e.end_date] for e in ended]], "reason": [None, nfc(reason)]},
    )
    return ended


def _check_appointer(by: User, staff: StaffMember, role: str, school: School | None) -> None:
    """Who may appoint whom: the school's principal its teachers and clerk; the operator anyone
    (principals, vice-principals and unit officers only the operator); never oneself."""
    appointer = roles.staff_of(by)
    if appointer is not None and appointer.pk == staff.pk:
        raise PermissionRefused(
            _("Nobody may appoint themselves or change their own appointment."), code="self_appointment"
        )
    permission = roles.appointing_permission(role)
    if permission == roles.Permission.APPOINT_HEADS:
        if not roles.holds(by, permission):
            raise PermissionRefused(
                _("Only an operator may appoint principals, vice-principals and unit officers."), code="operator_only"
            )
    elif school is None:
        raise ValidationFailed(
            _("Choose the school or class for this role."), code="appointment_school_missing", field="class_group"
        )
    elif not roles.holds(by, permission, school=school):
        raise PermissionRefused(
            _("Only the principal of this school appoints its teachers and clerk."), code="not_school_appointer"
        )


def _check_start(by: User, valid_from: dt.date, reason: str) -> str:
    """An appointment starts on or after the day it is recorded, except by the operator with a
    written reason (returned, NFC and trimmed; it goes into the audit event)."""
    reason = collapse_spaces(reason or "")
    if valid_from >= clock.today():
        return ""
    if not roles.holds(by, roles.Permission.BACKDATE_APPOINTMENT):
        raise ValidationFailed(
            _("An appointment cannot start before today (%(day)s).") % {"day": clock.today().strftime("%d/%m/%Y")},
            code="appointment_backdated",
            field="valid_from",
        )
    if not reason:
        raise ValidationFailed(
            _("Write why this appointment starts before today."),
            code="backdate_reason_required",
            field="backdate_reason",
        )
    return reason


@transaction.atomic
def move_student(
    *,
    by: User,
    student: Student,
    to_class: ClassGroup,
    on: dt.date,
    register_number: str = "",
    channel: str = "web",
) -> Enrolment:
    """Move ``student`` to ``to_class`` (another school's) from ``on``: the transfer's last step.

    Each open enrolment at the student's current school ends the day before ``on`` (or on its
    year's last day when that year ended before ``on``), the student's school becomes the class's
    school, and the new enrolment starts on ``on``; both schools' audit trails record the move.
    ``by`` must manage the receiving school. Refused: an enrolment at the sending school that
    starts on or after ``on`` (``move_before_enrolment``), and everything ``enrol_student`` refuses.
    """
    _require_manager(by, to_class.school)
    student = Student.objects.select_for_update().get(pk=student.pk)
    from_school_id = student.school_id
    ended = _end_enrolments(student, on)
    student.school = to_class.school
    student.save(update_fields=["school"])
    new = enrol_student(
        by=by, student=student, class_group=to_class, start_date=on, register_number=register_number, channel=channel
    )
    changes = {
        "school": [from_school_id, to_class.school_id],
        "ended": [None, [[e.pk, e.end_date] for e in ended]],
        "enrolment": [None, new.pk],
    }
    for school_id in (from_school_id, to_class.school_id):
        audit.record(by=by, action="student.move", obj=student, school_id=school_id, channel=channel, changes=changes)
    return new


@transaction.atomic
def appoint(
    *,
    by: User,
    staff: StaffMember,
    role: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    school: School | None = None,
    class_group: ClassGroup | None = None,
    subject_code: str = "",
    unit: AdministrativeUnit | None = None,
    backdate_reason: str = "",
    channel: str = "web",
) -> Appointment:
    """Give a staff member a role on dates, recorded now by ``by``.

    Refused: appointing oneself (``self_appointment``); a principal, vice-principal or unit officer
    by anyone but the operator (``operator_only``); a teacher or clerk by anyone but the principal
    of the school, or the operator (``not_school_appointer``); a start before today
    (``appointment_backdated``), unless the operator writes a reason (``backdate_reason_required``
    without one). ``recorded_at`` and ``recorded_by`` are set here, never from input.
    """
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), code="appointment_role", field="role")
    if class_group is not None:
        school = class_group.school
    _check_appointer(by, staff, role, school)
    reason = _check_start(by, valid_from, backdate_reason)
    if role in CLASS_ROLES and class_group is None:
        raise ValidationFailed(
            _("Choose the class for this role."), code="appointment_class_missing", field="class_group"
        )
    if role == Role.SUBJECT_TEACHER and not subject_code:
        raise ValidationFailed(
            _("Choose the subject this teacher teaches."), code="appointment_subject_missing", field="subject_code"
        )
    if role == Role.UNIT_OFFICER and unit is None:
        raise ValidationFailed(_("Choose the administrative unit."), code="appointment_unit_missing", field="unit")
    appointment = Appointment(
        staff=staff,
        role=role,
        school=None if role == Role.UNIT_OFFICER else school,
        class_group=class_group if role in CLASS_ROLES else None,
        subject_code=subject_code if role == Role.SUBJECT_TEACHER else "",
        unit=unit if role == Role.UNIT_OFFICER else None,
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_at=clock.now(),
        recorded_by=by if getattr(by, "pk", None) else None,
        backdate_reason=reason,
    )
    return _create_audited(
        appointment, by=by, action="appointment.create", school_id=appointment.school_id, channel=channel
    )


@transaction.atomic
def add_prior_schooling(
    *, by: User, student: Student, rows: list[Mapping[str, Any]], source: str, channel: str = "web"
) -> list[PriorSchooling]:
    """Record the learning history a child brings from another system (one row per earlier year:
    ``school_year``, ``class_name``, ``school_name``, ``register_number``, ``start_date``)."""
    _require_manager(by, student.school)
    created = []
    for row in rows:
        prior = PriorSchooling(
            student=student,
            school_year=nfc(str(row["school_year"])),
            class_name=nfc(str(row["class_name"])),
            school_name=nfc(str(row["school_name"])),
            register_number=nfc(str(row.get("register_number") or "")),
            start_date=dt.date.fromisoformat(str(row["start_date"])),
            source=nfc(source)[:200],
        )
        _save_checked(prior)
        created.append(prior)
    audit.record(
        by=by,
        action="student.prior_schooling",
        obj=student,
        school_id=student.school_id,
        channel=channel,
        changes={"rows": [None, [[p.school_year, p.school_name] for p in created]], "source": [None, source]},
    )
    return created


@transaction.atomic
def end_appointment(
    *, by: User, appointment: Appointment, valid_to: dt.date, reason: str = "", channel: str = "web"
) -> Appointment:
    """End an appointment on ``valid_to``. The same people as for appointing may; never the person
    appointed; an end before today needs the operator and a reason, like a backdated start."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    _check_appointer(by, appointment.staff, appointment.role, appointment.school)
    reason = _check_start(by, valid_to, reason)
    before = audit.snapshot(appointment, ["valid_to"])
    appointment.valid_to = valid_to
    _save_checked(appointment)
    # Verification answers cached for the records this person signed follow the new period.
    transaction.on_commit(lambda: stamps.bump(stamps.APPOINTMENTS))
    changes = audit.diff(before, audit.snapshot(appointment, ["valid_to"]))
    if reason:
        changes["reason"] = [None, reason]
    audit.record(
        by=by,
        action="appointment.end",
        obj=appointment,
        school_id=appointment.school_id,
        channel=channel,
        changes=changes,
    )
    return appointment
