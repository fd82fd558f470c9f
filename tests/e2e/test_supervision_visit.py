"""A supervision visit in the browser: commune 1's officer records a visit to school A with a
follow-up (a date in the future first: refused on the field, nothing saved), the principal sees
it and marks it done with a note, the officer confirms it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hocbaso.core import clock
from hocbaso.reporting.readiness.models import FollowUp, FollowUpEvent, SupervisionVisit
from hocbaso.testing import PASSWORD, World
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_records_a_visit_and_the_principal_marks_its_follow_up_done(
    world: World, live_server: Any, page: Any
) -> None:
    today = clock.today()
    sign_in(page, live_server.url, "officer", PASSWORD)
    page.get_by_role("link", name="Kiểm tra, hỗ trợ").click()
    page.get_by_role("link", name="Ghi biên bản kiểm tra").click()
    page.select_option("#id_school", str(world.school_a.pk))
    page.fill("#id_visited_on", (today + dt.timedelta(days=1)).isoformat())
    page.fill("#id_findings", "Trường đã nhập đủ điểm giữa kỳ; hai giáo viên chưa có chứng thư số.")
    page.fill("#id_follow_up_1", "Đăng ký chứng thư số cho hai giáo viên")
    page.fill("#id_due_1", (today + dt.timedelta(days=14)).isoformat())
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert "Ngày kiểm tra không được sau hôm nay" in page.locator("[role=alert]").first.inner_text()
    assert not SupervisionVisit.objects.exists()

    page.fill("#id_visited_on", today.isoformat())
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("text=Đã lưu biên bản kiểm tra")
    visit = SupervisionVisit.objects.get()
    assert visit.unit == world.commune1
    follow_up = FollowUp.objects.get()
    assert "Chưa thực hiện" in page.locator(f"#follow-up-{follow_up.pk} .state").inner_text()

    page.context.clear_cookies()
    sign_in(page, live_server.url, "principal", PASSWORD)
    page.get_by_role("link", name="Kiểm tra, hỗ trợ").click()
    page.get_by_role("link", name=today.strftime("%d/%m/%Y")).click()
    page.fill(f"#note-done-{follow_up.pk}", "Đã nộp hồ sơ đăng ký ngày hôm nay")
    page.get_by_role("button", name="Đã thực hiện").click()
    page.wait_for_selector("text=Trường báo đã xong, chờ xác nhận")
    assert FollowUp.objects.get().state == "done"

    page.context.clear_cookies()
    sign_in(page, live_server.url, "officer", PASSWORD)
    page.goto(f"{live_server.url}/supervision/visits/{visit.pk}/")
    assert "Đã nộp hồ sơ đăng ký ngày hôm nay" in page.locator(f"#follow-up-{follow_up.pk}").inner_text()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector("text=Đã xong, đã xác nhận")
    assert FollowUp.objects.get().state == "confirmed"
    assert [e.move for e in FollowUpEvent.objects.all()] == ["mark_done", "confirm"]
