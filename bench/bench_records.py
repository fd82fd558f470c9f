"""Record assembly figures: render time per record, a class of 35 in process, and a school of
1,000 records assembled by a pool of ``db_worker`` processes.

Run: ``.venv/bin/python bench/bench_records.py [--class-size 35] [--records 1000] [--workers 2]``.
A fresh SQLite database in a temporary ``HOCBASO_VAR_DIR`` (or, with ``BENCH_KEEP_DATABASE_URL=1``,
the PostgreSQL of ``DATABASE_URL``: use a throwaway database, the bench writes into it), removed
at the end; ``HOCBASO_TASKS=database``. Bounded: the workers are killed after ``--timeout`` s.

1. Render: canonical XML → Typst PDF/A-3b with the XML embedded (``render_pdf``), median of 20;
   and the whole ``assemble`` of one student (read the year, XML + XSD validation, PDF, store,
   register, audit).
2. A class of ``--class-size`` students, one assembly run executed in process.
3. A school of ``--records`` students in classes of 35: one assembly run per class enqueued,
   ``--workers`` ``hocbaso db_worker`` processes; seconds from the first enqueue to the last run
   finished, and records per second.

Students' years are filled once through the real assessment actions (one template student) and
copied row for row to the others, so every record goes through the real assembly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_ms(work: object, repeat: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--class-size", type=int, default=35)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=280, help="seconds before the workers are stopped")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="hocbaso-bench-records-"))
    env = {
        **os.environ,
        "HOCBASO_VAR_DIR": str(var_dir),
        "HOCBASO_DEMO": "1",
        "HOCBASO_TASKS": "database",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    if os.environ.get("BENCH_KEEP_DATABASE_URL") != "1":
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        database = connections["default"].vendor
        from hocbaso.assessments import actions as assessment_actions
        from hocbaso.assessments.catalogue import catalogue_for_class
        from hocbaso.assessments.models import AssessmentEntry, StudentYear
        from hocbaso.directory.models import ClassGroup, Enrolment, Student
        from hocbaso.records import actions
        from hocbaso.records.actions import assemble
        from hocbaso.records.models import AssemblyRun, RecordVersion
        from hocbaso.records.rendering import render_pdf
        from hocbaso.records.samples import sample_record_data
        from hocbaso.records.tasks import assemble_run, execute
        from hocbaso.records.xml import build_xml, validate_xml
        from hocbaso.testing import build_world

        world = build_world()
        principal, homeroom = world.users["principal"], world.users["homeroom"]
        assessment_actions.set_window(
            by=principal, school=world.school_a, school_year=world.year, point="year_end", open_=True
        )

        # the template student, filled through the real actions
        template = world.students["an"]
        catalogue = catalogue_for_class(world.class_3a)
        writes = []
        for item in catalogue.items:
            if item.optional:
                continue
            writes.append(
                assessment_actions.CellWrite(
                    template.pk, item.kind, item.code, "rating", "T" if item.kind == "subject" else "Đ"
                )
            )
            if catalogue.has_test(item.code, "year_end"):
                writes.append(assessment_actions.CellWrite(template.pk, item.kind, item.code, "score", 8))
        assessment_actions.save_cells(by=homeroom, class_group=world.class_3a, point="year_end", writes=writes)
        assessment_actions.compute_year_results(by=homeroom, class_group=world.class_3a)
        StudentYear.objects.filter(student=template).update(days_absent=1, height_cm=128)
        entries = list(AssessmentEntry.objects.filter(student=template))
        template_year = StudentYear.objects.get(student=template)

        def copy_year(student: Student, class_group: ClassGroup) -> None:
            for entry in entries:
                entry.pk = None
                entry.student = student
                entry.class_group = class_group
            AssessmentEntry.objects.bulk_create(entries)
            template_year.pk = None
            template_year.student = student
            template_year.class_group = class_group
            template_year.save()

        def add_students(class_group: ClassGroup, count: int, prefix: str) -> None:
            for index in range(count):
                student = Student.objects.create(
                    school=class_group.school,
                    full_name=f"Học Sinh {prefix} {index + 1:03d}",
                    gender=1 + index % 2,
                    date_of_birth=template.date_of_birth,
                )
                Enrolment.objects.create(
                    student=student,
                    class_group=class_group,
                    school_year=class_group.school_year,
                    start_date=class_group.school_year.start_date,
                )
                copy_year(student, class_group)

        # 1. render time per record
        data = sample_record_data()
        xml = build_xml(data)
        validate_xml(xml)
        render_pdf(xml, draft=False)  # warm the compiler (fonts)
        med, low, high = median_ms(lambda: render_pdf(xml, draft=False), 20)
        print(f"[{database}] render a record (XML → PDF/A-3b): median {med:7.1f} ms (min {low:.1f}, max {high:.1f})")
        med, low, high = median_ms(lambda: validate_xml(build_xml(data)), 20)
        print(f"[{database}] build + validate XML:            median {med:7.1f} ms (min {low:.1f}, max {high:.1f})")

        # 2. a class in process
        add_students(world.class_3a, args.class_size - 2, "Lớp")
        copy_year(world.students["binh"], world.class_3a)
        single = list(Student.objects.filter(enrolments__class_group=world.class_3a).order_by("pk")[2:7])
        samples = []
        for student in single:
            started = time.perf_counter()
            assemble(by=homeroom, student=student, class_group=world.class_3a)
            samples.append((time.perf_counter() - started) * 1000)
        print(
            f"[{database}] assemble one student (all steps):        median {statistics.median(samples):7.1f} ms (n=5)"
        )
        run = actions.start_assembly(
            by=homeroom, school=world.school_a, school_year=world.year, class_group=world.class_3a, enqueue=False
        )
        started = time.perf_counter()
        run = execute(run.pk)
        elapsed = time.perf_counter() - started
        fresh = run.frozen
        print(
            f"[{database}] class of {run.total}, in process: {elapsed:6.1f} s for {fresh} new records "
            f"({elapsed / max(fresh, 1) * 1000:.0f} ms a record; {run.total - fresh - len(run.skipped)} already frozen)"
        )

        # 3. a school of --records students, a pool of db_workers
        remaining = args.records - run.total - 1  # 3B holds one student (not filled: skipped with a reason)
        classes = []
        index = 0
        while remaining > 0:
            size = min(args.class_size, remaining)
            index += 1
            class_group = ClassGroup.objects.create(
                school=world.school_a, school_year=world.year, grade=3, name=f"3-{index:02d}"
            )
            add_students(class_group, size, f"{index:02d}")
            classes.append(class_group)
            remaining -= size
        total_students = Enrolment.objects.filter(class_group__school=world.school_a).count()
        runs = [
            actions.start_assembly(
                by=principal, school=world.school_a, school_year=world.year, class_group=c, enqueue=False
            )
            for c in [world.class_3b, *classes]
        ]
        connections.close_all()
        started = time.perf_counter()
        for pending in runs:
            assemble_run.enqueue(pending.pk)
        connections.close_all()
        hocbaso = str(Path(sys.executable).with_name("hocbaso"))
        workers = [
            subprocess.Popen(
                [hocbaso, "db_worker", "--batch", "--no-startup-delay", "--interval", "0.1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]
        deadline = time.monotonic() + args.timeout
        for worker in workers:
            worker.wait(timeout=max(1, deadline - time.monotonic()))
        elapsed = time.perf_counter() - started
        finished = AssemblyRun.objects.filter(pk__in=[r.pk for r in runs], state="finished")
        frozen = sum(finished.values_list("frozen", flat=True))
        skipped = sum(len(r.skipped) for r in finished)
        print(
            f"[{database}] school of {total_students} students ({len(runs)} class runs), {args.workers} db_workers: "
            f"{elapsed:6.1f} s, {frozen / elapsed:.1f} records/s ({frozen} frozen, {skipped} skipped, "
            f"{finished.count()}/{len(runs)} runs finished); "
            f"{RecordVersion.objects.filter(school=world.school_a).count()} versions in the school"
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
