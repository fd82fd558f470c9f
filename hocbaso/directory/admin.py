"""Operators see the directory in the admin, read-only: changes go through the pages and actions."""

from django.contrib import admin

from hocbaso.core.admin import ReadOnlyAdmin
from hocbaso.directory import models


@admin.register(models.AdministrativeUnit)
class AdministrativeUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)


@admin.register(models.School)
class SchoolAdmin(ReadOnlyAdmin):
    list_display = ("code", "name")


@admin.register(models.Student)
class StudentAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "school", "date_of_birth")
    list_filter = ("school",)


@admin.register(models.Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("staff", "role", "school", "class_group", "subject_code", "unit", "valid_from", "valid_to")
    list_filter = ("role",)


for model in (models.SchoolYear, models.ClassGroup, models.Enrolment, models.StaffMember, models.SchoolUnitLink):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(models.ConsentRequest)
class ConsentRequestAdmin(ReadOnlyAdmin):
    list_display = ("student", "requesting_school", "kind", "state", "requested_at", "decided_at")
    list_filter = ("kind", "state")
