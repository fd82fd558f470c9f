"""Periodic reports generated in the background: which figures, for whom, and the stored files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import RUN_MOVES, Transitions
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear
from hocbaso.signing.models import SigningCredential


class ReportRun(models.Model):
    """One periodic report (a school's year-end summary by grade, or a unit's roll-up), built by a
    background task into an .xlsx and a PDF; ``done``/``total`` are its steps, for the progress page.

    A report of a unit names the unit; a school's summary names the school — never both.

    A unit's roll-up asked by an officer of that very unit, or a school's summary asked by who
    holds its school seal, with the seal's password, is sealed by the task (``sealing``):
    ``seal_credential`` and ``sealed_by`` name the seal (the unit's, the school's) and who applied
    it, the PDF then carries a PAdES signature and ``seal_name`` is the detached XAdES seal over
    the .xlsx's SHA-256 (docs/reporting.md). ``sealed_at`` is set once both are stored.
    """

    class Kind(models.TextChoices):
        SCHOOL_SUMMARY = "school_summary", _("School year-end summary by grade")
        UNIT_ROLLUP = "unit_rollup", _("Unit roll-up")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    point = models.CharField(max_length=10)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    xlsx_name = models.CharField(max_length=200, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    pdf_name = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    seal_credential = models.ForeignKey(
        SigningCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_fingerprint = models.CharField(max_length=64, blank=True)
    seal_subject = models.CharField(max_length=300, blank=True)
    seal_name = models.CharField(max_length=200, blank=True)
    seal_sha256 = models.CharField(max_length=64, blank=True)
    # The form's one-time key: a second submission of the same form (a double click, a reload)
    # finds this run instead of starting another (``actions.start_report``).
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="unit_rollup", unit__isnull=False, school__isnull=True))
                | (Q(kind="school_summary", school__isnull=False, unit__isnull=True)),
                name="report_run_names_unit_or_school",
            ),
            models.CheckConstraint(
                condition=Q(seal_credential__isnull=True, sealed_by__isnull=True)
                | Q(seal_credential__isnull=False, sealed_by__isnull=False),
                name="report_run_seal_names_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id or self.school_id} {self.school_year_id}: {self.done}/{self.total}"

    @property
    def subject(self) -> AdministrativeUnit | School | None:
        """The unit of a roll-up, the school of a summary."""
        return self.unit if self.unit_id else self.school

    @property
    def subject_name(self) -> str:
        subject = self.subject
        return subject.name if subject is not None else ""


class PendingAuthorisation(models.Model):
    """A seal's password or PIN handed to a background task (a report to seal, a Ministry batch to
    prepare), encrypted with ``signing.authorisations.seal`` (Fernet, key derived from SECRET_KEY, short
    TTL). A row of its own so that it is *deleted*, not blanked, once the task took it or failed
    (``reporting.authorisations``). Never shown, never logged."""

    purpose = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    sealed = models.TextField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "object_id"], name="pending_authorisation_once")]

    def __str__(self) -> str:
        return f"authorisation for {self.purpose} {self.object_id}"


class CellCount(models.Model):
    """How many cells of one item at one point are filled in one class: ``rated`` (a rating
    entered) and ``scored`` (a test score entered) — the summary the dashboards add up instead of
    reading every assessment cell of a province (ADR 0017).

    Never written by Python: database triggers on ``assessments_assessmententry`` (migration
    ``0003_cell_counts``) keep it, in the same transaction as every insert, update and delete of a
    cell, whichever code path (grid, import, bulk load, COPY) wrote it.
    """

    class_group = models.ForeignKey("directory.ClassGroup", on_delete=models.CASCADE, related_name="+")
    point = models.CharField(max_length=10)
    item_kind = models.CharField(max_length=12)
    item_code = models.CharField(max_length=40)
    rated = models.IntegerField(default=0)
    scored = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["class_group", "point", "item_kind", "item_code"], name="one_cell_count_per_class_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.class_group_id} {self.point} {self.item_kind}:{self.item_code} {self.rated}/{self.scored}"


class VersionCount(models.Model):
    """How many record versions of one school and school year are in one status — the summary the
    dashboards add up instead of reading a province's versions (ADR 0019).

    Never written by Python: database triggers on ``records_recordversion`` (migration
    ``0004_version_counts_backlog_days``) keep it in the same transaction as every insert, update
    and delete of a version, whichever code path wrote it.
    """

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey("directory.SchoolYear", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    versions = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_year", "school", "status"], name="one_version_count_per_status")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id} {self.status}: {self.versions}"


class BacklogDay(models.Model):
    """How the signing backlog of one school and school year changed on one day (in the project's
    time zone): ``change`` is + the versions frozen that day − the versions sealed by the school
    that day − the versions withdrawn (superseded or revoked) unsealed that day; ``events`` is how
    many of those there were (a day without any is left out of the series, as before).

    Kept by database triggers on ``records_recordversion`` and ``signing_signatureevent`` (migration
    ``0004_version_counts_backlog_days``, ADR 0019); never written by Python.
    """

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey("directory.SchoolYear", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    change = models.IntegerField(default=0)
    events = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_year", "school", "day"], name="one_backlog_day_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id} {self.day}: {self.change:+d}"


class EnrolmentCount(models.Model):
    """How many enrolments of one class are open (no end date) — its pupils who never left, the
    part of the dashboards' pupil count that does not depend on the day (ADR 0021). The enrolments
    that ended on or after the day asked (few) are read from the enrolments themselves.

    Never written by Python: database triggers on ``directory_enrolment`` (migration
    ``0005_pupil_result_correction_counts``) keep it in the same transaction as every write.
    """

    class_group = models.OneToOneField("directory.ClassGroup", on_delete=models.CASCADE, related_name="+")
    enrolments = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.class_group_id}: {self.enrolments}"


class ResultCount(models.Model):
    """How many pupils of one class have one year result (``result`` never empty) and an open
    enrolment in that class: the pairs (open enrolment, year page with that result) of the same
    pupil and class (ADR 0021). One open enrolment per pupil and year makes a pair a pupil.

    Kept by database triggers on ``directory_enrolment`` and ``assessments_studentyear``
    (migration ``0005_pupil_result_correction_counts``); never written by Python.
    """

    class_group = models.ForeignKey("directory.ClassGroup", on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=16)
    pupils = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["class_group", "result"], name="one_result_count_per_class")]

    def __str__(self) -> str:
        return f"{self.class_group_id} {self.result}: {self.pupils}"


class CorrectionCount(models.Model):
    """How many correction requests in one state the versions of one school and school year have
    (ADR 0021): the pairs (request, its version) by the version's school and year.

    Kept by database triggers on ``records_correctionrequest`` and ``records_recordversion`` (a
    version moved to another school takes its requests along; migration
    ``0005_pupil_result_correction_counts``); never written by Python.
    """

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey("directory.SchoolYear", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10)
    requests = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_year", "school", "state"], name="one_correction_count_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id} {self.state}: {self.requests}"


REPORT_RUN_MOVES = Transitions.of(ReportRun.State, RUN_MOVES, code="report_run_state")
