"""Assessment data in the admin, read-only: every write goes through actions (windows, scope, history)."""

from django.contrib import admin

from hocbaso.assessments import models
from hocbaso.core.admin import ReadOnlyAdmin

for model in (models.EntryWindow, models.AssessmentEntry, models.EntryChange, models.StudentYear, models.Award):
    admin.site.register(model, ReadOnlyAdmin)
