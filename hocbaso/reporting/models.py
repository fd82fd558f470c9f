"""Periodic reports generated in the background: which figures, for whom, and the stored files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import RUN_MOVES, Transitions
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear


class ReportRun(models.Model):
    """One periodic report (a school's year-end summary by grade, or a unit's roll-up), built by a
    background task into an .xlsx and a PDF; ``done``/``total`` are its steps, for the progress page.

    A report of a unit names the unit; a school's summary names the school — never both.
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

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="unit_rollup", unit__isnull=False, school__isnull=True))
                | (Q(kind="school_summary", school__isnull=False, unit__isnull=True)),
                name="report_run_names_unit_or_school",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id or self.school_id} {self.school_year_id}: {self.done}/{self.total}"

    @property
    def subject_name(self) -> str:
        subject = self.unit if self.unit_id else self.school
        return subject.name if subject is not None else ""


REPORT_RUN_MOVES = Transitions.of(ReportRun.State, RUN_MOVES, code="report_run_state")
