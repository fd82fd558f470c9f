"""Paper mode in the browser: the commune officer puts school A's year on paper with a reason
(refused without one); the clerk prints the class's paper book pages (a real PDF marked "BẢN GIẤY")
and records the signed books, then sees them listed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from hocbaso.core import clock
from hocbaso.directory.paper import is_paper_year
from hocbaso.records.models import PaperBook
from hocbaso.testing import PASSWORD, World
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_sets_paper_mode_and_the_clerk_prints_and_records_the_books(
    world: World, live_server: Any, page: Any, browser: Any, tmp_path: Path
) -> None:
    sign_in(page, live_server.url, "officer", PASSWORD)
    page.goto(f"{live_server.url}/")
    page.click("text=Trường dùng học bạ giấy")
    row = page.locator(f'tr[data-school="{world.school_a.code}"][data-year="{world.year.code}"]')
    row.locator("input[name=reason]").fill(" ")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("[role=alert]")
    assert "lý do" in page.locator("[role=alert]").first.inner_text()
    assert not is_paper_year(world.school_a, world.year)
    row = page.locator(f'tr[data-school="{world.school_a.code}"][data-year="{world.year.code}"]')
    row.locator("input[name=reason]").fill("Chưa có chứng thư số cho giáo viên")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("text=dùng học bạ giấy cho năm học 2025-2026")
    assert is_paper_year(world.school_a, world.year)
    assert (
        "Bản giấy"
        in page.locator(f'tr[data-school="{world.school_a.code}"][data-year="{world.year.code}"]').inner_text()
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    clerk = context.new_page()
    sign_in(clerk, live_server.url, "clerk", PASSWORD)
    clerk.goto(f"{live_server.url}/records/classes/{world.class_3a.pk}/")
    clerk.click("text=Sổ học bạ giấy: in các trang và ghi nhận sổ đã ký")
    with clerk.expect_download() as download:
        clerk.click("#print-class")
    path = tmp_path / "lop.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "BẢN GIẤY" in text and "NGUYỄN VĂN AN" in text and "TRẦN THỊ BÌNH" in text

    clerk.fill(f"input[name=book_{world.students['an'].pk}]", "21/2025")
    clerk.fill(f"input[name=book_{world.students['binh'].pk}]", "22/2025")
    clerk.fill("input[name=signed_on]", clock.today().isoformat())
    clerk.fill("input[name=homeroom_name]", "Lê Thị Hoa")
    clerk.fill("input[name=principal_name]", "Trần Văn Nam")
    clerk.click("#paper-books button[type=submit]")
    clerk.wait_for_selector("text=Đã ghi nhận 2 sổ học bạ giấy.")
    assert "21/2025" in clerk.locator(f'tr[data-student="{world.students["an"].pk}"]').inner_html()
    assert clock.today().strftime("%d/%m/%Y") in clerk.locator("#paper-books").inner_text()
    assert set(PaperBook.objects.values_list("book_number", flat=True)) == {"21/2025", "22/2025"}
    context.close()
