"""Background assembly: freeze and render every record of a class or a school.

Each student is assembled in its own transaction, so a failure or an interruption never
leaves a half-assembled record; a student who already has a current version for the year is
counted as done, which makes a rerun resume where the last one stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import F
from django_tasks import task

from hocbaso.core import clock
from hocbaso.core.collation import roll_key
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import ClassGroup, Enrolment
from hocbaso.records.actions import assemble
from hocbaso.records.models import ASSEMBLY_RUN_MOVES, CURRENT_STATUSES, AssemblyRun, RecordVersion


def run_students(run: AssemblyRun) -> list[tuple[int, int]]:
    """(student id, class id) pairs the run covers, in class then name order."""
    classes = ClassGroup.objects.filter(school=run.school, school_year=run.school_year)
    if run.class_group_id:
        classes = classes.filter(pk=run.class_group_id)
    enrolments = Enrolment.objects.filter(class_group__in=classes, end_date__isnull=True) | Enrolment.objects.filter(
        class_group__in=classes, end_date=F("school_year__end_date")
    )
    rows = {
        (student_id, class_id, class_name, full_name)
        for student_id, class_id, class_name, full_name in enrolments.values_list(
            "student_id", "class_group_id", "class_group__name", "student__full_name"
        )
    }
    ordered = sorted(rows, key=lambda row: roll_key(row[2], row[3], row[0]))
    return [(student_id, class_id) for student_id, class_id, _class, _name in ordered]


def execute(run_id: int, *, by: Any = None, progress: Callable[[int, int], None] | None = None) -> AssemblyRun:
    """Process every student of the run not yet frozen; safe to call again after a crash.

    ``progress(done, total)`` is called whenever the stored progress is updated (the CLI prints it).
    """
    run = AssemblyRun.objects.get(pk=run_id)
    pairs = run_students(run)
    this = AssemblyRun.objects.filter(pk=run.pk)
    ASSEMBLY_RUN_MOVES.update(this, AssemblyRun.State.RUNNING, total=len(pairs), error="")
    skipped = [s for s in run.skipped if s.get("student_id") not in {p[0] for p in pairs}]
    frozen = 0
    classes = {
        c.pk: c for c in ClassGroup.objects.filter(pk__in={p[1] for p in pairs}).select_related("school", "school_year")
    }
    from hocbaso.directory.models import Student

    students = Student.objects.in_bulk([p[0] for p in pairs])
    has_version = set(
        RecordVersion.objects.filter(
            school_year=run.school_year, status__in=CURRENT_STATUSES, record__student_id__in=students
        ).values_list("record__student_id", flat=True)
    )
    try:
        for done, (student_id, class_id) in enumerate(pairs, start=1):
            if student_id not in has_version:
                try:
                    assemble(by=by or run.requested_by, student=students[student_id], class_group=classes[class_id])
                    frozen += 1
                except DomainError as exc:
                    skipped.append(
                        {
                            "student_id": student_id,
                            "name": students[student_id].full_name,
                            "class": classes[class_id].name,
                            "reason": str(exc.message),
                        }
                    )
            if done % 10 == 0 or done == len(pairs):
                AssemblyRun.objects.filter(pk=run.pk).update(done=done, frozen=F("frozen") + frozen, skipped=skipped)
                frozen = 0
                if progress is not None:
                    progress(done, len(pairs))
    except Exception as exc:  # an unexpected failure: keep what was done, show the error, let the task fail
        ASSEMBLY_RUN_MOVES.update(this, AssemblyRun.State.FAILED, error=str(exc)[:2000])
        raise
    ASSEMBLY_RUN_MOVES.update(this, AssemblyRun.State.FINISHED, finished_at=clock.now(), skipped=skipped)
    run.refresh_from_db()
    return run


@task()
def assemble_run(run_id: int) -> None:
    """Task entry point (in-process in the embedded default, a db_worker at scale)."""
    execute(run_id)
