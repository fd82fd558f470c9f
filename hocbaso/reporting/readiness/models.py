"""Readiness declarations, supervision visits and their follow-ups.

Declarations are append-only: each change is a new ``revision`` (the latest is the school's
declaration; the earlier ones are its history). Visits keep their date and author; a correction of
the findings is a ``VisitCorrection`` row (before, after, reason, who, when) and an audit event,
never a silent edit. Every move of a follow-up is a ``FollowUpEvent``. Writes go through
``actions.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import Transitions
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear
from hocbaso.reporting.readiness.rules import TRANSITIONS, FollowUpState, Move


class Internet(models.TextChoices):
    NONE = "none", _("No internet connection")
    UNSTABLE = "unstable", _("Connected, not stable")
    STABLE = "stable", _("Stable connection")


class Intention(models.TextChoices):
    DIGITAL = "digital", _("Digital records")
    PAPER = "paper", _("Paper records")


class AppendOnly(models.Model):
    """A row written once: saving it again or deleting it is refused (history must stay)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} rows are never deleted")


class ReadinessDeclaration(AppendOnly):
    """A school's conditions for a school year, as its principal (or vice-principal) declared them."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="readiness", verbose_name=_("school"))
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    revision = models.PositiveIntegerField(_("revision"))
    computers = models.PositiveIntegerField(_("computers usable for entering and signing"))
    internet = models.CharField(_("internet connection"), max_length=10, choices=Internet.choices)
    staff_total = models.PositiveIntegerField(_("teachers and managers"))
    certified_staff = models.PositiveIntegerField(_("staff holding a personal signing certificate"))
    trained_staff = models.PositiveIntegerField(_("staff trained in digital records"))
    intention = models.CharField(_("this school year"), max_length=10, choices=Intention.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        ordering = ["school", "school_year", "-revision"]
        verbose_name = _("readiness declaration")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "revision"], name="readiness_one_revision"),
            models.CheckConstraint(
                condition=Q(certified_staff__lte=models.F("staff_total"))
                & Q(trained_staff__lte=models.F("staff_total")),
                name="readiness_staff_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year} #{self.revision}"


class SupervisionVisit(models.Model):
    """A supervision visit (kiểm tra, hỗ trợ) by a unit officer to a school. ``visited_on`` and the
    author never change; ``findings`` change only through ``actions.correct_findings``."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="supervision_visits")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    visited_on = models.DateField(_("date of the visit"))
    findings = models.TextField(_("findings"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-visited_on", "-recorded_at"]
        verbose_name = _("supervision visit")

    def __str__(self) -> str:
        return f"{self.school} {self.visited_on}"


class VisitCorrection(AppendOnly):
    """A correction of a visit's findings: what it said, what it says now, why, who, when."""

    visit = models.ForeignKey(SupervisionVisit, on_delete=models.PROTECT, related_name="corrections")
    findings_before = models.TextField()
    findings_after = models.TextField()
    reason = models.TextField(_("reason for the correction"), max_length=1000)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["corrected_at"]

    def __str__(self) -> str:
        return f"{self.visit} ({self.corrected_at:%d/%m/%Y})"


class FollowUp(models.Model):
    """Something the school is to do after a visit, by ``due_on``; ``state`` moves by ``rules.TRANSITIONS``."""

    visit = models.ForeignKey(SupervisionVisit, on_delete=models.PROTECT, related_name="follow_ups")
    description = models.TextField(_("follow-up"), max_length=1000)
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"),
        max_length=10,
        default=FollowUpState.OPEN,
        choices=[
            (FollowUpState.OPEN, _("Not done yet")),
            (FollowUpState.DONE, _("Done, waiting for the officer")),
            (FollowUpState.CONFIRMED, _("Done, confirmed")),
        ],
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up")

    def __str__(self) -> str:
        return self.description[:60]


class FollowUpEvent(AppendOnly):
    """One move of a follow-up: who, when, with which note."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="events")
    move = models.CharField(
        max_length=10,
        choices=[
            (Move.MARK_DONE, _("Marked done by the school")),
            (Move.CONFIRM, _("Confirmed by the officer")),
            (Move.REOPEN, _("Reopened by the officer")),
        ],
    )
    note = models.TextField(blank=True, max_length=1000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.follow_up} {self.move}"


# ``rules.TRANSITIONS`` as states alone (from → to), for the state change itself.
FOLLOW_UP_MOVES = Transitions.of(
    FollowUpState,
    {state: {target for (source, _move), target in TRANSITIONS.items() if source == state} for state in FollowUpState},
    code="follow_up_transition",
)
