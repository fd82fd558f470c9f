"""A digitised paper book from scan to verification, and what a forger or a careless insider tries."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.records import storage
from hocbaso.records.models import Origin, Status
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World
from hocbaso.verification import core, registry
from hocbaso.verification.tests.digitised import certify, digitise
from hocbaso.verification.tests.helpers import signed_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> Any:
    registry._trust_cache.clear()
    version = digitise(world)
    item = certify(world, pki, signing_env, version)
    assert item.outcome == "ok", item.message
    return version


def test_a_digitised_year_is_issued_by_the_seal_alone_and_verifies_valid(certified: Any) -> None:
    version = certified
    assert version.origin == Origin.DIGITISED
    assert version.status == Status.ISSUED
    report = registry.verify_code(version.issuance_code)
    assert report.outcome == "valid", [c for c in report.checks if c.status != "passed"]
    facts = report.document
    assert facts is not None and facts.digitised
    assert facts.book_number == "125/2026" and facts.original_date == "2026-05-25"
    assert facts.compared_by == "Principal"
    codes = {c.code for c in report.checks}
    assert {"digitised_certified", "scan_attached", "xml_matches_pdf", "hash_matches"} <= codes
    shown = dict(core.facts_shown(facts))
    assert "125/2026" in shown["Kind of document"] and "Principal" in shown["Kind of document"]
    assert [s.role for s in report.signatures] == ["school"]


def test_the_uploaded_digitised_pdf_verifies_with_its_scan_attached(certified: Any) -> None:
    pdf = signed_pdf(certified)
    report = registry.verify_document(pdf)
    assert report.outcome == "valid", report.reason
    book = certified.digitised_book
    from hocbaso.records.rendering import extract_embedded_xml

    assert extract_embedded_xml(pdf, name="ban-quet.pdf") == storage.get(book.scan_name, book.scan_sha256)
