"""One paper book digitised through the pages: the clerk uploads the scan and types the year, the
principal compares it with the scan and applies the school's seal, anyone verifies it with the
code and sees it is a digitised copy of a paper original, with the scan to open."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.records.digitising_models import DigitisedBook
from hocbaso.records.models import Origin, Status
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import PASSWORD as CERT_PASSWORD
from hocbaso.signing.tests.factories import register_credential, signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World
from hocbaso.verification import registry
from hocbaso.verification.tests.digitised import scan_image
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_paper_book_from_scan_to_verification(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    page: Any,
) -> None:
    registry._trust_cache.clear()
    register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    base = live_server.url

    # the clerk: the scan with the paper book's details, then the year's results
    sign_in(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/records/schools/{world.school_a.pk}/digitising/")
    page.click("#new-scan")
    page.select_option("#id_class_group", str(world.class_3a.pk))
    page.select_option("#id_student", str(world.students["an"].pk))
    page.fill("#id_book_number", "125/2026")
    page.fill("#id_original_pages", "7-8")
    page.fill("#id_original_date", "25/05/2026")
    page.fill("#id_printed_homeroom", "Nguyễn Thị Hoa")
    page.fill("#id_printed_principal", "Trần Văn Bảy")
    page.set_input_files(
        "#id_scan", files=[{"name": "trang-7.png", "mimeType": "image/png", "buffer": scan_image(text="trang 7")}]
    )
    page.click("#scan-form button[type=submit]")
    page.wait_for_selector("#transcription-form")
    assert "Đã quét" in page.locator("#book-state").inner_text()

    for select in page.locator("#transcription-form select[name^=subject_]").all():
        select.select_option("T")
    for select in page.locator("#transcription-form select[name^=competency_]").all():
        select.select_option("Đ")
    for score in page.locator("#transcription-form input[name^=score_]").all():
        score.fill("9")
    page.select_option("#id_result", "htt")
    page.fill("#id_days_absent", "2")
    page.click("#transcribe")
    page.wait_for_selector("#compare-other")  # the clerk typed it: a colleague compares
    page.context.clear_cookies()

    # the principal: compares with the scan, then applies the school's seal
    sign_in(page, base, "principal", PASSWORD)
    book = DigitisedBook.objects.get()
    page.goto(f"{base}/records/digitising/{book.pk}/")
    page.click("#compare")
    page.wait_for_selector("#version-link")
    page.goto(f"{base}/signing/pending/")
    page.check("[data-tick-class]")  # nothing is ticked for the signer
    page.fill("input[name=authorisation]", CERT_PASSWORD)
    page.click("form[data-submit-once] button[type=submit]")
    page.wait_for_url(f"{base}/signing/batches/*/")
    page.wait_for_selector("tr.outcome-ok")
    book.refresh_from_db()
    version = book.version
    assert version is not None and version.origin == Origin.DIGITISED and version.status == Status.ISSUED
    page.context.clear_cookies()

    # anyone with the code
    page.goto(f"{base}/verify/{version.issuance_code}")
    assert page.locator("#outcome").get_attribute("data-outcome") == "valid"
    assert "125/2026" in page.locator("#digitised").inner_text()
    assert "Bản số hóa" in page.locator("#verdict-facts").inner_text()
    scan = page.request.get(base + str(page.locator("#scan-download").get_attribute("href")))
    assert scan.status == 200 and scan.body().startswith(b"%PDF-")
