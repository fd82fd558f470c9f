"""The directory: a dated tree of administrative units, schools, years, classes, students,
staff and their appointments (roles with dates).

Validity that the database can hold is in ``Meta.constraints``; rules that need other rows
(overlapping enrolments, a class in another school) are checked in ``actions.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.core.text import hidden_character
from hocbaso.core.transitions import Transitions
from hocbaso.directory.codes import ETHNICITIES, NATIONALITIES


def _dated(prefix: str, start: str = "valid_from", end: str = "valid_to") -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": models.F(start)}),
        name=f"{prefix}_{end}_after_{start}",
        violation_error_message=_("The end date cannot be before the start date."),
    )


class ActiveOnQuerySet(models.QuerySet):
    """Rows whose [valid_from, valid_to] interval contains a date."""

    def active_on(self, day: dt.date | None = None) -> ActiveOnQuerySet:
        day = day or clock.today()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District (until 30/6/2025)")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")


class AdministrativeUnit(models.Model):
    """A node of the dated administrative tree (province → legacy district | commune/ward/zone).

    ``education_office`` names the body that follows education for this unit (Sở GDĐT,
    Phòng GDĐT, UBND xã); the unit itself is what schools link to.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent unit")
    )
    education_office = models.CharField(_("education office"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("merged into"),
        help_text=_("The unit that took this one over when it ended (e.g. Kon Tum into Quảng Ngãi on 1/7/2025)."),
    )

    objects = ActiveOnQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("administrative unit")
        constraints = [_dated("unit")]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> set[int]:
        """This unit and every unit below it, whatever their dates, including the units merged
        into it and theirs (the merged province answers for the old provinces' districts)."""
        found = {self.pk}
        frontier = {self.pk}
        while frontier:
            below = AdministrativeUnit.objects.filter(Q(parent_id__in=frontier) | Q(merged_into_id__in=frontier))
            frontier = set(below.values_list("pk", flat=True)) - found
            found |= frontier
        return found


class School(models.Model):
    """A primary school, identified by the sector database's immutable code."""

    code = models.CharField(_("sector school code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    department_code = models.CharField(
        _("department of education code"), max_length=10, blank=True, help_text=_("Mã Sở GDĐT (masogd).")
    )
    level_code = models.CharField(
        _("school level code"), max_length=4, default="1", help_text=_("Mã cấp học: 1 = tiểu học.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")

    def __str__(self) -> str:
        return self.name

    def address_on(self, day: dt.date) -> str:
        """The address true on ``day``: the dated address covering it, else ``address``."""
        dated = self.addresses.active_on(day).order_by("-valid_from").first()
        return dated.address if dated is not None else self.address

    def managing_units(self, day: dt.date | None = None) -> list[AdministrativeUnit]:
        """The units this school was attached to on ``day`` (today by default)."""
        links = self.unit_links.active_on(day).select_related("unit")
        return [link.unit for link in links]


class SchoolUnitLink(models.Model):
    """A dated attachment of a school to a managing unit (a district until 6/2025, a commune after)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="school_links")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ActiveOnQuerySet.as_manager()

    class Meta:
        constraints = [_dated("school_unit_link")]

    def __str__(self) -> str:
        return f"{self.school} → {self.unit} ({self.valid_from}–{self.valid_to or ''})"


class SchoolAddress(models.Model):
    """A school's address over a period: the 2025 reform renamed communes and removed districts,
    so a record assembled before 1/7/2025 keeps the address written then."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(_("address"), max_length=300)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ActiveOnQuerySet.as_manager()

    class Meta:
        constraints = [_dated("school_address")]

    def __str__(self) -> str:
        return f"{self.address} ({self.valid_from}–{self.valid_to or ''})"


class SchoolYear(models.Model):
    """A school year with the dates of its four periodic points and their entry deadlines."""

    code = models.CharField(_("school year"), max_length=9, unique=True, help_text="2024-2025")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    mid_term1_date = models.DateField(_("mid-semester I (GHK1)"))
    end_term1_date = models.DateField(_("end of semester I (CHK1)"))
    mid_term2_date = models.DateField(_("mid-semester II (GHK2)"))
    year_end_date = models.DateField(_("end of year (CN)"))
    mid_term1_deadline = models.DateField(_("GHK1 entry deadline"))
    end_term1_deadline = models.DateField(_("CHK1 entry deadline"))
    mid_term2_deadline = models.DateField(_("GHK2 entry deadline"))
    year_end_deadline = models.DateField(_("CN entry deadline"))

    class Meta:
        ordering = ["-code"]
        verbose_name = _("school year")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="school_year_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(condition=Q(code__regex=r"^\d{4}-\d{4}$"), name="school_year_code_format"),
        ]

    def __str__(self) -> str:
        return self.code

    def contains(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class SchoolYearSetting(models.Model):
    """Per school and year settings; ``paper_mode`` means the school keeps paper records that year.

    Paper mode is set (and unset) only by ``signing.actions.set_paper_mode`` (the unit officer over
    the school, with a reason, audited; refused once anything of the school-year is signed); the
    last change's reason, author and time are kept here, every change in the audit trail.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_settings")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    paper_mode = models.BooleanField(_("paper records"), default=False)
    paper_mode_reason = models.TextField(_("reason for the paper mode change"), blank=True)
    paper_mode_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paper_mode_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "school_year"], name="one_setting_per_school_year")]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year}"


class ClassGroup(models.Model):
    """A class (lớp) of one grade in one school and year, e.g. 3A of 2025-2026."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("class name"), max_length=20)

    class Meta:
        ordering = ["school_year", "grade", "name"]
        verbose_name = _("class")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="class_name_unique_in_school_year"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year.code})"


class Gender(models.IntegerChoices):
    """QCVN 109:2017/BTTTT codes."""

    UNKNOWN = 0, _("Unknown")
    MALE = 1, _("Male")
    FEMALE = 2, _("Female")


def name_error(value: str | None) -> ValidationError | None:
    """The refusal of a name holding a control, bidirectional or zero-width character (core.text)."""
    found = hidden_character(value)
    if found is None:
        return None
    return ValidationError(
        _("The name contains an invisible or control character (%(char)s); type the name again."),
        code="name_hidden_character",
        params={"char": found},
    )


def name_errors(instance: models.Model, fields: tuple[str, ...]) -> dict[str, ValidationError]:
    return {name: error for name in fields if (error := name_error(getattr(instance, name))) is not None}


NAME_FIELDS = ("full_name", "father_name", "mother_name", "guardian_name")


class Student(models.Model):
    """A learner. ``school`` is the school that currently holds the record.

    ``id_warnings`` stores the personal-ID consistency warnings (never blocking) as
    ``[{"code", "message"}]``, recomputed whenever the ID, gender or birth date changes.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school"))
    full_name = models.CharField(_("full name"), max_length=150)
    gender = models.PositiveSmallIntegerField(_("gender"), choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"))
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, default="Kinh")
    nationality = models.CharField(_("nationality"), max_length=50, default="Việt Nam")
    hometown = models.CharField(_("hometown"), max_length=200, blank=True)
    residence = models.CharField(_("current residence"), max_length=300, blank=True)
    father_name = models.CharField(_("father's full name"), max_length=150, blank=True)
    mother_name = models.CharField(_("mother's full name"), max_length=150, blank=True)
    guardian_name = models.CharField(_("guardian's full name"), max_length=150, blank=True)
    personal_id = models.CharField(_("personal ID"), max_length=12, blank=True)
    sector_code = models.CharField(_("sector student code"), max_length=30, blank=True)
    ethnicity_code = models.CharField(
        _("ethnicity code"), max_length=2, blank=True, choices=[(c, f"{c} {n}") for c, n in ETHNICITIES.items()]
    )
    nationality_code = models.CharField(
        _("nationality code"), max_length=2, default="VN", blank=True, choices=list(NATIONALITIES.items())
    )
    policy_beneficiary = models.CharField(
        _("policy beneficiary"),
        max_length=200,
        blank=True,
        help_text=_("Đối tượng chính sách (e.g. con thương binh, hộ nghèo); empty when none."),
    )
    disability = models.CharField(
        _("disability"), max_length=200, blank=True, help_text=_("Kind of disability; empty when none.")
    )
    individual_plan = models.BooleanField(
        _("assessed on an individual education plan"),
        default=False,
        help_text=_("Students with disabilities assessed on an individual plan are not classified automatically."),
    )
    id_warnings = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("student")
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~Q(personal_id=""),
                name="student_personal_id_unique",
                violation_error_message=_("Another student already has this personal ID."),
            ),
            models.UniqueConstraint(
                fields=["sector_code"],
                condition=~Q(sector_code=""),
                name="student_sector_code_unique",
                violation_error_message=_("Another student already has this sector code."),
            ),
            models.CheckConstraint(
                condition=Q(personal_id="") | Q(personal_id__regex=r"^\d{12}$"),
                name="student_personal_id_format",
                violation_error_message=_("The personal ID must be exactly 12 digits."),
            ),
            models.CheckConstraint(condition=Q(gender__in=[0, 1, 2]), name="student_gender_code"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors = name_errors(self, NAME_FIELDS)
        if self.date_of_birth and self.date_of_birth > clock.today():
            errors["date_of_birth"] = ValidationError(
                _("The date of birth cannot be in the future."), code="date_of_birth_future"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def given_name(self) -> str:
        """The last word of the full name, by which Vietnamese class lists are sorted."""
        return self.full_name.split()[-1] if self.full_name else ""


class EnrolmentQuerySet(models.QuerySet):
    def members_of(self, class_group: ClassGroup, *, on: dt.date | None = None) -> EnrolmentQuerySet:
        """The class's enrolments, less those of children who left it (transferred out) before
        ``on`` (today by default) — never those that simply ran to the end of the year."""
        day = min(on or clock.today(), class_group.school_year.end_date)
        return self.filter(class_group=class_group).exclude(end_date__lt=day)


class Enrolment(models.Model):
    """A student in a class for a school year; ``register_number`` is the số đăng bộ."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class")
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", editable=False)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    register_number = models.CharField(_("register number"), max_length=30, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["class_group", "student__full_name"]
        verbose_name = _("enrolment")
        constraints = [
            _dated("enrolment", "start_date", "end_date"),
            models.UniqueConstraint(
                fields=["student", "school_year"],
                condition=Q(end_date__isnull=True),
                name="one_open_enrolment_per_student_year",
                violation_error_message=_("This student is already enrolled in a class this school year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.class_group}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.school_year_id = self.class_group.school_year_id
        super().save(*args, **kwargs)


class StaffMember(models.Model):
    """A member of staff (teacher, principal, clerk) or a unit officer, linked to one login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff")
    full_name = models.CharField(_("full name"), max_length=150)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("school")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("staff member")

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors = name_errors(self, ("full_name",))
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    SUBJECT_TEACHER = "subject_teacher", _("Subject teacher")
    HOMEROOM_TEACHER = "homeroom_teacher", _("Homeroom teacher")
    PRINCIPAL = "principal", _("Principal")
    VICE_PRINCIPAL = "vice_principal", _("Vice-principal")
    CLERK = "clerk", _("School clerk")
    UNIT_OFFICER = "unit_officer", _("Officer of an administrative unit")


SCHOOL_ROLES = [Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK]
CLASS_ROLES = [Role.SUBJECT_TEACHER, Role.HOMEROOM_TEACHER]


class Appointment(models.Model):
    """A role held on dates: "homeroom teacher of 3A", "principal of TH Nghĩa Chánh", ….

    ``recorded_at``/``recorded_by`` say when and by whom it was written; ``valid_from`` is never
    before the day recorded except by the operator with ``backdate_reason`` (``actions.appoint``).
    Shape per role (enforced by constraints): class roles name a class (and subject teachers
    a subject code); school roles name a school; unit officers name a unit.
    """

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="appointments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("school")
    )
    class_group = models.ForeignKey(
        ClassGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("class"),
    )
    subject_code = models.CharField(_("subject"), max_length=30, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("administrative unit"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Set by the server when the appointment is written (``actions.appoint``), never from input: the
    # role-at-signing-date proof counts only appointments recorded before the signature.
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now, editable=False, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    backdate_reason = models.TextField(_("reason for starting before the day recorded"), blank=True)

    objects = ActiveOnQuerySet.as_manager()

    class Meta:
        ordering = ["staff", "role", "valid_from"]
        verbose_name = _("appointment")
        constraints = [
            _dated("appointment"),
            models.CheckConstraint(
                name="appointment_shape",
                condition=(
                    Q(role="subject_teacher", class_group__isnull=False, school__isnull=False, unit__isnull=True)
                    & ~Q(subject_code="")
                    | Q(
                        role="homeroom_teacher",
                        class_group__isnull=False,
                        school__isnull=False,
                        unit__isnull=True,
                        subject_code="",
                    )
                    | Q(
                        role__in=["principal", "vice_principal", "clerk"],
                        school__isnull=False,
                        class_group__isnull=True,
                        unit__isnull=True,
                        subject_code="",
                    )
                    | Q(
                        role="unit_officer",
                        unit__isnull=False,
                        school__isnull=True,
                        class_group__isnull=True,
                        subject_code="",
                    )
                ),
                violation_error_message=_("This role needs different details (class, subject, school or unit)."),
            ),
        ]

    def __str__(self) -> str:
        target = self.class_group or self.school or self.unit
        return f"{self.staff} — {self.get_role_display()} {target or ''}"


class ConsentKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer to another school")
    ADMISSION = "admission", _("Admission to lower secondary school")


class ConsentState(models.TextChoices):
    PENDING = "pending", _("Waiting for the family")
    ACCEPTED = "accepted", _("Accepted by the family")
    REFUSED = "refused", _("Refused by the family")
    WITHDRAWN = "withdrawn", _("Withdrawn by the school")
    REVOKED = "revoked", _("Consent revoked by the family")


# A request is answered once (accepted, refused, or withdrawn by the school); a consent given may
# be revoked by the family.
CONSENT_MOVES = Transitions.of(
    ConsentState,
    {
        ConsentState.PENDING: {ConsentState.ACCEPTED, ConsentState.REFUSED, ConsentState.WITHDRAWN},
        ConsentState.ACCEPTED: {ConsentState.REVOKED},
        ConsentState.REFUSED: set(),
        ConsentState.WITHDRAWN: set(),
        ConsentState.REVOKED: set(),
    },
    code="consent_decided",
    message=_("This request has already been answered."),
)


class ConsentRequest(models.Model):
    """A school's request for the family's consent to receive a child's record (transfer, admission).

    It sits in the directory, below both the procedures that ask (``transfers``) and the family
    pages that answer (``portal``), so neither has to import the other. ``reference`` is an opaque
    pointer the asking procedure may keep (e.g. ``"transfer:12"``). Writes go through
    ``directory/consent.py``; a decided request never changes again, except that the family may
    revoke a consent it gave (``revoked``, with ``revoked_at``; what was already sent stays sent).
    """

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="consent_requests", verbose_name=_("student")
    )
    requesting_school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="consent_requests_made", verbose_name=_("requesting school")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    purpose = models.TextField(_("purpose"), blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    state = models.CharField(_("state"), max_length=10, choices=ConsentState.choices, default=ConsentState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("consent request")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "requesting_school", "kind"],
                condition=Q(state="pending"),
                name="one_pending_consent_per_school_kind",
                violation_error_message=_("This school already waits for the family's answer."),
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="consent_decision_paired",
            ),
            models.CheckConstraint(
                condition=Q(state="revoked", revoked_at__isnull=False)
                | (~Q(state="revoked") & Q(revoked_at__isnull=True)),
                name="consent_revocation_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.requesting_school} ({self.kind}, {self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == ConsentState.PENDING


class PriorSchooling(models.Model):
    """A row of the learning history ("Quá trình học tập") from before the child came to this
    system: copied from the records a transfer bundle carried, shown before the enrolments."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="prior_schooling")
    school_year = models.CharField(_("school year"), max_length=9)
    class_name = models.CharField(_("class name"), max_length=20)
    school_name = models.CharField(_("school"), max_length=200)
    register_number = models.CharField(_("register number"), max_length=30, blank=True)
    start_date = models.DateField(_("start date"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["student", "school_year", "start_date"]
        verbose_name = _("earlier schooling")

    def __str__(self) -> str:
        return f"{self.student} {self.school_year} {self.school_name}"
