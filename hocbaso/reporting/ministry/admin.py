"""The Sở's submissions in the admin, read-only: every write goes through actions (audited)."""

from django.contrib import admin

from hocbaso.core.admin import ReadOnlyAdmin
from hocbaso.reporting.ministry import models

for model in (models.Department, models.Submission):
    admin.site.register(model, ReadOnlyAdmin)
