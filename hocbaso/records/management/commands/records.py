"""``hocbaso records …``: operators' record commands.

- ``hocbaso records rehash``: re-hash every stored record file against the registry; exit 1 on
  any mismatch or missing file.
- ``hocbaso records export (--school CODE | --all) --year YYYY-YYYY --out DIR``: write the PDF and
  XML of every current version, named by issuance code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.records import storage
from hocbaso.records.models import CURRENT_STATUSES, RecordVersion


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
            pdf_name, pdf_hash = (
                (version.signed_pdf_name, version.signed_pdf_sha256)
                if version.signed_pdf_name
                else (version.pdf_name, version.pdf_sha256)
            )
            xml_name, xml_hash = (
                (version.signed_xml_name, version.signed_xml_sha256)
                if version.signed_xml_name
                else (version.xml_name, version.xml_sha256)
            )
            (out / f"{version.issuance_code}.pdf").write_bytes(storage.get(pdf_name, pdf_hash))
            (out / f"{version.issuance_code}.xml").write_bytes(storage.get(xml_name, xml_hash))
            count += 1
        self.stdout.write(f"Exported {count} record versions to {out}.")
