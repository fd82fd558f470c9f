"""The printed page of an issued record carries the paper seal: rasterise the page as a printer
would (poppler), scan its QR codes (zxing-cpp), and verify the seal offline against the record."""

from __future__ import annotations

import re
import subprocess

import pytest
import zxingcpp

from hocbaso.records.models import RecordVersion
from hocbaso.records.rendering import extract_embedded_xml
from hocbaso.records.xml import parse_xml
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import tool
from hocbaso.verification import core, paper, registry
from hocbaso.verification.tests.helpers import signed_pdf

pytestmark = pytest.mark.django_db


def _scan(pdf: bytes, *, dpi: int = 300) -> list[str]:
    """Every QR code found on every page rendered in grey at ``dpi`` (a 300 dpi printout)."""
    found: list[str] = []
    page = 1
    while True:
        result = subprocess.run(
            [tool("pdftoppm"), "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-"],
            input=pdf,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0 or not result.stdout:
            return found
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", result.stdout)
        assert header, "pdftoppm wrote a PGM"
        width, height = int(header.group(1)), int(header.group(2))
        pixels = memoryview(result.stdout[header.end() :]).cast("B", shape=[height, width])
        found.extend(b.text for b in zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode))  # type: ignore[arg-type]  # zxingcpp's stub: one format is accepted too
        page += 1


def test_the_printed_seal_box_carries_a_paper_seal_that_verifies(issued: RecordVersion, pki: DemoPKI) -> None:
    codes = _scan(signed_pdf(issued))
    seals = [c for c in codes if c.startswith(paper.PREFIX)]
    assert len(seals) == 1, codes
    links = {c for c in codes if not c.startswith(paper.PREFIX)}
    assert len(links) == 1, codes  # the verify link in every page's footer
    trust = core.TrustStore(roots=tuple(pki.roots()), intermediates=tuple(pki.chain()))
    offline = paper.verify_paper(seals[0], trust=trust, seals=registry.seal_bindings())
    assert (offline.outcome, offline.reason) == ("cannot_determine", "paper_offline"), offline
    assert {c.code for c in offline.checks if c.status == "passed"} >= {"paper_ok", "paper_school_ok"}
    report = registry.verify_paper(seals[0])  # online: the printed values are the registered version's
    assert (report.outcome, report.reason) == ("valid", "all_checks_passed"), report
    assert report.document is not None
    assert report.document.school_code == issued.school.code
    embedded = parse_xml(extract_embedded_xml(signed_pdf(issued)))
    assert report.document.issuance_code == embedded["issuance_code"]
    assert report.document.student_name == embedded["student"]["full_name"]
    assert report.document.xml_sha256 == issued.xml_sha256[:32]
