"""Browser tests of the family portal at 360 px (Debian's Chromium via Playwright): a family
activates the school's letter with the keyboard, sees the years, downloads a PDF and verifies it,
shares two years with a PIN, the link opens in another browser, is revoked and stops working.
The family, share and verify pages pass axe-core (no serious or critical violation) at 360 px and
1366 px."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hocbaso.portal import actions, codes
from hocbaso.portal.tests.helpers import GUARDIAN_PASSWORD, earlier_class, issue_year
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
from hocbaso.testing import World
from hocbaso.verification import registry
from tests.e2e.axe import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def _two_years_in_thread(world: World, pki: DemoPKI, env: dict[str, Any]) -> list[Any]:  # noqa: F811
    from django.db import connection

    try:
        student = world.students["an"]
        return [
            issue_year(world, pki, env, student, earlier_class(world)),
            issue_year(world, pki, env, student),
        ]
    finally:
        connection.close()


def _phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def test_a_family_activates_sees_downloads_verifies_shares_and_revokes_on_a_phone(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    browser: Any,
    tmp_path: Path,
) -> None:
    registry._trust_cache.clear()
    with ThreadPoolExecutor(max_workers=1) as worker:
        older, newer = worker.submit(_two_years_in_thread, world, pki, signing_env).result(timeout=600)
    letter = actions.issue_letter(by=world.users["principal"], student=world.students["an"])
    base = live_server.url
    context, page = _phone(browser)

    # The letter's QR code opens the activation page with the code filled in; the rest by keyboard.
    page.goto(f"{base}/family/activate/#ma={codes.printed(letter.code)}")
    assert page.input_value("#id_code") == codes.printed(letter.code)
    assert page.evaluate("document.activeElement.id") == "id_date_of_birth"
    assert serious_violations(page) == []
    page.keyboard.type("04/03/2017")
    for field, text in [("id_display_name", "Nguyễn Thị Mai"), ("id_username", "me.an")]:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    page.keyboard.type(GUARDIAN_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(GUARDIAN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/family/children/{world.students['an'].pk}/")

    # Every issued year, its state and both files verified; readable at 360 px without zoom.
    years = page.locator("article.year")
    assert years.count() == 2
    assert (
        page.locator(f"article[data-code='{older.issuance_code}'] [data-file='pdf']").get_attribute("data-outcome")
        == "valid"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    assert serious_violations(page) == []

    # Download the PDF, then verify it on the public page.
    with page.expect_download() as download_info:
        page.locator(f"article[data-code='{newer.issuance_code}'] a[href$='.pdf']").click()
    saved = tmp_path / "hoc-ba.pdf"
    download_info.value.save_as(saved)
    page.goto(f"{base}/verify")
    assert serious_violations(page) == []
    page.set_input_files("#document", str(saved))
    page.click("button[value=file]")
    page.wait_for_selector("#outcome")
    assert page.locator("#outcome").get_attribute("data-outcome") == "valid"
    assert serious_violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert serious_violations(page) == []
    page.goto(f"{base}/verify")
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)

    # Share both years with a PIN.
    page.goto(f"{base}/family/children/{world.students['an'].pk}/share/")
    assert serious_violations(page) == []
    for year in (older, newer):
        page.check(f"input[name=years][value='{year.school_year_id}']")
    page.fill("#id_pin", "2468")
    page.fill("#id_label", "Trường THCS Trần Hưng Đạo")
    page.click("main button[type=submit]")
    url = page.locator("#share-url").inner_text().strip()
    assert url.startswith(f"{base}/s/") and len(url.rsplit("/", 1)[1]) >= 32
    assert serious_violations(page) == []

    # The recipient, in another browser, says who they are and types the PIN.
    other, visitor = _phone(browser)
    visitor.goto(url)
    assert "Nguyễn Văn An" not in visitor.content()
    assert serious_violations(visitor) == []
    visitor.fill("#id_viewer", "Cô Lan, THCS Trần Hưng Đạo")
    visitor.fill("#id_pin", "2468")
    visitor.click("main button[type=submit]")
    visitor.wait_for_selector("article.year")
    assert {visitor.locator("article.year").nth(i).get_attribute("data-code") for i in range(2)} == {
        older.issuance_code,
        newer.issuance_code,
    }
    assert visitor.locator("[data-file='pdf'][data-outcome='valid']").count() == 2
    assert serious_violations(visitor) == []
    visitor.set_viewport_size(DESKTOP)
    assert serious_violations(visitor) == []

    # The family sees who opened it, and revokes it with the keyboard.
    page.goto(f"{base}/family/children/{world.students['an'].pk}/#shares")
    assert "Cô Lan, THCS Trần Hưng Đạo" in page.locator("#shares").inner_text()
    page.locator("#shares form button.danger").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#shares [data-state='revoked']")
    page.set_viewport_size(DESKTOP)
    assert serious_violations(page) == []

    # The link stops working at once, showing nothing.
    visitor.set_viewport_size(PHONE)
    response = visitor.goto(url)
    assert response is not None and response.status == 410
    assert visitor.locator("#closed").get_attribute("data-code") == "share_revoked"
    assert "Nguyễn Văn An" not in visitor.content() and newer.issuance_code not in visitor.content()
    assert serious_violations(visitor) == []
    other.close()
    context.close()


def test_the_accessibility_check_does_find_violations(browser: Any) -> None:
    """The check above is not a no-op: a form field without a label and an image without text fail it."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_content('<html lang="vi"><body><main><img src="a.png"><input type="text"></main></body></html>')
    found = serious_violations(page)
    assert any(v.startswith("image-alt") for v in found) and any(v.startswith("label") for v in found)
    context.close()
