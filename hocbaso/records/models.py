"""Records (học bạ) and their versions.

A ``Record`` is one per student per school level, with an immutable public identifier. A
``RecordVersion`` is the signed document of one school year: its canonical XML (the source),
the PDF rendered from it, numbered per record, moving through one transition table. Once a
version leaves ``draft`` its content fields never change (``save`` refuses it); signatures
only append to the PDF, recorded in ``signed_pdf_*``.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import Conflict
from hocbaso.core.transitions import RUN_MOVES, Transitions
from hocbaso.directory.models import ClassGroup, School, SchoolYear, Student


class Level(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")


class Record(models.Model):
    """A student's học bạ for one school level."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="records")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.PRIMARY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "level"], name="one_record_per_level")]

    def __str__(self) -> str:
        return str(self.public_id)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FROZEN = "frozen", _("Awaiting signatures")
    SIGNED_HOMEROOM = "signed_homeroom", _("Signed by the homeroom teacher")
    SIGNED_PRINCIPAL = "signed_principal", _("Signed by the principal")
    ISSUED = "issued", _("Issued")
    SUPERSEDED = "superseded", _("Superseded")
    REVOKED = "revoked", _("Revoked")


TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.FROZEN},
    Status.FROZEN: {Status.SIGNED_HOMEROOM, Status.SUPERSEDED, Status.REVOKED},
    Status.SIGNED_HOMEROOM: {Status.SIGNED_PRINCIPAL, Status.SUPERSEDED, Status.REVOKED},
    Status.SIGNED_PRINCIPAL: {Status.ISSUED, Status.SUPERSEDED, Status.REVOKED},
    Status.ISSUED: {Status.SUPERSEDED, Status.REVOKED},
    Status.SUPERSEDED: set(),
    Status.REVOKED: set(),
}
CURRENT_STATUSES = [Status.FROZEN, Status.SIGNED_HOMEROOM, Status.SIGNED_PRINCIPAL, Status.ISSUED]


class Origin(models.TextChoices):
    """How a version came to be: assembled from the assessments entered in the system (born
    digital), or transcribed from a paper book and certified by the school seal (digitised,
    docs/digitising.md)."""

    DIGITAL = "digital", _("Digital record")
    DIGITISED = "digitised", _("Digitised from a paper book")


# A digitised copy takes one signature, the school seal's conversion certification.
DIGITISED_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.FROZEN},
    Status.SIGNED_HOMEROOM: set(),
    Status.SIGNED_PRINCIPAL: set(),
    Status.FROZEN: {Status.ISSUED, Status.SUPERSEDED, Status.REVOKED},
    Status.ISSUED: {Status.SUPERSEDED, Status.REVOKED},
    Status.SUPERSEDED: set(),
    Status.REVOKED: set(),
}
_VERSION_REFUSED = _("A version that is %(current)s cannot become %(target)s.")
VERSION_MOVES = Transitions.of(Status, TRANSITIONS, code="status_transition", message=_VERSION_REFUSED)
DIGITISED_VERSION_MOVES = Transitions.of(
    Status, DIGITISED_TRANSITIONS, code="status_transition", message=_VERSION_REFUSED
)


class RecordVersion(models.Model):
    """One school year's document of a record. Content is frozen once it leaves draft."""

    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = (
        "record_id",
        "school_year_id",
        "class_group_id",
        "school_id",
        "number",
        "issuance_code",
        "xml_name",
        "xml_sha256",
        "pdf_name",
        "pdf_sha256",
        "previous_sha256",
        "supersedes_id",
        "data",
        "assembled_at",
        "assembled_by_id",
        "origin",
    )

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="versions")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="record_versions")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="record_versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    issuance_code = models.CharField(max_length=32, unique=True)
    data = models.JSONField(help_text="The record data the XML was built from (for display and search).")
    xml_name = models.CharField(max_length=200)
    xml_sha256 = models.CharField(max_length=64)
    pdf_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF as rendered, before any signature.")
    signed_pdf_name = models.CharField(max_length=200, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_xml_name = models.CharField(max_length=200, blank=True)
    signed_xml_sha256 = models.CharField(max_length=64, blank=True)
    previous_sha256 = models.CharField(
        max_length=64, blank=True, help_text="XML hash of the previous year's current version."
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    status_reason = models.TextField(blank=True)
    assembled_at = models.DateTimeField()
    assembled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.DIGITAL)

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["record", "school_year"],
                condition=Q(status__in=["frozen", "signed_homeroom", "signed_principal", "issued"]),
                name="one_current_version_per_year",
            ),
        ]
        # the reporting counts of a year's versions per school and status (ADR 0017)
        indexes = [models.Index(fields=["school_year", "school", "status"], name="version_year_school_status")]

    def __str__(self) -> str:
        return f"{self.issuance_code} v{self.number}"

    @property
    def is_digitised(self) -> bool:
        return self.origin == Origin.DIGITISED

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES

    def transition_to(self, status: str, *, reason: str = "") -> None:
        """Move to ``status`` if the transition table of the version's origin allows it (the caller saves)."""
        moves = DIGITISED_VERSION_MOVES if self.origin == Origin.DIGITISED else VERSION_MOVES
        moves.move(self, status, attribute="status")
        from hocbaso.core import clock

        self.status_changed_at = clock.now()
        if reason:
            self.status_reason = reason

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse any change to content fields once the stored row has left draft.

        A save whose ``update_fields`` names no content field (a status move, the signed files)
        cannot change one, so the stored row is not read back for it.
        """
        if self.pk is not None and self._may_write_content(kwargs.get("update_fields")):
            stored = RecordVersion.objects.filter(pk=self.pk).values(*self.CONTENT_FIELDS, "status").first()
            if stored is not None and stored["status"] != Status.DRAFT:
                changed = [name for name in self.CONTENT_FIELDS if stored[name] != getattr(self, name)]
                if changed:
                    raise Conflict(
                        _("A frozen record version cannot be edited (%(fields)s); request a correction instead.")
                        % {"fields": ", ".join(changed)},
                        code="version_frozen",
                    )
        super().save(*args, **kwargs)

    def _may_write_content(self, update_fields: Any) -> bool:
        """Whether a save with ``update_fields`` (None: every field) may write a content field."""
        if update_fields is None:
            return True
        attnames = {field.name: field.attname for field in self._meta.concrete_fields}
        written = {attnames.get(name, name) for name in update_fields}  # a field's name or its attname
        return not written.isdisjoint(self.CONTENT_FIELDS)


class AssemblyRun(models.Model):
    """A bulk freeze-and-render of a class or a school, run as a background task.

    Progress (``done``/``total``) and every skipped student with its reason are stored, so the
    web page and the CLI can show them and an interrupted run resumes where it stopped.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    frozen = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.school} {self.school_year}: {self.done}/{self.total}"


ASSEMBLY_RUN_MOVES = Transitions.of(AssemblyRun.State, RUN_MOVES, code="assembly_run_state")


class CorrectionRequest(models.Model):
    """A request to correct a record version (TT27: the homeroom teacher or clerk asks, the principal decides).

    Approval assembles a new version from the corrected data which supersedes ``version``; the
    request keeps the link to that new version. At most one request per version is pending.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    version = models.ForeignKey(RecordVersion, on_delete=models.PROTECT, related_name="correction_requests")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    new_version = models.OneToOneField(
        RecordVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="correction_source"
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"], condition=Q(state="pending"), name="one_pending_correction_per_version"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="correction_decision_paired",
            ),
            models.CheckConstraint(
                condition=Q(new_version__isnull=True) | Q(state="approved"), name="correction_new_version_if_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.state})"


CORRECTION_MOVES = Transitions.of(
    CorrectionRequest.State,
    {
        CorrectionRequest.State.PENDING: {CorrectionRequest.State.APPROVED, CorrectionRequest.State.REJECTED},
        CorrectionRequest.State.APPROVED: set(),
        CorrectionRequest.State.REJECTED: set(),
    },
    code="correction_state",
)


class PaperBook(models.Model):
    """That a student's paper book (sổ học bạ giấy) was signed by hand and stamped for a school-year
    kept on paper (docs/paper-and-digitising.md, *Paper mode*).

    One row per student and year, written by ``records.actions.record_paper_books`` (the school's
    clerk or principal, audited): the book's number, who signed as printed on the page (homeroom
    teacher, principal with the title printed), the signing day (never in the future). A later
    change of the row needs a reason, kept here and in the audit trail.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="paper_books")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="paper_books")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="paper_books")
    book_number = models.CharField(_("book number"), max_length=40)
    homeroom_name = models.CharField(_("homeroom teacher (as printed)"), max_length=200)
    principal_name = models.CharField(_("principal (as printed)"), max_length=200)
    principal_title = models.CharField(_("principal's title (as printed)"), max_length=100)
    signed_on = models.DateField(_("signed and stamped on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    change_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["school_year", "class_group", "book_number"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="one_paper_book_per_student_year"),
            models.CheckConstraint(condition=~Q(book_number=""), name="paper_book_number_present"),
        ]

    def __str__(self) -> str:
        return f"{self.book_number} ({self.school_year_id})"


# The digitisation of paper books (docs/digitising.md) keeps its models in their own module.
from hocbaso.records.digitising_models import DigitisationRun, DigitisedBook  # noqa: E402, F401
