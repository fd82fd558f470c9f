"""``hocbaso digitise-batch MANIFEST.csv --school CODE --by USERNAME``: a cohort of old paper books.

The manifest (UTF-8 CSV with a header) has one row per pupil's year page: ``class`` (the class's
name), ``year`` (e.g. 2019-2020), ``student`` (the pupil's id in the system or sector code),
``book_number``, ``pages``, ``original_date`` (dd/mm/yyyy or yyyy-mm-dd), ``homeroom``,
``principal``, optionally ``principal_title``, and ``files`` (the scan's files, paths relative to
the manifest, separated by ``;``). ``--by`` names the clerk or principal doing it (they must hold
``digitise_records`` at the school; the batch is theirs and audited). The scans are measured before
anything is kept; the books are then created in the background with progress (``--queue`` leaves
it to the task workers; otherwise it runs here and prints its progress) and every refused row is
printed with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from hocbaso.core.errors import DomainError
from hocbaso.directory.models import ClassGroup, School, Student
from hocbaso.records import digitising_actions, digitising_tasks, scans

REQUIRED = ("class", "year", "student", "book_number", "pages", "original_date", "homeroom", "principal", "files")


def _date(text: str) -> dt.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a day, no time
        except ValueError:
            continue
    raise CommandError(f"not a date: {text!r}")


class Command(BaseCommand):
    help = "Digitise a batch of old paper books from a manifest of scans."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", type=Path)
        parser.add_argument("--school", required=True, help="sector school code")
        parser.add_argument("--by", required=True, help="username of the clerk or principal")
        parser.add_argument("--queue", action="store_true", help="leave the batch to the task workers")

    def handle(self, *args: Any, manifest: Path, school: str, by: str, queue: bool, **options: Any) -> None:
        the_school = School.objects.filter(code=school).first()
        user = get_user_model().objects.filter(username=by).first()
        if the_school is None or user is None:
            raise CommandError("unknown school or user")
        entries = []
        with manifest.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                missing = [key for key in REQUIRED if not (row.get(key) or "").strip()]
                if missing:
                    raise CommandError(f"line {number}: missing {', '.join(missing)}")
                class_group = ClassGroup.objects.filter(
                    school=the_school, name=row["class"].strip(), school_year__code=row["year"].strip()
                ).first()
                key = row["student"].strip()
                student = Student.objects.filter(Q(sector_code=key) | Q(pk=int(key) if key.isdigit() else None)).first()
                if class_group is None or student is None:
                    raise CommandError(f"line {number}: unknown class or pupil")
                paths = [manifest.parent / name.strip() for name in row["files"].split(";") if name.strip()]
                if sum(p.stat().st_size for p in paths) > scans.MAX_BYTES:  # measured before reading
                    raise CommandError(f"line {number}: the scan is larger than {scans.MAX_BYTES // 2**20} MB")
                entries.append(
                    {
                        "student_id": student.pk,
                        "class_group_id": class_group.pk,
                        "book_number": row["book_number"],
                        "original_pages": row["pages"],
                        "original_date": _date(row["original_date"]),
                        "printed_homeroom": row["homeroom"],
                        "printed_principal": row["principal"],
                        "printed_principal_title": row.get("principal_title") or "Hiệu trưởng",
                        "files": [p.read_bytes() for p in paths],
                    }
                )
        try:
            run = digitising_actions.start_batch(by=user, school=the_school, entries=entries, enqueue=queue)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        if queue:
            self.stdout.write(f"queued batch {run.pk}: {run.total} paper books")
            return
        run = digitising_tasks.execute(run.pk, progress=lambda done, total: self.stdout.write(f"{done}/{total}"))
        self.stdout.write(f"batch {run.pk}: {run.created} scans stored, {len(run.skipped)} refused")
        for skipped in run.skipped:
            self.stdout.write(f"  {skipped['book_number']} {skipped['name']}: {skipped['reason']}")
