"""The pages people read, in Chromium at 1366×768 and, for the verify and record pages, 390×844:
no horizontal overflow (document.scrollWidth), axe-core finds no serious or critical violation,
and each says what it must — the verify page names each signer and role, a record still waiting
for signatures reads "Chưa phát hành" (amber) and never "Không hợp lệ"; the login page links to
/verify; the audit page fits 1366 px, filters and exports; the home, grid and year pages pass
axe. Screenshots for docs/screenshots/ are taken here."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hocbaso.assessments import actions
from hocbaso.audit import actions as audit
from hocbaso.records.models import RecordVersion
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World
from hocbaso.verification import registry
from hocbaso.verification.tests.helpers import issue
from tests.e2e.axe import assert_accessible, scroll_width
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _versions_in_thread(world: World, pki: DemoPKI, env: dict[str, Any]) -> tuple[RecordVersion, RecordVersion]:  # noqa: F811
    from django.db import connection

    try:
        return issue(world, pki, env), issue(world, pki, env, stop_after="homeroom")
    finally:
        connection.close()


@pytest.fixture
def versions(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> tuple[RecordVersion, RecordVersion]:  # noqa: F811
    """An issued record and one signed by the homeroom teacher only (pyHanko needs its own loop)."""
    registry._trust_cache.clear()
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_versions_in_thread, world, pki, signing_env).result(timeout=900)


def _fits(page: Any, width: int) -> None:
    assert scroll_width(page) <= width, f"{page.url} is {scroll_width(page)} px wide at {width} px"


def test_verify_and_record_pages_on_a_phone_and_a_desktop(
    world: World, versions: tuple[RecordVersion, RecordVersion], live_server: Any, browser: Any
) -> None:
    issued, waiting = versions
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, locale="vi-VN", is_mobile=viewport is PHONE)
        page = context.new_page()
        page.set_default_timeout(60000)

        page.goto(f"{base}/verify/{issued.issuance_code}")
        assert page.locator("#outcome").inner_text() == "Hợp lệ"
        lines = page.locator("#signatures li").all_inner_texts()
        assert len(lines) == 3
        assert lines[0].startswith("✓ Chữ ký số hợp lệ của Homeroom — Giáo viên chủ nhiệm")
        assert "— Hiệu trưởng" in lines[1] and "— Con dấu số của trường" in lines[2]
        assert not page.locator("#checks").is_visible()  # the technical checks are folded away
        text = page.locator("main").inner_text()
        for jargon in ("Gốc cây", "cây ", "issued", "signed_homeroom", "principal", "homeroom,"):
            assert jargon not in text, jargon
        assert page.locator("#status").inner_text() == "Đã phát hành"
        _fits(page, viewport["width"])
        assert_accessible(page, f"verify page (issued) at {viewport['width']} px")
        if viewport is PHONE:
            page.screenshot(path=str(SCREENSHOTS / "verify-phone.png"), full_page=True)

        page.goto(f"{base}/verify/{waiting.issuance_code}")
        outcome = page.locator("#outcome")
        assert outcome.get_attribute("data-outcome") == "invalid"  # the verdict stays fail-closed
        assert outcome.get_attribute("data-shown") == "not_issued"
        assert outcome.inner_text() == "Chưa phát hành"
        assert "không phải dấu hiệu giả mạo" in page.locator("#reason").inner_text()
        assert "Không hợp lệ" not in page.locator("main").inner_text()
        colour = outcome.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(254, 247, 224)"  # amber, not the red of an invalid record
        assert page.locator("#status").inner_text() == "Giáo viên chủ nhiệm đã ký"
        _fits(page, viewport["width"])
        assert_accessible(page, f"verify page (not issued) at {viewport['width']} px")
        if viewport is DESKTOP:
            page.screenshot(path=str(SCREENSHOTS / "verify-not-issued.png"))

        page.goto(f"{base}/login/")
        page.click("#verify-link")
        page.wait_for_url(f"{base}/verify")
        context.close()

    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, locale="vi-VN", is_mobile=viewport is PHONE)
        page = context.new_page()
        page.set_default_timeout(60000)
        sign_in(page, base, "principal", PASSWORD)
        page.goto(f"{base}/records/versions/{issued.pk}/")
        assert issued.signed_pdf_sha256 not in page.locator("main").inner_text()  # folded until asked
        page.locator("#version-hashes summary").click()
        _fits(page, viewport["width"])
        assert_accessible(page, f"record page at {viewport['width']} px")
        if viewport is PHONE:
            page.screenshot(path=str(SCREENSHOTS / "record-phone.png"))
        context.close()


def test_audit_home_grid_and_year_pages_at_1366(world: World, live_server: Any, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(60000)  # a shared machine under load
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="mid2", open_=True
    )
    for _ in range(3):
        audit.record(
            by=world.users["homeroom"], action="student.read", obj=world.students["an"], school_id=world.school_a.pk
        )

    sign_in(page, base, "principal", PASSWORD)
    assert_accessible(page, "principal's home page")
    page.goto(f"{base}/schools/{world.school_a.pk}/audit/")
    rows = page.locator("#audit-events tbody tr")
    assert rows.count() >= 4
    text = page.locator("#audit-events").inner_text()
    assert "Xem trang học sinh" in text and "Nguyễn Văn An" in text and "Homeroom" in text
    assert "student.read" not in text and "directory.student" not in text
    _fits(page, DESKTOP["width"])
    assert_accessible(page, "audit page")
    page.screenshot(path=str(SCREENSHOTS / "audit-log.png"))
    page.select_option("#f-kind", "students")
    page.click(".audit-filters button[type=submit]")
    page.wait_for_url("**kind=students**")
    assert set(page.locator("#audit-events tbody tr td:nth-child(3)").all_inner_texts()) == {"Xem trang học sinh"}
    with page.expect_download() as download:
        page.click("#audit-export")
    assert download.value.suggested_filename == f"nhat-ky-{world.school_a.code}.xlsx"

    page.context.clear_cookies()
    sign_in(page, base, "homeroom", PASSWORD)
    assert_accessible(page, "homeroom teacher's home page")
    page.goto(f"{base}/classes/{world.class_3a.pk}/assessments/mid2/?section=subjects")
    page.wait_for_selector("#grid")
    assert_accessible(page, "entry grid")
    page.goto(f"{base}/classes/{world.class_3a.pk}/year-page/")
    assert_accessible(page, "year page")
