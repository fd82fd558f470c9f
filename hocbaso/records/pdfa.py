"""Keeping a record PDF PDF/A-3b in every revision.

PDF/A-3 (ISO 19005-3) is built on PDF 1.7: a file whose header or catalogue says 2.0 does not
conform. pyHanko's incremental writer raises the catalogue's ``/Version`` to 2.0 when a signature
uses an algorithm it files under ISO 32001/32002 (ECDSA on the NIST curves, EdDSA, SHA-3), and
registers those extensions, whose base version is 2.0. ``PdfA3IncrementalWriter`` is the writer
every update of a record PDF goes through (signature fields, signatures, DSS, document
timestamps): it never raises the version above 1.7 and skips extensions based on a later
version; the ESIC extension of PAdES (base version 1.7) is kept. The signatures themselves are
unchanged (PAdES defines ECDSA on PDF 1.7 through ESIC).

``revision_versions(pdf)`` reads the header and the catalogue's ``/Version`` of each revision,
for the conformance checks (docs/record-format.md §3.1).
"""

from __future__ import annotations

import io
import re
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

PDF_A3_VERSION = (1, 7)


def _base_version(extension: Any) -> tuple[int, int] | None:
    match = re.fullmatch(r"/?(\d+)\.(\d+)", str(getattr(extension, "base_version", "")))
    return (int(match.group(1)), int(match.group(2))) if match else None


class PdfA3IncrementalWriter(IncrementalPdfFileWriter):
    """An incremental writer that keeps the document at PDF 1.7 (see the module docstring)."""

    def ensure_output_version(self, version: tuple[int, int]) -> None:
        super().ensure_output_version(min(version, PDF_A3_VERSION))

    def register_extension(self, ext: Any) -> None:
        base = _base_version(ext)
        if base is not None and base > PDF_A3_VERSION:
            return
        super().register_extension(ext)


def writer_for(pdf: bytes) -> PdfA3IncrementalWriter:
    """A PDF/A-3-keeping incremental writer over ``pdf`` (lenient parsing, as elsewhere)."""
    return PdfA3IncrementalWriter(io.BytesIO(pdf), strict=False)


def revision_versions(pdf: bytes) -> list[tuple[str, str]]:
    """``(header version, catalogue /Version or "")`` of every revision, oldest first."""
    header = re.match(rb"%PDF-(\d\.\d)", pdf)
    head = header.group(1).decode() if header else ""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = []
    for revision in range(reader.xrefs.total_revisions):
        root = reader.get_historical_root(revision)
        version = root.get("/Version")
        out.append((head, str(version).lstrip("/") if version is not None else ""))
    return out
