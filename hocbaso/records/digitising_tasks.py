"""A school's old paper books processed as a batch (a cohort): scans converted in the background.

:func:`start_batch` measures every entry's files (bytes, kind, count — nothing decoded), keeps them
in the storage under ``digitising/incoming/`` and creates a ``DigitisationRun`` that the task
(:func:`process_run`, in-process in the embedded default, a database worker at scale) works
through: each entry becomes a ``DigitisedBook`` through ``digitising_actions.upload_scan`` in its own
transaction (the slow part, the PDF/A conversion, outside it), an entry refused is listed with
its reason, progress is stored after each, and a rerun resumes with the entries not yet done.
The books then wait for their transcription and comparison one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import ClassGroup, Student
from hocbaso.records import digitising_actions
from hocbaso.records.digitising_models import DIGITISATION_RUN_MOVES, DigitisationRun, DigitisedBook


def execute(run_id: int, *, progress: Callable[[int, int], None] | None = None) -> DigitisationRun:
    """Create the books of every entry not done yet; safe to call again after a crash."""
    run = DigitisationRun.objects.select_related("school", "requested_by").get(pk=run_id)
    DIGITISATION_RUN_MOVES.update(DigitisationRun.objects.filter(pk=run.pk), DigitisationRun.State.RUNNING, error="")
    skipped = list(run.skipped)
    done_keys = {(s.get("student_id"), s.get("class_group_id")) for s in skipped}
    made = set(DigitisedBook.objects.filter(run=run).values_list("student_id", "class_group_id"))
    try:
        for done, item in enumerate(run.items, start=1):
            key = (item["student_id"], item["class_group_id"])
            if key not in made and key not in done_keys:
                _one(run, item, skipped)
            DigitisationRun.objects.filter(pk=run.pk).update(
                done=done, created=DigitisedBook.objects.filter(run=run).count(), skipped=skipped
            )
            if progress is not None:
                progress(done, len(run.items))
    except Exception as exc:  # unexpected: keep what was done, show it, let the task fail
        DIGITISATION_RUN_MOVES.update(
            DigitisationRun.objects.filter(pk=run.pk), DigitisationRun.State.FAILED, error=str(exc)[:2000]
        )
        raise
    DIGITISATION_RUN_MOVES.update(
        DigitisationRun.objects.filter(pk=run.pk), DigitisationRun.State.FINISHED, finished_at=clock.now()
    )
    for item in run.items:
        for name in item["files"]:
            default_storage.delete(name)
    run.refresh_from_db()
    return run


def _one(run: DigitisationRun, item: dict[str, Any], skipped: list[dict[str, Any]]) -> None:
    student = Student.objects.filter(pk=item["student_id"]).first()
    class_group = (
        ClassGroup.objects.filter(pk=item["class_group_id"], school=run.school)
        .select_related("school", "school_year")
        .first()
    )
    name = student.full_name if student else "?"
    reason = ""
    if student is None or class_group is None:
        reason = str(_("The pupil or the class is not this school's."))
    else:
        try:
            files = []
            for stored in item["files"]:
                with default_storage.open(stored, "rb") as handle:
                    files.append(handle.read())
            digitising_actions.upload_scan(
                by=run.requested_by,
                student=student,
                class_group=class_group,
                files=files,
                book_number=item["book_number"],
                original_pages=item["original_pages"],
                original_date=dt.date.fromisoformat(item["original_date"]),
                printed_homeroom=item["printed_homeroom"],
                printed_principal=item["printed_principal"],
                printed_principal_title=item["printed_principal_title"] or "Hiệu trưởng",
                run_id=run.pk,
                channel="task",
            )
        except DomainError as exc:
            reason = str(exc.message)
        except (OSError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:300]
    if reason:
        skipped.append(
            {
                "student_id": item["student_id"],
                "class_group_id": item["class_group_id"],
                "book_number": item["book_number"],
                "name": name,
                "reason": reason,
            }
        )


@task()
def process_run(run_id: int) -> None:
    """Task entry point (in-process in the embedded default, a db_worker at scale)."""
    execute(run_id)
