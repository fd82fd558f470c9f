"""``hocbaso records …``: operators' record commands.

- ``hocbaso records rehash``: re-hash every stored record file against the registry; exit 1 on
  any mismatch or missing file.
- ``hocbaso records export (--school CODE | --all) --year YYYY-YYYY --out DIR``: write the PDF and
  XML of every current version, named by issuance code.
- ``hocbaso records assemble (--class-id ID | --school CODE) --year YYYY-YYYY``: freeze and render
  every complete student of a class or school (an audited assembly run), printing progress and
  every skipped student with the reason. Rerunning resumes: students already frozen are counted
  as done. ``--queue`` hands the run to the task workers instead and follows its progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.records import storage
from hocbaso.records.models import CURRENT_STATUSES, RecordVersion
from hocbaso.records.signed_record import current_pdf, current_xml


def registered_files() -> Iterator[tuple[str, str]]:
    """(storage name, registered SHA-256) of every file any version points at."""
    for version in RecordVersion.objects.order_by("pk").iterator():
        yield version.xml_name, version.xml_sha256
        yield version.pdf_name, version.pdf_sha256
        if version.signed_pdf_name:
            yield version.signed_pdf_name, version.signed_pdf_sha256
        if version.signed_xml_name:
            yield version.signed_xml_name, version.signed_xml_sha256


class Command(BaseCommand):
    help = "Record operations: rehash, export, assemble."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("rehash", help="re-hash every stored file and report mismatches")
        export = sub.add_parser("export", help="write PDF and XML of current versions")
        scope = export.add_mutually_exclusive_group(required=True)
        scope.add_argument("--school", help="sector school code")
        scope.add_argument("--all", action="store_true")
        export.add_argument("--year", required=True, help="school year, e.g. 2024-2025")
        export.add_argument("--out", required=True, type=Path)
        assemble = sub.add_parser("assemble", help="freeze and render the records of a class or a school")
        target = assemble.add_mutually_exclusive_group(required=True)
        target.add_argument("--class-id", type=int, help="class id")
        target.add_argument("--school", help="sector school code")
        assemble.add_argument("--year", required=True, help="school year, e.g. 2024-2025")
        assemble.add_argument("--queue", action="store_true", help="enqueue for the task workers and follow")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        getattr(self, f"_{operation}")(**options)

    def _rehash(self, **_options: Any) -> None:
        checked = sum(1 for _entry in registered_files())
        problems = 0
        for mismatch in storage.rehash(registered_files()):
            problems += 1
            state = "missing" if not mismatch.actual else f"sha256 {mismatch.actual}"
            self.stderr.write(f"MISMATCH {mismatch.name}: registered {mismatch.expected}, stored {state}")
        if problems:
            raise CommandError(f"{problems} of {checked} stored files do not match the registry.")
        self.stdout.write(f"All {checked} stored files match the registry.")

    def _export(self, *, school: str | None, all: bool, year: str, out: Path, **_options: Any) -> None:
        versions = RecordVersion.objects.filter(school_year__code=year, status__in=CURRENT_STATUSES)
        if school:
            versions = versions.filter(school__code=school)
            if not versions.exists():
                raise CommandError(f"No current record version for school {school} in {year}.")
        out.mkdir(parents=True, exist_ok=True)
        count = 0
        for version in versions.order_by("school__code", "issuance_code").iterator():
            pdf_name, pdf_hash = current_pdf(version)
            xml_name, xml_hash = current_xml(version)
            (out / f"{version.issuance_code}.pdf").write_bytes(storage.get(pdf_name, pdf_hash))
            (out / f"{version.issuance_code}.xml").write_bytes(storage.get(xml_name, xml_hash))
            count += 1
        self.stdout.write(f"Exported {count} record versions to {out}.")

    def _assemble(self, *, class_id: int | None, school: str | None, year: str, queue: bool, **_options: Any) -> None:
        from hocbaso.directory.models import ClassGroup, School, SchoolYear
        from hocbaso.records import actions, tasks
        from hocbaso.records.models import AssemblyRun

        try:
            school_year = SchoolYear.objects.get(code=year)
        except SchoolYear.DoesNotExist:
            raise CommandError(f"No school year {year}.") from None
        class_group = None
        if class_id is not None:
            class_group = ClassGroup.objects.select_related("school").filter(pk=class_id).first()
            if class_group is None or class_group.school_year_id != school_year.pk:
                raise CommandError(f"No class {class_id} in {year}.")
            target = class_group.school
        else:
            found = School.objects.filter(code=school).first()
            if found is None:
                raise CommandError(f"No school with code {school}.")
            target = found
        run = actions.start_assembly(
            by=None, school=target, school_year=school_year, class_group=class_group, channel="cli", enqueue=queue
        )
        label = f"{target.code} {class_group.name if class_group else '(whole school)'} {year}"
        self.stdout.write(f"Assembly run {run.pk}: {label}")
        if queue:
            run = self._follow(run.pk)
        else:
            run = tasks.execute(run.pk, progress=lambda done, total: self.stdout.write(f"  {done}/{total}"))
        for skipped in run.skipped:
            self.stdout.write(f"SKIPPED {skipped['class']} {skipped['name']}: {skipped['reason']}")
        self.stdout.write(
            f"{run.get_state_display()}: {run.done}/{run.total} done, {run.frozen} frozen, {len(run.skipped)} skipped."
        )
        if run.state != AssemblyRun.State.FINISHED:
            raise CommandError(run.error or "The assembly run did not finish.")

    def _follow(self, run_id: int) -> Any:
        import time

        from hocbaso.records.models import AssemblyRun

        last = None
        while True:
            run = AssemblyRun.objects.get(pk=run_id)
            if (run.done, run.total) != last:
                last = (run.done, run.total)
                self.stdout.write(f"  {run.done}/{run.total} ({run.get_state_display()})")
            if run.state in (AssemblyRun.State.FINISHED, AssemblyRun.State.FAILED):
                return run
            time.sleep(1)
