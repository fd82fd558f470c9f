"""Browser test of the reporting dashboards: the province officer drills down from the province
to a commune, a school and a class (counts only, no child's name on any page), then builds the
province roll-up and downloads it; the dashboard is checked at 1366×768 and at a 390 px phone
width (Debian's Chromium via Playwright)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from hocbaso.reporting.tests.data import build
from hocbaso.testing import PASSWORD, World
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHILDREN = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Văn Dũng", "Vũ Thị Hoa")


def _no_child(page: Any) -> None:
    text = page.content()
    for name in CHILDREN:
        assert name not in text, name


def test_province_officer_drills_down_and_downloads_the_roll_up(world: World, live_server: Any, page: Any) -> None:
    data = build(world)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, "province_officer", PASSWORD)
    page.get_by_role("link", name="Bảng theo dõi — Tỉnh Quảng Ngãi").click()
    page.select_option("select[name=year]", "2025-2026")
    page.select_option("select[name=point]", "mid1")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**point=mid1*")
    expect(page.locator("h1")).to_have_text("Học bạ số — Tỉnh Quảng Ngãi")
    expect(page.locator("svg.chart")).to_have_count(3)
    assert "Trường dùng học bạ giấy" in page.content()
    _no_child(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reporting-province.png"), full_page=True)

    # Each click loads a new page: wait for its heading before reading it (a bare count() reads
    # whatever document is there at that instant, the previous one on a slow machine).
    page.get_by_role("link", name="Phường Cẩm Thành").first.click()
    expect(page.locator("h1")).to_contain_text("Phường Cẩm Thành")
    assert "Trường Tiểu học Cẩm Thành" in page.content() and world.school_a.name not in page.content()
    page.get_by_role("link", name="Tỉnh Quảng Ngãi").click()
    expect(page.locator("h1")).to_contain_text("Tỉnh Quảng Ngãi")
    page.get_by_role("link", name="Xã Bình Sơn").first.click()
    expect(page.locator("h1")).to_contain_text("Xã Bình Sơn")
    page.get_by_role("link", name=world.school_a.name).first.click()
    expect(page.locator("h1")).to_contain_text(world.school_a.name)
    expect(page.get_by_role("link", name="3B")).to_have_count(1)
    _no_child(page)
    page.get_by_role("link", name="3A").click()
    expect(page.locator("h1")).to_contain_text("Lớp 3A")
    assert page.locator("h1").inner_text().startswith("Lớp 3A")
    assert "4 / 50" in page.content()  # cells entered in 3A at GHK1, hand-counted
    _no_child(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/units/{world.province.pk}/?year=2025-2026&point=mid1")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # wide tables scroll inside their own box, the page does not
    page.screenshot(path=str(SCREENSHOTS / "reporting-phone.png"), full_page=False)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("button", name="Lập báo cáo tổng hợp (.xlsx và PDF)").click()
    page.wait_for_url("**/reports/runs/*/")
    page.get_by_role("link", name="Tải .xlsx").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải .xlsx").click()
    download = download_info.value
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert cells[0].endswith("Tỉnh Quảng Ngãi")
    assert "Phường Cẩm Thành" in " ".join(cells) and data.school_c.name + " (học bạ giấy)" in " ".join(cells)
    for name in CHILDREN:
        assert name not in " ".join(cells)
