"""A transfer from request to acceptance in the browser: the clerk records the family's request
from the student's page, the principal signs the decision (a wrong password first: refused, in
Vietnamese, nothing signed), the receiving principal accepts into a class — by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.directory.models import Enrolment
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import PASSWORD as CERT_PASSWORD
from hocbaso.signing.tests.factories import register_credential, signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World
from hocbaso.transfers.models import Transfer, TransferState
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Any, base_url: str) -> None:
    page.context.clear_cookies()


def test_a_transfer_from_request_to_acceptance(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    page: Any,
) -> None:
    register_credential(pki, world.users["principal"])
    student = world.students["an"]

    sign_in(page, live_server.url, "clerk", PASSWORD)
    page.goto(f"{live_server.url}/students/{student.pk}/")
    page.get_by_role("link", name="Đề nghị chuyển trường").click()
    page.select_option("#id_to_school", str(world.school_b.pk))
    page.select_option("#id_school_year", "2025-2026")
    page.fill("#id_desired_date", "2026-01-05")
    page.fill("#id_reason", "Gia đình chuyển nơi ở")
    page.fill("#id_requested_by_family", "Nguyễn Thị Mai (mẹ)")
    page.press("#id_requested_by_family", "Enter")
    page.wait_for_selector("#transfer-state")
    assert "Gia đình đã đề nghị" in page.locator("#transfer-state").inner_text()
    transfer = Transfer.objects.get()

    sign_out(page, live_server.url)
    sign_in(page, live_server.url, "principal", PASSWORD)
    page.goto(f"{live_server.url}/transfers/{transfer.pk}/")
    page.fill("#id_authorisation", "sai mật khẩu")
    page.press("#id_authorisation", "Enter")
    page.wait_for_selector("[role=alert]")
    assert "mật khẩu" in page.locator("[role=alert]").first.inner_text()
    assert Transfer.objects.get().state == TransferState.REQUESTED
    page.fill("#id_authorisation", CERT_PASSWORD)
    page.press("#id_authorisation", "Enter")
    page.wait_for_selector("text=Quyết định đã ký (XML)")
    assert Transfer.objects.get().state == TransferState.DECIDED

    sign_out(page, live_server.url)
    sign_in(page, live_server.url, "principal_b", PASSWORD)
    page.goto(f"{live_server.url}/transfers/")
    page.get_by_role("link", name=student.full_name).click()
    page.select_option("#id_to_class", str(world.class_b_3a.pk))
    page.fill("#id_register_number", "DB-17")
    page.press("#id_register_number", "Enter")
    page.wait_for_selector("text=Trường tiếp nhận đã tiếp nhận")
    assert Transfer.objects.get().state == TransferState.ACCEPTED
    assert Enrolment.objects.get(student=student, end_date__isnull=True).class_group == world.class_b_3a
