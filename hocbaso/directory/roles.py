"""Who may do what: named permissions, the roles that grant them, and one question — :func:`holds`.

This module is the only place that turns appointments into access. Pages (URL rules), API
operations, actions, the signing workflow and the verification registry all ask it; the scoped
querysets (``schools_where``, ``classes_where``, ``students_where``) are derived from the same
table, so "may open this class" and "the classes listed" never disagree.

Two kinds of permission:

- **reading** (``Permission.reads``): any appointment already started counts, but an *ended*
  appointment, and a school–unit link that ended, reach only the school years they overlapped
  (dated scope). An officer of a district abolished on 30/6/2025 still reads its 2024-2025
  classes, never the 2025-2026 ones.
- **acting**: only an appointment active on the day (``on``, today by default) counts.

Reach of an appointment: a class role (homeroom, subject teacher) reaches its class — and, for the
school-level permissions it grants (``VIEW_SCHOOL``), its school; a school role (principal,
vice-principal, clerk) reaches its school and all its classes; a unit officer reaches the schools
linked (at dates overlapping the appointment) to the unit or a unit below it.

The superuser rule, the same on every channel: the operator holds exactly ``OPERATOR`` — every
reading permission and the operator's own duties (appointments, including heads and officers,
backdating with a reason) — and none of the acts of a school person (keeping students, entering
assessments, deciding, assembling, signing).

Officers are never granted anything that shows children's personal data (names, IDs, ratings,
scores, comments, records): see ``PERSONAL_DATA``.

``recorded_before`` (on :func:`appointments_granting`) counts only appointments recorded before
an instant: the role-at-signing-date proof of signatures uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import (
    CLASS_ROLES,
    SCHOOL_ROLES,
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Role,
    School,
    SchoolUnitLink,
    StaffMember,
    Student,
)


class Permission(StrEnum):
    """A named permission. Values are stable (URL rule names, the access matrix, docs)."""

    # reading
    VIEW_SCHOOL = "view_school"  # a school's page: its classes, counts, managing units
    VIEW_CLASS = "view_class"  # a class page: teachers and head count
    VIEW_STUDENTS = "view_students"  # children's personal data: names, birth dates, IDs
    VIEW_ASSESSMENTS = "view_assessments"  # ratings, scores, comments, summaries, year results
    VIEW_RECORDS = "view_records"  # record versions and their PDF/XML files
    READ_AUDIT = "read_audit"  # the school's audit log
    VIEW_READINESS = "view_readiness"  # a school's declared conditions (computers, certificates, training)
    VIEW_SUPERVISION = "view_supervision"  # supervision visits about a school and their follow-ups
    VIEW_REPORTS = "view_reports"  # the reporting dashboards and periodic reports: counts only
    # acting
    MANAGE_STUDENTS = "manage_students"  # add and change students, enrol them
    APPOINT_STAFF = "appoint_staff"  # appoint the school's teachers and clerk
    APPOINT_HEADS = "appoint_heads"  # appoint principals, vice-principals, unit officers
    BACKDATE_APPOINTMENT = "backdate_appointment"  # an appointment starting before the day recorded
    ENTER_CLASS_ASSESSMENTS = "enter_class_assessments"  # every cell of the class
    ENTER_SUBJECT_ASSESSMENTS = "enter_subject_assessments"  # the cells of one's subject
    MANAGE_ENTRY = "manage_entry"  # entry windows, promotion decisions, year-page details
    ASSEMBLE_CLASS = "assemble_class"
    ASSEMBLE_SCHOOL = "assemble_school"
    REQUEST_CORRECTION = "request_correction"
    DECIDE_CORRECTION = "decide_correction"
    MANAGE_CERTIFICATES = "manage_certificates"  # the school's certificates: register, see expiring
    SIGN_AS_HOMEROOM = "sign_as_homeroom"
    SIGN_AS_PRINCIPAL = "sign_as_principal"
    APPLY_SCHOOL_SEAL = "apply_school_seal"
    # a unit officer asked about a province: prepare, seal and send its batch to the Ministry's store
    SUBMIT_TO_MINISTRY = "submit_to_ministry"
    # a unit officer asked about their own unit only (never one above or below): register and apply
    # the unit's seal on the reports it sends upward (signing.credentials.may_apply_unit_seal)
    APPLY_UNIT_SEAL = "apply_unit_seal"
    DECLARE_READINESS = "declare_readiness"  # the school's conditions for a school year
    RECORD_SUPERVISION = "record_supervision"  # a supervision visit, its follow-ups; confirm or reopen them
    ANSWER_FOLLOW_UP = "answer_follow_up"  # mark a follow-up about one's school done, with a note
    # paper mode (docs/paper-and-digitising.md)
    SET_PAPER_MODE = "set_paper_mode"  # a school-year on paper or digital: the unit officer over the school
    PRINT_PAPER_BOOKS = "print_paper_books"  # the paper book's pages of a paper year
    RECORD_PAPER_BOOKS = "record_paper_books"  # that a paper book was signed and stamped
    # scan, transcribe and compare old paper books (docs/digitising.md); the comparer is never the transcriber
    DIGITISE_RECORDS = "digitise_records"

    @property
    def reads(self) -> bool:
        return self in READING

    @property
    def school_level(self) -> bool:
        """Asked of a whole school (a class role never holds it on its school, except ``VIEW_SCHOOL``)."""
        return self in SCHOOL_LEVEL


P = Permission

READING = frozenset(
    {
        P.VIEW_SCHOOL,
        P.VIEW_CLASS,
        P.VIEW_STUDENTS,
        P.VIEW_ASSESSMENTS,
        P.VIEW_RECORDS,
        P.READ_AUDIT,
        P.VIEW_READINESS,
        P.VIEW_SUPERVISION,
        P.VIEW_REPORTS,
    }
)
SCHOOL_LEVEL = frozenset(
    {
        P.VIEW_SCHOOL,
        P.READ_AUDIT,
        P.VIEW_REPORTS,
        P.MANAGE_STUDENTS,
        P.APPOINT_STAFF,
        P.MANAGE_ENTRY,
        P.ASSEMBLE_SCHOOL,
        P.MANAGE_CERTIFICATES,
        P.APPLY_SCHOOL_SEAL,
        P.VIEW_READINESS,
        P.VIEW_SUPERVISION,
        P.DECLARE_READINESS,
        P.RECORD_SUPERVISION,
        P.ANSWER_FOLLOW_UP,
        P.SET_PAPER_MODE,
        P.RECORD_PAPER_BOOKS,
        P.DIGITISE_RECORDS,
    }
)
PERSONAL_DATA = frozenset({P.VIEW_STUDENTS, P.VIEW_ASSESSMENTS, P.VIEW_RECORDS, P.PRINT_PAPER_BOOKS})

_SCHOOL_READING = frozenset({P.VIEW_SCHOOL, P.VIEW_CLASS, P.VIEW_STUDENTS, P.VIEW_ASSESSMENTS, P.VIEW_RECORDS})
_HEAD = _SCHOOL_READING | {
    P.READ_AUDIT,
    P.VIEW_REPORTS,
    P.MANAGE_STUDENTS,
    P.MANAGE_ENTRY,
    P.ASSEMBLE_CLASS,
    P.ASSEMBLE_SCHOOL,
    P.DECIDE_CORRECTION,
    P.MANAGE_CERTIFICATES,
    P.SIGN_AS_PRINCIPAL,
    # readiness and supervision (hocbaso/reporting): the heads declare and answer, never a teacher
    P.VIEW_READINESS,
    P.VIEW_SUPERVISION,
    P.DECLARE_READINESS,
    P.ANSWER_FOLLOW_UP,
    P.PRINT_PAPER_BOOKS,
    P.DIGITISE_RECORDS,
}

# The table: which permissions each role grants. docs/security.md shows it; keep them together.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PRINCIPAL: frozenset(_HEAD | {P.APPOINT_STAFF, P.APPLY_SCHOOL_SEAL, P.RECORD_PAPER_BOOKS}),
    Role.VICE_PRINCIPAL: frozenset(_HEAD),
    Role.CLERK: frozenset(
        _SCHOOL_READING
        | {
            P.MANAGE_STUDENTS,
            P.REQUEST_CORRECTION,
            P.APPLY_SCHOOL_SEAL,
            P.PRINT_PAPER_BOOKS,
            P.RECORD_PAPER_BOOKS,
            P.DIGITISE_RECORDS,
        }
    ),
    Role.HOMEROOM_TEACHER: frozenset(
        {
            P.VIEW_SCHOOL,
            P.VIEW_CLASS,
            P.VIEW_STUDENTS,
            P.VIEW_ASSESSMENTS,
            P.VIEW_RECORDS,
            P.ENTER_CLASS_ASSESSMENTS,
            P.ASSEMBLE_CLASS,
            P.REQUEST_CORRECTION,
            P.SIGN_AS_HOMEROOM,
            P.PRINT_PAPER_BOOKS,
        }
    ),
    Role.SUBJECT_TEACHER: frozenset(
        {P.VIEW_SCHOOL, P.VIEW_CLASS, P.VIEW_STUDENTS, P.VIEW_ASSESSMENTS, P.ENTER_SUBJECT_ASSESSMENTS}
    ),
    # Officers read schools and classes (never children's data) and their schools' readiness and
    # supervision. SUBMIT_TO_MINISTRY is asked with unit= the province (hocbaso/reporting/ministry): only an
    # officer of the province itself reaches it, never a commune's or a district's.
    Role.UNIT_OFFICER: frozenset(
        {
            P.VIEW_SCHOOL,
            P.VIEW_CLASS,
            P.VIEW_REPORTS,
            P.VIEW_READINESS,
            P.VIEW_SUPERVISION,
            P.RECORD_SUPERVISION,
            P.SUBMIT_TO_MINISTRY,
            P.APPLY_UNIT_SEAL,
            P.SET_PAPER_MODE,  # a school-year on paper or back (schools linked to the unit today)
        }
    ),
}

# The operator (superuser): every reading permission and the operator's own duties (appointments);
# never the acts of a school person (keeping students, entering assessments, deciding, assembling,
# signing, issuing family letters).
OPERATOR: frozenset[Permission] = READING | {
    P.APPOINT_STAFF,
    P.APPOINT_HEADS,
    P.BACKDATE_APPOINTMENT,
}

# Roles only the operator appoints; the others are appointed by the school (``APPOINT_STAFF``).
HEAD_ROLES: frozenset[Role] = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.UNIT_OFFICER})


def roles_granting(permission: Permission) -> list[Role]:
    """The roles granting ``permission``, in the order of ``Role`` (principal before vice-principal)."""
    return [role for role in Role if permission in GRANTS[role]]


def appointing_permission(role: str) -> Permission:
    """What one must hold to appoint someone to ``role``."""
    return P.APPOINT_HEADS if role in HEAD_ROLES else P.APPOINT_STAFF


def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", True))


def staff_of(user: Any) -> StaffMember | None:
    """The user's staff profile, or None (anonymous users and plain logins have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if isinstance(user, StaffMember):
        return user
    try:
        return user.staff
    except StaffMember.DoesNotExist:
        return None


# --- appointments --------------------------------------------------------------------------------


def active_on(day: dt.date) -> Q:
    """Condition: an appointment running on ``day``."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def appointments_granting(
    who: Any,
    permission: Permission,
    *,
    on: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
) -> QuerySet[Appointment]:
    """``who``'s appointments (a user or a staff member) whose role grants ``permission`` and that count
    on ``on``: started by then for a reading permission, active then for an act. With
    ``recorded_before``, only those recorded at or before that instant."""
    staff = who if isinstance(who, StaffMember) else staff_of(who)
    if staff is None:
        return Appointment.objects.none()
    day = on or clock.today()
    qs = Appointment.objects.filter(staff=staff, role__in=roles_granting(permission))
    qs = qs.filter(valid_from__lte=day) if permission.reads else qs.filter(active_on(day))
    if recorded_before is not None:
        qs = qs.filter(recorded_at__lte=recorded_before)
    return qs


@dataclass(frozen=True)
class Window:
    """The school years an appointment (through a link) reaches: those overlapping [first, last];
    None on a side means unbounded."""

    first: dt.date | None = None
    last: dt.date | None = None

    def narrowed(self, start: dt.date, end: dt.date | None) -> Window:
        first = start if self.first is None else max(self.first, start)
        last = end if self.last is None else (self.last if end is None else min(self.last, end))
        return Window(first, last)

    @property
    def empty(self) -> bool:
        return self.first is not None and self.last is not None and self.last < self.first

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Whether [start, end] (a school year's dates, or one day twice) overlaps this window."""
        return (self.last is None or start <= self.last) and (self.first is None or end >= self.first)

    def years(self, prefix: str = "school_year__") -> Q:
        """Condition on a model with a school year: the year overlaps this window."""
        condition = Q()
        if self.last is not None:
            condition &= Q(**{f"{prefix}start_date__lte": self.last})
        if self.first is not None:
            condition &= Q(**{f"{prefix}end_date__gte": self.first})
        return condition


def _window(appointment: Appointment, permission: Permission, day: dt.date) -> Window:
    """Acts and running appointments reach every year; an ended appointment only the years it overlapped."""
    if permission.reads and appointment.valid_to is not None and appointment.valid_to < day:
        return Window(appointment.valid_from, appointment.valid_to)
    return Window()


def _unit_schools(appointment: Appointment, permission: Permission, day: dt.date) -> list[tuple[int, Window]]:
    """(school, window) for each school linked to the officer's unit or a unit below it, at dates
    overlapping the appointment; an ended link narrows the window to its own dates."""
    assert appointment.unit is not None
    units = appointment.unit.descendant_ids()
    links = SchoolUnitLink.objects.filter(unit_id__in=units, valid_from__lte=appointment.valid_to or day)
    links = links.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=appointment.valid_from))
    found = []
    for link in links:
        if not permission.reads and not (link.valid_from <= day and (link.valid_to is None or link.valid_to >= day)):
            continue  # an act (setting paper mode) needs the school under the unit today
        window = _window(appointment, permission, day)
        if permission.reads and link.valid_to is not None and link.valid_to < day:
            window = window.narrowed(link.valid_from, link.valid_to)
        if not window.empty:
            found.append((link.school_id, window))
    return found


def _reach(user: Any, permission: Permission, day: dt.date) -> tuple[list[tuple[int, Window]], list[int]]:
    """(schools reached whole with their windows, classes reached one by one) for ``permission``."""
    schools: list[tuple[int, Window]] = []
    classes: list[int] = []
    for appointment in appointments_granting(user, permission, on=day).select_related("unit"):
        if appointment.role in CLASS_ROLES:
            assert appointment.class_group_id is not None
            classes.append(appointment.class_group_id)
        elif appointment.role in SCHOOL_ROLES:
            assert appointment.school_id is not None
            schools.append((appointment.school_id, _window(appointment, permission, day)))
        elif appointment.role == Role.UNIT_OFFICER:
            schools.extend(_unit_schools(appointment, permission, day))
    return schools, classes


# --- scoped querysets -------------------------------------------------------------------------


def schools_where(user: Any, permission: Permission, *, on: dt.date | None = None) -> QuerySet[School]:
    """Schools on which ``user`` holds ``permission`` (for a class-level permission: on the whole school)."""
    if is_operator(user):
        return School.objects.all() if permission in OPERATOR else School.objects.none()
    day = on or clock.today()
    schools, classes = _reach(user, permission, day)
    ids = {school for school, _window in schools}
    if classes and permission.school_level:
        ids |= set(ClassGroup.objects.filter(pk__in=classes).values_list("school_id", flat=True))
    return School.objects.filter(pk__in=ids)


def classes_where(user: Any, permission: Permission, *, on: dt.date | None = None) -> QuerySet[ClassGroup]:
    """Classes on which ``user`` holds ``permission`` (dated scope for reading permissions)."""
    if is_operator(user):
        return ClassGroup.objects.all() if permission in OPERATOR else ClassGroup.objects.none()
    day = on or clock.today()
    schools, classes = _reach(user, permission, day)
    condition = Q(pk__in=classes) if classes else Q(pk__in=[])
    for school_id, window in schools:
        condition |= Q(school_id=school_id) & window.years()
    return ClassGroup.objects.filter(condition)


def school_windows(user: Any, permission: Permission, *, on: dt.date | None = None) -> dict[int, list[Window]] | None:
    """School → the windows of school years through which ``user`` holds the school-level
    ``permission`` (the dated scope of :func:`classes_where`, asked of whole schools, so a school
    with no class yet counts too); None for the operator holding it everywhere. One pass over the
    appointments: callers asking about several years (reporting) ask this once. Pages that show a
    school's figures for one school year, or its dated events, ask this rather than
    :func:`schools_where`, which forgets the dates."""
    if is_operator(user):
        return None if permission in OPERATOR else {}
    found: dict[int, list[Window]] = {}
    schools, _classes = _reach(user, permission, on or clock.today())
    for school, window in schools:
        found.setdefault(school, []).append(window)
    return found


def schools_in_year(
    user: Any, permission: Permission, school_year: Any, *, on: dt.date | None = None
) -> QuerySet[School]:
    """Schools whose ``school_year`` ``user`` may read with the school-level ``permission``. An
    officer of a district abolished on 30/6/2025 gets its schools for 2024-2025 and none for
    2025-2026."""
    windows = school_windows(user, permission, on=on)
    if windows is None:
        return School.objects.all()
    ids = [school for school in windows if reaches(windows, school, school_year.start_date, school_year.end_date)]
    return School.objects.filter(pk__in=ids)


def students_where(user: Any, permission: Permission, *, on: dt.date | None = None) -> QuerySet[Student]:
    """Students on which ``user`` holds ``permission``: those enrolled in a class reached, and the
    students a school currently holds for its running school roles."""
    if is_operator(user):
        return Student.objects.all() if permission in OPERATOR else Student.objects.none()
    day = on or clock.today()
    classes = classes_where(user, permission, on=day)
    held = appointments_granting(user, permission, on=day).filter(active_on(day), role__in=SCHOOL_ROLES)
    condition = Q(pk__in=Student.objects.filter(enrolments__class_group__in=classes).values("pk"))
    condition |= Q(school_id__in=held.values("school_id"))
    return Student.objects.filter(condition)


def reaches(windows: dict[int, list[Window]] | None, school_id: int, start: dt.date, end: dt.date) -> bool:
    """Whether ``windows`` (from :func:`school_windows`) reach ``school_id`` on some day of [start, end]."""
    if windows is None:
        return True
    return any(window.overlaps(start, end) for window in windows.get(school_id, []))


# --- the question -------------------------------------------------------------------------------


def _unit_reached(user: Any, permission: Permission, unit: AdministrativeUnit, day: dt.date) -> bool:
    for appointment in appointments_granting(user, permission, on=day).filter(role=Role.UNIT_OFFICER):
        if appointment.unit_id is not None and unit.pk in AdministrativeUnit(pk=appointment.unit_id).descendant_ids():
            return True
    return False


def holds(
    user: Any,
    permission: Permission,
    *,
    school: School | None = None,
    unit: AdministrativeUnit | None = None,
    class_group: ClassGroup | None = None,
    on: dt.date | None = None,
) -> bool:
    """Whether ``user`` holds ``permission`` on the object named (a class, a school or a unit), on
    ``on`` (today by default); with no object named, whether they hold it anywhere."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_operator(user):
        return permission in OPERATOR
    day = on or clock.today()
    if class_group is not None:
        return classes_where(user, permission, on=day).filter(pk=class_group.pk).exists()
    if school is not None:
        return schools_where(user, permission, on=day).filter(pk=school.pk).exists()
    if unit is not None:
        return _unit_reached(user, permission, unit, day)
    return appointments_granting(user, permission, on=day).exists()


def holds_any(user: Any, permissions: Iterable[Permission], **where: Any) -> bool:
    """Whether ``user`` holds at least one of ``permissions`` (see :func:`holds`)."""
    return any(holds(user, permission, **where) for permission in permissions)


def rule(*permissions: Permission, name: str | None = None) -> Any:
    """A URL rule (for ``core.permissions.requires``): holds one of ``permissions`` somewhere.

    Object scope is then checked in the view through the ``*_where`` querysets (404 outside it).
    """

    def predicate(user: Any) -> bool:
        return holds_any(user, permissions)

    predicate.__name__ = name or "holds:" + "|".join(p.value for p in permissions)
    predicate.__doc__ = (
        "Holds " + " or ".join(p.value for p in permissions) + " somewhere (the operator: see OPERATOR)."
    )
    return predicate
