"""Every write of the portal: letters, activation, revocation, share links, the family's consent.

Keyword-only, ``by=`` first (``None`` for a visitor who has not signed in), atomic, the audit
event in the same transaction. Refusals are ``DomainError``s with stable codes. A refusal that
must itself be remembered (a wrong activation code, a wrong PIN, a closed link) writes its audit
event on its own before raising, so the record of the attempt survives the refusal.

Throttling (``portal/throttle.py``) is applied here, not in the views, so every channel gets it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionRefused, ValidationFailed
from hocbaso.core.text import collapse_spaces
from hocbaso.directory import consent as consents
from hocbaso.directory.models import ClassGroup, ConsentRequest, Enrolment, SchoolYear, Student
from hocbaso.directory.permissions import managed_school_ids, staff_of
from hocbaso.portal import codes, throttle
from hocbaso.portal.models import ACCESS_MOVES, GuardianAccess, ShareLink, ShareOpening
from hocbaso.portal.permissions import can_manage_access, children_of, visible_consents, visible_shares

LETTER_VALID_DAYS = 120
MAX_COPIES = 4
DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
PIN_RE = re.compile(r"^\d{4,8}$")


class ActivationRefused(DomainError):
    """The same answer for every wrong code, wrong birth date, used, revoked or expired letter."""

    code = "activation_refused"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429


class ShareClosed(DomainError):
    """A revoked (``share_revoked``) or expired (``share_expired``) link: nothing is shown."""

    status = 410


NEUTRAL_REFUSAL = _("The activation code or the date of birth is not right. Check the letter and try again.")
TOO_MANY = _("Too many attempts. Wait 15 minutes and try again.")


@dataclass(frozen=True)
class Letter:
    """A new access with its code in clear, for printing once (only its hash is stored)."""

    access: GuardianAccess
    code: str
    class_name: str = ""
    school_year: str = ""


# --- letters (school side) ---------------------------------------------------------------------


def _new_access(*, by: User, student: Student, class_group: ClassGroup | None = None) -> Letter:
    code = codes.new_activation_code()
    access = GuardianAccess.objects.create(
        student=student,
        code_hash=codes.code_hash(code),
        code_hint=code[-4:],
        issued_by=by,
        issued_at=clock.now(),
        expires_on=clock.today() + dt.timedelta(days=LETTER_VALID_DAYS),
    )
    if class_group is None:
        enrolment = (
            Enrolment.objects.filter(student=student)
            .select_related("class_group__school_year")
            .order_by("-start_date")
            .first()
        )
        class_group = enrolment.class_group if enrolment else None
    if class_group is None:
        return Letter(access, code)
    return Letter(access, code, class_group.name, class_group.school_year.code)


def _revoke(access: GuardianAccess, *, by: User, reason: str) -> None:
    ACCESS_MOVES.move(access, GuardianAccess.State.REVOKED)
    access.revoked_by = by
    access.revoked_at = clock.now()
    access.revoke_reason = reason[:300]
    access.save(update_fields=["state", "revoked_by", "revoked_at", "revoke_reason"])


def class_students(class_group: ClassGroup) -> list[Student]:
    """The students of ``class_group`` who are in it now or stayed to the end of its year (not those
    who left during it), whose record its school still holds; by given name as class lists are."""
    enrolments = (
        Enrolment.objects.filter(class_group=class_group, student__school_id=class_group.school_id)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=class_group.school_year.end_date))
        .select_related("student")
    )
    students = {e.student_id: e.student for e in enrolments}
    return sort_students(students.values())


def issue_class_letters(*, by: User, class_group: ClassGroup, copies: int = 2) -> list[Letter]:
    """New letters for every student of the class, ``copies`` each (one per guardian).

    Letters of these students that were printed before and never used are revoked (a class's
    letters are printed again when the earlier ones were lost); active accesses are untouched.
    """
    if class_group.school_id not in managed_school_ids(by):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationFailed(
            _("Print between 1 and %(max)d letters per student.") % {"max": MAX_COPIES},
            code="letter_copies",
            field="copies",
        )
    students = class_students(class_group)
    with transaction.atomic():
        stale = list(
            GuardianAccess.objects.select_for_update().filter(student__in=students, state=GuardianAccess.State.PENDING)
        )
        for access in stale:
            _revoke(access, by=by, reason="replaced by a new letter")
        letters = [
            _new_access(by=by, student=student, class_group=class_group)
            for student in students
            for _copy in range(copies)
        ]
        audit.record(
            by=by,
            action="portal.letters_issue",
            obj=class_group,
            school_id=class_group.school_id,
            changes={"issued": [None, [x.access.pk for x in letters]], "replaced": [None, [a.pk for a in stale]]},
        )
    return letters


def issue_letter(*, by: User, student: Student) -> Letter:
    """One more letter for ``student`` (another guardian, or a lost letter); other letters stay valid."""
    if not can_manage_access(by, student):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    with transaction.atomic():
        letter = _new_access(by=by, student=student)
        audit.record(by=by, action="portal.letter_issue", obj=letter.access, school_id=student.school_id)
    return letter


def revoke_access(*, by: User, access: GuardianAccess, reason: str = "") -> GuardianAccess:
    """End a guardian's access (or cancel an unused letter) at once."""
    if not can_manage_access(by, access.student):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    with transaction.atomic():
        locked = GuardianAccess.objects.select_for_update().get(pk=access.pk)
        if locked.state == GuardianAccess.State.REVOKED:
            raise Conflict(_("This access is already revoked."), code="access_revoked")
        before = locked.state
        _revoke(locked, by=by, reason=collapse_spaces(reason))
        audit.record(
            by=by,
            action="portal.access_revoke",
            obj=locked,
            school_id=locked.student.school_id,
            changes={"state": [before, locked.state], "guardian": [None, locked.user_id], "reason": [None, reason]},
        )
    return locked


# --- activation (family side) ------------------------------------------------------------------


def _refusal_reason(access: GuardianAccess | None, date_of_birth: dt.date | None) -> str | None:
    """Why a letter cannot be activated with this birth date (kept in the audit log, never shown)."""
    if access is None:
        return "code_unknown"
    if date_of_birth is None or access.student.date_of_birth != date_of_birth:
        return "birth_date"
    if access.state == GuardianAccess.State.ACTIVE:
        return "used"
    if access.state == GuardianAccess.State.REVOKED:
        return "revoked"
    if not access.usable_on(clock.today()):
        return "expired"
    return None


def _account_errors(username: str, password: str) -> list[DomainError]:
    errors: list[DomainError] = []
    if not USERNAME_RE.match(username):
        errors.append(
            ValidationFailed(
                _("Use 3 to 40 lower-case letters without accents, digits, dots, dashes or underscores."),
                code="username_invalid",
                field="username",
            )
        )
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(
            ValidationFailed(_("This login name is taken; choose another."), code="username_taken", field="username")
        )
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        errors.append(ValidationFailed(" ".join(exc.messages), code="password_weak", field="password"))
    return errors


def activate(
    *,
    by: User | AnonymousUser | None,
    code: str,
    date_of_birth: dt.date | None,
    username: str = "",
    password: str = "",
    display_name: str = "",
    client: str,
) -> GuardianAccess:
    """Turn a letter into a guardian's access.

    ``code`` and the child's ``date_of_birth`` must match a pending, unexpired letter; every other
    case gives the same ``activation_refused`` (audited with the real reason), counted per code
    and per ``client`` address (``portal/throttle.py``) — past the limit ``too_many_attempts``. A
    guardian already signed in (``by`` without a staff profile) adds the child to their login;
    anyone else creates a login with ``username`` and ``password`` (Django's validators).
    """
    normalised = codes.normalise(code)
    subjects = throttle.activation_subjects(normalised or code.strip().upper()[:64], client)
    if throttle.locked(*subjects):  # not audited again: the lockout was, when it was set
        raise TooManyAttempts(TOO_MANY)
    access = None
    if normalised:
        access = GuardianAccess.objects.select_related("student").filter(code_hash=codes.code_hash(normalised)).first()
    reason = _refusal_reason(access, date_of_birth)
    if reason is not None:
        newly_locked = throttle.failed(*subjects)
        audit.record(
            by=None,
            action="portal.activation_failed",
            object_type="portal.guardianaccess",
            object_id=access.pk if access else "",
            school_id=access.student.school_id if access else None,
            changes={"reason": [None, reason]},
        )
        for subject in newly_locked:
            audit.record(
                by=None,
                action="portal.activation_locked",
                object_type="portal.guardianaccess",
                changes={"locked": [None, subject.limit.name]},
            )
        raise ActivationRefused(NEUTRAL_REFUSAL)
    assert access is not None
    guardian = by if isinstance(by, User) and staff_of(by) is None else None
    adding_child = guardian is not None
    username = username.strip().lower()
    if not adding_child:
        errors = _account_errors(username, password)
        if errors:
            raise InvalidInput(errors)
    with transaction.atomic():
        locked = GuardianAccess.objects.select_for_update().select_related("student").get(pk=access.pk)
        if locked.state != GuardianAccess.State.PENDING:  # activated or revoked meanwhile
            raise ActivationRefused(NEUTRAL_REFUSAL)
        if guardian is not None:
            user = guardian
            if GuardianAccess.objects.filter(
                user=user, student=locked.student, state=GuardianAccess.State.ACTIVE
            ).exists():
                raise Conflict(_("You already see this child's record."), code="already_guardian")
        else:
            user = User.objects.create_user(
                username=username, password=password, display_name=collapse_spaces(display_name)[:150]
            )
        ACCESS_MOVES.move(locked, GuardianAccess.State.ACTIVE)
        locked.user = user
        locked.activated_at = clock.now()
        locked.save(update_fields=["state", "user", "activated_at"])
        audit.record(
            by=user,
            action="portal.activate",
            obj=locked,
            school_id=locked.student.school_id,
            changes={"state": [GuardianAccess.State.PENDING, GuardianAccess.State.ACTIVE], "guardian": [None, user.pk]},
        )
    throttle.succeeded(subjects[0])
    return locked


# --- share links (family side) -----------------------------------------------------------------


def shareable_years(student: Student) -> list[SchoolYear]:
    """School years of ``student`` with an issued record version (what a link may show)."""
    from hocbaso.portal import family

    return [entry.school_year for entry in family.current_issued(student)]


def create_share(
    *,
    by: User,
    student: Student,
    school_years: Sequence[SchoolYear],
    days: int = DEFAULT_SHARE_DAYS,
    pin: str = "",
    label: str = "",
) -> tuple[ShareLink, str]:
    """A link to the chosen years of ``student``'s record; returns it with its token (shown once).

    Only a guardian of the child; at least one year, each with an issued version
    (``share_no_year``, ``share_year_not_issued``); 1 to 365 days (``share_days``); an optional
    PIN of 4 to 8 digits (``share_pin_format``), stored as a password hash.
    """
    if not children_of(by).filter(pk=student.pk).exists():
        raise PermissionRefused(_("You are not a guardian of this child."), code="not_guardian")
    errors: list[DomainError] = []
    allowed = {year.pk for year in shareable_years(student)}
    chosen = list({year.pk: year for year in school_years}.values())
    if not chosen:
        errors.append(ValidationFailed(_("Choose at least one school year."), code="share_no_year", field="years"))
    elif any(year.pk not in allowed for year in chosen):
        errors.append(
            ValidationFailed(
                _("Only school years with an issued record can be shared."), code="share_year_not_issued", field="years"
            )
        )
    if not isinstance(days, int) or not 1 <= days <= MAX_SHARE_DAYS:
        errors.append(
            ValidationFailed(
                _("A link lasts from 1 to %(max)d days.") % {"max": MAX_SHARE_DAYS}, code="share_days", field="days"
            )
        )
    if pin and not PIN_RE.match(pin):
        errors.append(ValidationFailed(_("A PIN is 4 to 8 digits."), code="share_pin_format", field="pin"))
    label = collapse_spaces(label)
    if len(label) > 150:
        errors.append(ValidationFailed(_("At most 150 characters."), code="share_label_long", field="label"))
    if errors:
        raise InvalidInput(errors)
    token = codes.new_share_token()
    now = clock.now()
    with transaction.atomic():
        link = ShareLink.objects.create(
            student=student,
            token_hash=codes.token_hash(token),
            label=label,
            pin_hash=make_password(pin) if pin else "",
            created_by=by,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        link.school_years.set(chosen)
        audit.record(
            by=by,
            action="portal.share_create",
            obj=link,
            school_id=student.school_id,
            changes={
                "years": [None, sorted(year.code for year in chosen)],
                "expires_at": [None, link.expires_at],
                "pin": [None, bool(pin)],
            },
        )
    return link, token


def revoke_share(*, by: User, link: ShareLink) -> ShareLink:
    """Close a link at once (any guardian of the child)."""
    if not visible_shares(by).filter(pk=link.pk).exists():
        raise PermissionRefused(_("You are not a guardian of this child."), code="not_guardian")
    with transaction.atomic():
        locked = ShareLink.objects.select_for_update().get(pk=link.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This link is already revoked."), code="share_revoked")
        locked.revoked_at = clock.now()
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            by=by,
            action="portal.share_revoke",
            obj=locked,
            school_id=locked.student.school_id,
            changes={"revoked_at": [None, locked.revoked_at]},
        )
    return locked


def link_for_token(token: str) -> ShareLink:
    """The link of ``token`` whatever its state, or ``NotFound`` (``share_unknown``)."""
    link = ShareLink.objects.select_related("student").filter(token_hash=codes.token_hash(token)).first()
    if link is None:
        raise NotFound(_("This link does not exist. Check that it was copied whole."), code="share_unknown")
    return link


def ensure_open(link: ShareLink) -> None:
    """Raise ``ShareClosed`` for a revoked or expired link (checked on every request)."""
    state = link.state_at(clock.now())
    if state == "revoked":
        raise ShareClosed(_("The family has revoked this link."), code="share_revoked")
    if state == "expired":
        raise ShareClosed(_("This link has expired."), code="share_expired")


def open_share(*, by: User | AnonymousUser | None, link: ShareLink, viewer: str, pin: str = "") -> ShareOpening:
    """Record an opening of ``link`` by ``viewer`` (the name the visitor gives), after its PIN if it has one.

    A closed link refuses (audited ``portal.share_refused``); a wrong PIN is ``share_pin_wrong``
    (audited), five per 15 minutes per link, then ``too_many_attempts``.
    """
    try:
        ensure_open(link)
    except ShareClosed as exc:
        audit.record(
            by=by, action="portal.share_refused", obj=link, school_id=link.student.school_id,
            changes={"reason": [None, exc.code]},
        )  # fmt: skip
        raise
    viewer = collapse_spaces(viewer)
    if not viewer:
        raise ValidationFailed(
            _("Write your name or your organisation's: the family sees who opened the link."),
            code="share_viewer_missing",
            field="viewer",
        )
    if len(viewer) > 150:
        raise ValidationFailed(_("At most 150 characters."), code="share_label_long", field="viewer")
    subject = throttle.pin_subject(link.pk)
    if link.has_pin:
        if throttle.locked(subject):
            raise TooManyAttempts(TOO_MANY)
        if not check_password(pin, link.pin_hash):
            locked_now = throttle.failed(subject)
            audit.record(
                by=by,
                action="portal.share_pin_failed",
                obj=link,
                school_id=link.student.school_id,
                changes={"locked": [None, bool(locked_now)]},
            )
            raise ValidationFailed(_("The PIN is not right."), code="share_pin_wrong", field="pin")
        throttle.succeeded(subject)
    with transaction.atomic():
        opening = ShareOpening.objects.create(link=link, at=clock.now(), viewer=viewer)
        audit.record(
            by=by,
            action="portal.share_open",
            obj=link,
            school_id=link.student.school_id,
            changes={"viewer": [None, viewer]},
        )
    return opening


# --- consent (family side) ---------------------------------------------------------------------


def answer_consent(*, by: User, consent: ConsentRequest, accepted: bool, note: str = "") -> ConsentRequest:
    """A guardian of the child accepts or refuses a school's request (recorded by the directory)."""
    if not visible_consents(by).filter(pk=consent.pk).exists():
        raise PermissionRefused(_("You are not a guardian of this child."), code="not_guardian")
    return consents.record_family_answer(by=by, consent=consent, accepted=accepted, note=note)


def revoke_consent(*, by: User, consent: ConsentRequest) -> ConsentRequest:
    """A guardian of the child revokes a consent the family gave (recorded by the directory)."""
    if not visible_consents(by).filter(pk=consent.pk).exists():
        raise PermissionRefused(_("You are not a guardian of this child."), code="not_guardian")
    return consents.revoke_family_consent(by=by, consent=consent)
