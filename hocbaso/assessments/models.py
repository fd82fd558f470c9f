"""Assessment data of Thông tư 27: entry windows, one row per assessed cell, its history, and
the per-student year (header fields, result, remediation, awards).

Curriculum items are referenced by their stable codes (``item_code`` = a subject or competency
code of the curriculum version in force), so adding lower secondary is data, not schema.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import Transitions
from hocbaso.directory.models import ClassGroup, School, SchoolYear, Student


class Point(models.TextChoices):
    """The four periodic points, plus the summer re-assessment of remediation (rèn luyện hè)."""

    MID1 = "mid1", _("Mid-semester I (GHK1)")
    END1 = "end1", _("End of semester I (CHK1)")
    MID2 = "mid2", _("Mid-semester II (GHK2)")
    YEAR_END = "year_end", _("End of year (CN)")
    SUMMER = "summer", _("Summer re-assessment")


PERIODIC_POINTS = [Point.MID1, Point.END1, Point.MID2, Point.YEAR_END]


class ItemKind(models.TextChoices):
    SUBJECT = "subject", _("Subject or activity")
    COMPETENCY = "competency", _("Quality or competency")


class Channel(models.TextChoices):
    GRID = "grid", _("Entry grid")
    IMPORT = "import", _("Spreadsheet import")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")


class EntryWindow(models.Model):
    """Whether a school accepts writes for one point of one year. Closed unless opened."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="entry_windows")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    point = models.CharField(_("assessment point"), max_length=10, choices=Point.choices)
    is_open = models.BooleanField(_("open"), default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    times_reopened = models.PositiveSmallIntegerField(default=0)
    # The last day teachers are asked to finish entry (shown on their home page); informative —
    # the window stays open until the principal closes it.
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "school_year", "point"], name="one_window_per_point")]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year} {self.point}: {'open' if self.is_open else 'closed'}"


class AssessmentEntry(models.Model):
    """One assessed cell: a student's rating, test score and comment for one item at one point.

    ``score`` is only ever set where the curriculum's test matrix has a cell; the last score
    counts and earlier ones (retests) stay in ``EntryChange``.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="assessment_entries")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="assessment_entries")
    point = models.CharField(max_length=10, choices=Point.choices)
    item_kind = models.CharField(max_length=12, choices=ItemKind.choices)
    item_code = models.CharField(max_length=40)
    rating = models.CharField(max_length=1, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "point", "item_kind", "item_code"], name="one_entry_per_cell"
            ),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=10), name="score_at_most_10"),
            models.CheckConstraint(condition=Q(rating__in=["", "T", "H", "C", "Đ"]), name="rating_known_letter"),
        ]
        indexes = [models.Index(fields=["class_group", "point"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.point} {self.item_code}: {self.rating} {self.score}"


class EntryChange(models.Model):
    """One change to one field of a cell: who, when, old → new, through which channel."""

    entry = models.ForeignKey(AssessmentEntry, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=10)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class YearResult(models.TextChoices):
    EXCELLENT = "htxs", _("Completed excellently")
    GOOD = "htt", _("Completed well")
    COMPLETED = "ht", _("Completed")
    NOT_COMPLETED = "cht", _("Not completed")
    NOT_CLASSIFIED = "not_classified", _("Not classified (individual plan)")


class PromotionDecision(models.TextChoices):
    PROMOTED = "promoted", _("Promoted to the next grade")
    RETAINED = "retained", _("Repeats the grade")


class StudentYear(models.Model):
    """A student's year in a class: the year page header, the year result and remediation.

    ``first_result`` keeps the result computed from the year-end values; after a summer
    re-assessment ``result`` is recomputed and, if still not completed, the principal's
    ``decision`` is recorded with who and when.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="years")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="student_years")
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True)
    days_absent = models.PositiveSmallIntegerField(_("days absent"), null=True, blank=True)
    general_comment = models.TextField(_("general comment"), blank=True)
    result = models.CharField(max_length=16, choices=YearResult.choices, blank=True)
    first_result = models.CharField(max_length=16, choices=YearResult.choices, blank=True)
    result_computed_at = models.DateTimeField(null=True, blank=True)
    remediation_done = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, choices=PromotionDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Individual education plan: the homeroom teacher's assessment against the plan, then the
    # principal's decision on completion (decided_by / decided_at say who and when) with a note.
    plan_assessment = models.TextField(_("assessment against the individual plan"), blank=True)
    plan_completed = models.BooleanField(_("completed (individual plan)"), null=True, blank=True)
    plan_note = models.TextField(_("principal's note"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="one_student_year"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True, decided_at__isnull=True)
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="decided_by_with_decided_at",
            ),
            models.CheckConstraint(
                condition=(Q(decision="") & Q(plan_completed__isnull=True)) | Q(decided_by__isnull=False),
                name="decision_with_who_and_when",
            ),
        ]

    def dated_on(self) -> dt.date | None:
        """The day the year page is dated: the principal's decision (after the summer, or on an
        individual plan) when there is one, else the year-end computation of the result."""
        moment = self.decided_at or self.result_computed_at
        return timezone.localdate(moment) if moment else None

    def __str__(self) -> str:
        return f"{self.student_id} {self.school_year_id}: {self.result}"


class AwardKind(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent student")
    OUTSTANDING = "outstanding", _("Outstanding student")
    AD_HOC = "ad_hoc", _("Ad-hoc award")


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed to the principal")
    CONFIRMED = "confirmed", _("Confirmed by the principal")
    DECLINED = "declined", _("Declined by the principal")


# A proposed award is decided once (a principal's own award is created confirmed).
AWARD_MOVES = Transitions.of(
    AwardStatus,
    {
        AwardStatus.PROPOSED: {AwardStatus.CONFIRMED, AwardStatus.DECLINED},
        AwardStatus.CONFIRMED: set(),
        AwardStatus.DECLINED: set(),
    },
    code="award_already_decided",
    message=_("This award has already been decided."),
)


class Award(models.Model):
    """A principal's award (giấy khen). "Outstanding" needs the teacher's justification and
    the class's recognition; "excellent" is *proposed* automatically for HTXS and the principal
    confirms or declines it (who and when kept). Only confirmed awards are printed."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="awards")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=AwardKind.choices)
    title = models.CharField(_("title"), max_length=300)
    justification = models.TextField(_("justification"), blank=True)
    recognised_by_class = models.BooleanField(default=False)
    awarded_on = models.DateField(_("date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AwardStatus.choices, default=AwardStatus.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="outstanding") | (~Q(justification="") & Q(recognised_by_class=True)),
                name="outstanding_needs_justification",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="award_decided_with_when",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class OptionalSubject(models.Model):
    """An optional subject (e.g. Ngoại ngữ 1 in grades 1-2, Tiếng dân tộc) a student takes in a year."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="optional_subjects")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    subject_code = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year", "subject_code"], name="optional_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.school_year_id} {self.subject_code}"


class CommentBank(models.Model):
    """Common comments a school's teachers insert for an item (editable by the teachers)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="comment_bank")
    item_code = models.CharField(max_length=40)
    text = models.CharField(_("comment"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["item_code", "text"]
        constraints = [models.UniqueConstraint(fields=["school", "item_code", "text"], name="comment_bank_unique")]

    def __str__(self) -> str:
        return self.text
