"""Models of the digitisation of paper books (số hóa học bạ giấy, docs/digitising.md).

A ``DigitisedBook`` is one school year's page of one pupil's paper học bạ brought into the system:
the scan (stored content-addressed as a PDF/A), what the paper page prints (book number, pages,
signers, the original's date), the clerk's transcription of the year, and the comparison of scan
and transcription by a second person. Once compared it is frozen into a ``RecordVersion`` of
origin ``digitised`` that the school seal certifies (the conversion certification). Imported by
``records.models`` (Django finds models there).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import RUN_MOVES, Transitions
from hocbaso.directory.models import ClassGroup, School, SchoolYear, Student


class BookState(models.TextChoices):
    SCANNED = "scanned", _("Scanned")
    TRANSCRIBED = "transcribed", _("Transcribed")
    FROZEN = "frozen", _("Compared, awaiting the school seal")


BOOK_TRANSITIONS: dict[str, set[str]] = {
    BookState.SCANNED: {BookState.TRANSCRIBED},
    BookState.TRANSCRIBED: {BookState.TRANSCRIBED, BookState.FROZEN},
    BookState.FROZEN: set(),
}
BOOK_MOVES = Transitions.of(
    BookState,
    BOOK_TRANSITIONS,
    code="digitised_book_state",
    message=_("This paper book is “%(state)s”; it can no longer be changed."),
)


class DigitisedBook(models.Model):
    """One year page of a pupil's paper book, from its scan to its certified digitised copy."""

    METADATA_FIELDS: ClassVar[tuple[str, ...]] = (
        "book_number",
        "original_pages",
        "original_date",
        "printed_homeroom",
        "printed_principal",
        "printed_principal_title",
    )

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="digitised_books")
    state = models.CharField(max_length=12, choices=BookState.choices, default=BookState.SCANNED)
    # as the paper book prints them
    book_number = models.CharField(max_length=40)
    original_pages = models.CharField(max_length=40, help_text="The pages of the paper book the scan shows.")
    original_date = models.DateField(help_text="The date written under the year's results on paper.")
    printed_homeroom = models.CharField(max_length=200)
    printed_principal = models.CharField(max_length=200)
    printed_principal_title = models.CharField(max_length=60, default="Hiệu trưởng")
    # the scan, converted to PDF/A and stored content-addressed
    scan_name = models.CharField(max_length=200)
    scan_sha256 = models.CharField(max_length=64)
    scan_pages = models.PositiveSmallIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    # the transcription: the year section of the record data (records.xml), as typed by the clerk
    transcription = models.JSONField(null=True, blank=True)
    transcribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transcribed_at = models.DateTimeField(null=True, blank=True)
    # the comparison of scan and transcription by someone else
    compared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compared_at = models.DateTimeField(null=True, blank=True)
    version = models.OneToOneField(
        "records.RecordVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="digitised_book"
    )
    run = models.ForeignKey(
        "records.DigitisationRun", null=True, blank=True, on_delete=models.PROTECT, related_name="books"
    )

    class Meta:
        ordering = ["class_group__name", "student__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="one_digitised_book_per_year"),
            models.CheckConstraint(
                condition=Q(transcribed_by__isnull=True, transcribed_at__isnull=True)
                | Q(transcribed_by__isnull=False, transcribed_at__isnull=False),
                name="digitised_transcription_paired",
            ),
            models.CheckConstraint(
                condition=Q(compared_by__isnull=True, compared_at__isnull=True)
                | Q(compared_by__isnull=False, compared_at__isnull=False),
                name="digitised_comparison_paired",
            ),
            # separation of duties: the person who compares never transcribed
            models.CheckConstraint(
                condition=Q(compared_by__isnull=True) | ~Q(compared_by=F("transcribed_by")),
                name="digitised_comparer_not_transcriber",
            ),
            models.CheckConstraint(
                condition=~Q(state="frozen") | Q(version__isnull=False, compared_by__isnull=False),
                name="digitised_frozen_has_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.book_number} {self.school_year_id}"

    def transition_to(self, state: str) -> None:
        """Move to ``state`` if ``BOOK_TRANSITIONS`` allows it (the caller saves)."""
        BOOK_MOVES.move(self, state)


class DigitisationRun(models.Model):
    """A batch of a school's paper books (a cohort) whose scans are converted in the background.

    ``items`` are the books to create (metadata and the uploaded scan's storage name); progress
    (``done``/``total``) and every refused item with its reason are stored, so the page and the
    CLI show them and a rerun resumes with the items not yet done.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    items = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.school} {self.done}/{self.total}"


DIGITISATION_RUN_MOVES = Transitions.of(DigitisationRun.State, RUN_MOVES, code="digitisation_run_state")
