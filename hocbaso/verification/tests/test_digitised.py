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


def test_the_signed_xml_of_a_digitised_copy_verifies_too(certified: Any) -> None:
    from hocbaso.verification.tests.helpers import signed_xml

    report = registry.verify_document(signed_xml(certified))
    assert report.outcome == "valid", report.reason
    assert report.document is not None and report.document.digitised


def test_a_tampered_digitised_pdf_is_invalid(certified: Any) -> None:
    from hocbaso.verification.tests.helpers import tampered

    report = registry.verify_document(tampered(signed_pdf(certified)))
    assert report.outcome == "invalid"


def test_a_digitised_copy_sealed_by_another_schools_seal_is_invalid(
    certified: Any, world: World, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    """A forger holding school B's real seal signs school A's digitised copy outside the system."""
    from hocbaso.signing import pades
    from hocbaso.signing.tests.factories import register_credential

    _credential, seal_b = register_credential(pki, world.users["principal_b"], organisation_of=world.school_b)
    unsigned = storage.get(certified.pdf_name, certified.pdf_sha256)
    from hocbaso.signing.providers import open_kit

    with open_kit(seal_b) as kit:
        forged = pades.sign_pdf(
            unsigned,
            field_name="school",
            signer=kit.pdf_signer,
            certify=True,
            reason="Xác nhận của nhà trường",
            location="Trường Tiểu học A",
            timestamper_url=signing_env["tsa_url"],
        )
    report = registry.verify_document(forged)
    assert report.outcome == "invalid"
    failed = {c.code for c in report.checks if c.status == "failed"}
    assert {"hash_mismatch", "signer_unexpected"} <= failed


def test_the_workflow_refuses_another_schools_seal_and_personal_signatures(
    world: World, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    from hocbaso.signing import batches
    from hocbaso.signing.tests.factories import register_credential

    version = digitise(world)
    item = certify(world, pki, signing_env, version, user="principal_b", school=world.school_b)
    assert item.outcome == "failed" and item.code == "signer_not_appointed"
    _c, homeroom = register_credential(pki, world.users["homeroom"])
    batch = batches.sign_batch(
        by=world.users["homeroom"],
        version_ids=[version.pk],
        role="homeroom",
        signer_source=homeroom,
        idempotency_key="digitised-homeroom",
        timestamper_url=signing_env["tsa_url"],
        trust=signing_env["trust"],
    )
    refused = batch.items.get()
    assert (refused.outcome, refused.code) == ("failed", "digitised_seal_only")
    version.refresh_from_db()
    assert version.status == Status.FROZEN and not version.signed_pdf_name


def test_the_seal_waits_for_digitised_copies_on_the_signing_list(world: World) -> None:
    from hocbaso.signing import pending

    version = digitise(world)
    groups = pending.pending_for(world.users["clerk"])
    assert [(g.role, [v.pk for v in g.versions]) for g in groups] == [("school", [version.pk])]
    assert pending.pending_for(world.users["homeroom"]) == []


def test_whoever_presents_the_code_sees_a_digitised_copy_and_its_scan(certified: Any, client: Any) -> None:
    code = certified.issuance_code
    page = client.get(f"/verify/{code}").content.decode()
    assert 'data-outcome="valid"' in page
    assert "125/2026" in page and 'id="scan-download"' in page
    scan = client.get(f"/verify/{code}/scan.pdf")
    book = certified.digitised_book
    assert scan.status_code == 200 and scan["Content-Type"] == "application/pdf"
    assert scan.content == storage.get(book.scan_name, book.scan_sha256)
    body = client.get(f"/api/v1/verify/code/{code}").json()
    assert body["outcome"] == "valid" and body["document"]["digitised"] is True
    assert body["document"]["book_number"] == "125/2026"
    assert any("125/2026" in fact["value"] for fact in body["facts"])
    assert client.get(f"/api/v1/verify/code/{code}/scan").content == scan.content


def test_no_scan_for_a_digitally_born_record_or_an_uncertified_copy(world: World, client: Any) -> None:
    version = digitise(world, student="binh")
    assert client.get(f"/verify/{version.issuance_code}/scan.pdf").status_code == 404
    assert client.get("/verify/HB-0000-0000-0000-0/scan.pdf").status_code == 404
    assert client.get("/verify/not-a-code/scan.pdf").status_code == 404


def test_page_api_and_offline_command_say_the_same_about_a_digitised_copy(certified: Any, tmp_path: Any) -> None:
    from django.test import Client

    from hocbaso.verification.tests.helpers import api_sees, command_sees, page_sees, save

    client = Client()
    pdf = signed_pdf(certified)
    bundle = save(tmp_path, "bundle.json", client.get("/verify/trust-bundle.json").content)
    packet = save(tmp_path, "packet.json", client.get(f"/api/v1/verify/packet/{certified.issuance_code}").content)
    page = page_sees(client, document=pdf)
    assert page.outcome == "valid"
    assert api_sees(client, document=pdf) == page
    offline, status = command_sees([save(tmp_path, "copy.pdf", pdf), "--trust", bundle, "--packet", packet], client)
    assert (offline, status) == (page, 0)
    kind = dict(page.facts)["Loại văn bản"]
    assert kind.startswith("Bản số hóa từ học bạ giấy số 125/2026 ngày 25/05/2026") and "Principal" in kind
