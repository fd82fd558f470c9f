"""Building a periodic report in the background (``actions.execute_run``: figures, then the .xlsx,
then the PDF, then — when the run names a seal — sealing both with the unit's seal; each step
stored as progress for the progress page)."""

from __future__ import annotations

from django_tasks import task

from hocbaso.reporting import actions


@task()
def build_report(run_id: int) -> None:
    """Task entry point (in-process in the embedded default, a db_worker at scale)."""
    actions.execute_run(run_id)
