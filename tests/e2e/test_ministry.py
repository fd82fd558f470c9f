"""Browser test of the Ministry pages: the province officer opens "Gửi học bạ lên Bộ" from the home
page, reads the counts, gives the seal's password and sends; the batch is prepared and sealed by
the background task (in process here) and sent to the Ministry's store simulated on loopback,
which checks the seal and the schema and accepts every row; the officer reads the batch's page
(sealed, its hash, the store's receipt) and the submission log (Debian's Chromium via Playwright)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connections

from hocbaso.records import storage
from hocbaso.reporting.ministry import actions
from hocbaso.reporting.ministry.models import Department, Submission, SubmissionState
from hocbaso.reporting.ministry.receiver import MinistryStore
from hocbaso.reporting.ministry.tests.conftest import (
    PASSWORD as SEAL_PASSWORD,
)
from hocbaso.reporting.ministry.tests.conftest import SEAL_NAME, endpoint, issue, store  # noqa: F401
from hocbaso.signing import xades
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services, trust  # noqa: F401
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World
from tests.e2e.axe import scroll_width
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
T = TypeVar("T")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _fits_phone_and_desktop(page: Any, url: str) -> None:
    """``url`` at 390 px and at 1366 px: the page never scrolls sideways, and every table either fits
    the screen or scrolls inside its own box (its box no wider than the screen)."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(url)
        width = viewport["width"]
        assert scroll_width(page) <= width, f"{url} is {scroll_width(page)} px wide at {width} px"
        boxes = page.eval_on_selector_all("main table", "ts => ts.map(t => t.getBoundingClientRect().right)")
        assert all(right <= width + 1 for right in boxes), f"a table of {url} leaves the screen at {width} px"
    page.set_viewport_size(DESKTOP)


def _in_thread(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in a thread of its own (pyHanko's event loop cannot run beside Playwright's),
    closing that thread's database connections after it."""

    def run() -> T:
        try:
            return work(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def department(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> Department:  # noqa: F811
    """The province's Sở and its seal, as in the Ministry tests, registered in a thread of its own:
    checking the certificate runs an event loop (pyHanko), which Playwright's running loop forbids here."""

    def set_up() -> Department:
        found = actions.configure_department(by=world.users["operator"], unit=world.province, code="51", name=SEAL_NAME)
        key, cert = pki.issue_organisation(SEAL_NAME, locality="Tỉnh Quảng Ngãi")
        return actions.register_seal(
            by=world.users["province_officer"],
            department=found,
            pkcs12=pki.export_pkcs12(key, cert, SEAL_PASSWORD),
            password=SEAL_PASSWORD,
            label="Con dấu số của Sở",
        )

    return _in_thread(set_up)


def test_province_officer_prepares_a_sealed_batch_and_reads_the_log(  # type: ignore[no-untyped-def]
    world: World,
    department,
    endpoint,  # noqa: F811
    store: MinistryStore,  # noqa: F811
    pki: DemoPKI,  # noqa: F811
    live_server: Any,
    page: Any,
) -> None:
    issued = [issue(world), issue(world, class_group=world.class_3b), issue(world, class_group=world.class_b_3a)]
    sign_in(page, live_server.url, "province_officer", PASSWORD)
    page.get_by_role("link", name="Gửi học bạ lên Bộ").first.click()
    page.wait_for_url(f"{live_server.url}/reports/ministry/{department.pk}/")
    page.select_option("select[name=year]", world.year.code)
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(f"**year={world.year.code}*")  # the chosen year's page, not the one before it
    counts = page.locator("table").first.inner_text()
    assert "3" in counts  # three issued records to send
    assert page.locator("input[name=request_key]").get_attribute("value")  # the form's own key
    page.fill("input[name=authorisation]", SEAL_PASSWORD)
    page.get_by_role("button", name="Ký số và gửi").click()
    page.wait_for_url(f"{live_server.url}/reports/ministry/submissions/*/")

    submission = Submission.objects.get()
    assert submission.state == SubmissionState.ACCEPTED and submission.accepted == 3
    assert set(store.rows) == {(str(v.record.public_id), v.number) for v in issued}
    body = storage.get(submission.body_name, submission.body_sha256)
    seals = _in_thread(xades.verify_xml, body, pki.roots())
    assert [s.outcome for s in seals] == ["valid"] and seals[0].signer_fingerprint == department.seal.fingerprint

    shown = page.locator("#batch-progress").inner_text()
    assert submission.body_sha256 in shown and submission.seal_fingerprint in shown
    assert submission.receipt in page.content()
    assert page.locator("progress").count() == 0  # prepared: nothing left to wait for
    assert "Đã chấp nhận" in shown
    for child in ("Nguyễn Văn An", issued[0].record.student.full_name):
        assert child not in page.content()  # counts and codes only
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ministry-batch.png"), full_page=True)

    _fits_phone_and_desktop(page, page.url)  # the batch's progress, its hashes and receipt
    page.get_by_role("link", name="Quay lại").click()
    page.wait_for_url(re.compile(rf".*/reports/ministry/{department.pk}/(\?.*)?$"))
    log = page.locator("table").last
    assert "Đã chấp nhận" in log.inner_text() and "3" in log.inner_text()
    assert log.get_by_role("link").count() == 1


def test_the_seal_page_and_the_sealed_report_fit_a_phone_and_a_desktop(  # type: ignore[no-untyped-def]
    world: World,
    department,
    live_server: Any,
    page: Any,
) -> None:
    """The province's seal (registered with the department's) shown on its registration page, then a
    roll-up sealed with it and its download page, each at 390 px and 1366 px."""
    base = live_server.url
    page.set_default_timeout(60000)  # a shared machine under load
    sign_in(page, base, "province_officer", PASSWORD)
    seal_page = f"{base}/reports/units/{world.province.pk}/seal/"
    page.goto(seal_page)
    assert department.seal.fingerprint[:16] in page.content()
    _fits_phone_and_desktop(page, seal_page)

    page.goto(f"{base}/reports/units/{world.province.pk}/?year={world.year.code}&point=mid1")
    page.fill("input[name=seal_authorisation]", SEAL_PASSWORD)
    page.get_by_role("button", name="Lập báo cáo tổng hợp (.xlsx và PDF)").click()
    page.wait_for_url("**/reports/runs/*/")
    page.locator(".seal-note").wait_for()
    assert department.seal.fingerprint in page.locator(".seal-note").inner_text()
    _fits_phone_and_desktop(page, page.url)
