"""The curriculum is data shipped with the code (``data/*.json``, loaded by migrations and
``load_curriculum``); the admin shows it and never edits it."""

from django.contrib import admin

from hocbaso.core.admin import ReadOnlyAdmin
from hocbaso.curriculum.models import AssessmentPoint, Competency, CurriculumVersion, GradeSubject, Subject, TestCell


@admin.register(CurriculumVersion)
class CurriculumVersionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "valid_from_year")


@admin.register(AssessmentPoint)
class AssessmentPointAdmin(ReadOnlyAdmin):
    list_display = ("short_name", "name", "code", "order", "version")
    list_filter = ("version",)


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "short_name", "kind", "order", "version")
    list_filter = ("version", "kind")


@admin.register(GradeSubject)
class GradeSubjectAdmin(ReadOnlyAdmin):
    list_display = ("subject", "grade", "optional")
    list_filter = ("grade", "optional", "subject__version")


@admin.register(TestCell)
class TestCellAdmin(ReadOnlyAdmin):
    list_display = ("subject", "grade", "point")
    list_filter = ("grade", "point", "subject__version")


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "group", "grades", "order", "version")
    list_filter = ("version", "group")
