"""The curriculum as versioned data: subjects per grade, the test matrix, qualities and
competencies, rating and score scales. Loaded from ``data/*.json`` by ``loading.load``; a new
level (lower secondary, Thông tư 22/2021) is a new data file, not new code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CurriculumVersion(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=300)
    level = models.CharField(max_length=20)
    valid_from_year = models.CharField(max_length=9, help_text="first school year it applies to, e.g. 2020-2021")
    scales = models.JSONField(default=dict)

    class Meta:
        ordering = ["level", "-valid_from_year"]
        verbose_name = _("curriculum version")

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """A subject or educational activity (Âm nhạc and Mĩ thuật are two rows)."""

    version = models.ForeignKey(CurriculumVersion, on_delete=models.CASCADE, related_name="subjects")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=[("subject", _("Subject")), ("activity", _("Activity"))])
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="subject_code_per_version")]

    def __str__(self) -> str:
        return self.name


class GradeSubject(models.Model):
    """A subject taught in a grade; ``optional`` ones are assessed only for students who take them."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="grades")
    grade = models.PositiveSmallIntegerField()
    optional = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "grade"], name="grade_subject_once")]

    def __str__(self) -> str:
        return f"{self.subject} / {self.grade}"


class AssessmentPoint(models.Model):
    """A periodic assessment point of a version (primary: GHK1, CHK1, GHK2, CN — TT27 Điều 6)."""

    version = models.ForeignKey(CurriculumVersion, on_delete=models.CASCADE, related_name="points")
    code = models.SlugField(max_length=20)
    name = models.CharField(max_length=60)
    short_name = models.CharField(max_length=10)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="point_code_per_version"),
            models.UniqueConstraint(fields=["version", "order"], name="point_order_per_version"),
        ]

    def __str__(self) -> str:
        return self.short_name


class TestCell(models.Model):
    """A periodic test that exists: this subject, in this grade, at this point (TT27 Điều 7)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="test_cells")
    grade = models.PositiveSmallIntegerField()
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="test_cells")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "grade", "point"], name="test_cell_once")]

    def __str__(self) -> str:
        return f"{self.subject} / {self.grade} / {self.point}"


class Competency(models.Model):
    """A quality (phẩm chất), general competency (năng lực chung) or specific one (năng lực đặc thù)."""

    version = models.ForeignKey(CurriculumVersion, on_delete=models.CASCADE, related_name="competencies")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=20)
    group = models.CharField(
        max_length=10,
        choices=[
            ("quality", _("Quality")),
            ("general", _("General competency")),
            ("specific", _("Specific competency")),
        ],
    )
    grades = models.JSONField(default=list)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version", "order"]
        verbose_name_plural = "competencies"
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="competency_code_per_version")]

    def __str__(self) -> str:
        return self.name
