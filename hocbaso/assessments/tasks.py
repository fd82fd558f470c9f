"""Background work of the assessments (``django.tasks`` interface)."""

from __future__ import annotations

from django_tasks import task

from hocbaso.assessments import actions


@task()
def expire_import_uploads() -> int:
    """Scheduled maintenance (daily): delete previewed spreadsheet uploads nobody applied."""
    return actions.expire_uploads()
