"""What a family (and a share link's visitor) is shown of a child's record.

Only versions that were *issued* — sealed by the school (a ``school`` signature exists) — ever
appear; drafts and versions still being signed never do. Each appears with its state:

- ``issued``: the year's current document;
- ``corrected``: the current document of a year whose earlier document it replaced;
- ``superseded``: replaced by a correction (the replacing code is given);
- ``revoked``: withdrawn by the school.

Each file's verification result comes from the same registry and core as the public verify page
(cached by file hash; status and roles read afresh).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from hocbaso.directory.models import Student
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.models import SignatureEvent, SignatureRole
from hocbaso.verification import messages, registry

STATE_ISSUED = "issued"
STATE_CORRECTED = "corrected"
STATE_SUPERSEDED = "superseded"
STATE_REVOKED = "revoked"


def issued_versions(student: Student) -> QuerySet[RecordVersion]:
    """Every version of ``student``'s records that the school sealed, oldest year first."""
    sealed = SignatureEvent.objects.filter(role=SignatureRole.SCHOOL).values("version_id")
    return (
        RecordVersion.objects.filter(record__student=student, pk__in=sealed)
        .exclude(signed_pdf_name="")
        .select_related("school_year", "class_group", "school", "superseded_by")
        .order_by("school_year__code", "number")
    )


def current_issued(student: Student) -> list[RecordVersion]:
    """The issued (current) version of each year of ``student``."""
    return [v for v in issued_versions(student) if v.status == Status.ISSUED]


def state_of(version: RecordVersion) -> str:
    if version.status == Status.SUPERSEDED:
        return STATE_SUPERSEDED
    if version.status == Status.REVOKED:
        return STATE_REVOKED
    return STATE_CORRECTED if version.supersedes_id else STATE_ISSUED


def successor_code(version: RecordVersion) -> str:
    with contextlib.suppress(RecordVersion.DoesNotExist):
        return version.superseded_by.issuance_code
    return ""


@dataclass(frozen=True)
class FileCheck:
    """A file's verification in a few words, and where the full report is."""

    outcome: str
    text: str
    reason: str


def _summary(report: Any) -> FileCheck:
    return FileCheck(
        report.outcome, str(messages.OUTCOMES[report.outcome]), messages.text(report.reason, report.reason_params)
    )


def check_pdf(version: RecordVersion) -> FileCheck:
    return _summary(registry.verify_code(version.issuance_code))


def check_xml(version: RecordVersion) -> FileCheck | None:
    if not version.signed_xml_name:
        return None
    return _summary(registry.verify_document(storage.get(version.signed_xml_name, version.signed_xml_sha256)))


@dataclass(frozen=True)
class YearEntry:
    version: RecordVersion
    state: str
    superseded_by: str
    pdf: FileCheck
    xml: FileCheck | None


def entries(versions: list[RecordVersion]) -> list[YearEntry]:
    """The rows shown for ``versions``, each with its files' verification."""
    return [
        YearEntry(version=v, state=state_of(v), superseded_by=successor_code(v), pdf=check_pdf(v), xml=check_xml(v))
        for v in versions
    ]


def history(versions: list[RecordVersion]) -> list[dict[str, Any]]:
    """The learning history printed in the newest issued version (year, class, school, register number)."""
    for version in sorted(versions, key=lambda v: (v.school_year.code, v.number), reverse=True):
        if version.status != Status.SUPERSEDED and isinstance(version.data, dict) and version.data.get("history"):
            return list(version.data["history"])
    return []


def file_of(version: RecordVersion, kind: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the version's signed PDF or XML."""
    if kind == "xml":
        if not version.signed_xml_name:
            raise FileNotFoundError(version.issuance_code)
        content = storage.get(version.signed_xml_name, version.signed_xml_sha256)
        return content, "application/xml", f"{version.issuance_code}.xml"
    content = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    return content, "application/pdf", f"{version.issuance_code}.pdf"
