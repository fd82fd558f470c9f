"""A homeroom teacher's and a principal's day at 1366×768: the home page names the next task, the
class page opens the point open now, the grid shows many rows under a sticky header, a refused
value is shown as refused (not counted, the stored value restorable), a 35×3 block pasted from the
clipboard is saved cell by cell and undone at once, the year page warns before losing typing, the
year results wait for the end-of-year window, and the principal locks a point only after
confirming and follows progress per class and subject.

``HOCBASO_SCREENSHOTS=docs/screenshots`` refreshes the README's screenshots from these tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from hocbaso.assessments import actions, windows
from hocbaso.assessments.models import AssessmentEntry
from hocbaso.core.collation import sort_students
from hocbaso.directory.models import ClassGroup, Enrolment, Role
from hocbaso.testing import PASSWORD, World, appoint, enrol, make_student
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_NAMES = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nam", "Oanh", "Phúc"]


@pytest.fixture
def wide(browser: Any) -> Iterator[Any]:
    """A page at 1366×768, the common school laptop, failing on any CSP violation."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not violations, violations


def _class_of_35(world: World) -> ClassGroup:
    class_group = ClassGroup.objects.create(school=world.school_a, school_year=world.year, grade=3, name="3C")
    for n in range(35):
        enrol(make_student(world.school_a, f"Nguyễn Văn {FIRST_NAMES[n % 12]} {chr(65 + n // 12)}"), class_group)
    appoint(world.users["homeroom"], Role.HOMEROOM_TEACHER, class_group=class_group)
    return class_group


def _open(world: World, point: str) -> None:
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point=point, open_=True
    )


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("HOCBASO_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name))


def _paste(page: Any, text: str) -> None:
    """What Ctrl+V delivers: a paste event carrying the clipboard's text, at the focused cell."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )


def test_grid_paste_block_refusals_and_undo(wide: Any, live_server: Any, world: World) -> None:
    page = wide
    _open(world, "mid1")
    _open(world, "mid2")
    class_group = _class_of_35(world)
    students = [e.student for e in sort_students(Enrolment.objects.filter(class_group=class_group))]
    sign_in(page, live_server.url, "homeroom", PASSWORD)

    # the home page names the task, its point and the empty cells
    home = page.locator("main").inner_text()
    assert "Nhập Giữa học kì II (GHK2) — lớp 3C: còn 875 ô trống" in home  # 35 × (10 + 15)
    _shot(page, "teacher-home.png")
    # the class page's button opens GHK2, the latest open point, not the locked year-end
    page.goto(f"{live_server.url}/classes/{class_group.pk}/")
    page.get_by_role("link", name="Nhập đánh giá").click()
    page.wait_for_url(f"**/classes/{class_group.pk}/assessments/mid2/")
    assert page.locator(".tabs a[aria-current=page]").inner_text() == "Giữa học kì II (GHK2)"
    # sections in one drop-down, every label once ("Năng lực khoa học" is not "Khoa học")
    options = page.locator("#id_section option").all_inner_texts()
    assert len(options) == len(set(options)) and "Năng lực khoa học" in options
    assert page.locator("nav.tabs").count() == 1  # the four points; no row of 34 tabs

    # at 1366×768 many rows are in view
    rows = page.locator("#grid tbody tr")
    assert page.locator("#empty-count b").inner_text() == "350"
    visible = page.evaluate(
        """() => Array.from(document.querySelectorAll('#grid tbody tr')).filter((tr) => {
            const r = tr.getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight;
        }).length"""
    )
    assert visible >= 15, visible

    # paste a 35×3 block at the first cell (Tiếng Việt, Toán, Ngoại ngữ 1), two values wrong
    values = [["T", "H", "T"] for _ in range(35)]
    values[4][1] = "X"
    values[20][2] = "9"
    text = "\r\n".join("\t".join(row) for row in values) + "\r\n"
    first = rows.nth(0).locator("input.cell-input").nth(0)
    first.click()
    _paste(page, text)
    page.wait_for_function("() => document.getElementById('grid-status').textContent.includes('Đã dán')")
    assert "103 ô đã lưu, 2 ô bị từ chối" in page.locator("#grid-status").inner_text()
    report = page.locator("#paste-report li").all_inner_texts()
    assert len(report) == 2
    assert report[0].startswith(f"Toán — mức đạt được — {students[4].full_name}")
    assert report[1].startswith(f"Ngoại ngữ 1 — mức đạt được — {students[20].full_name}")
    stored = AssessmentEntry.objects.filter(class_group=class_group, point="mid2").exclude(rating="")
    assert stored.count() == 103
    refused = rows.nth(4).locator("td.refused")
    assert refused.count() == 1
    assert refused.locator("input").get_attribute("aria-invalid") == "true"
    assert refused.locator("input").input_value() == "X"
    # compact: the refusal takes one short line, not five
    assert refused.bounding_box()["height"] < 48
    # the empty count (of this section: ten subjects) counts what is stored: refused cells stay empty
    assert page.locator("#empty-count b").inner_text() == str(350 - 103)
    _shot(page, "entry-grid.png")

    # the header row and the names stay in view while the grid scrolls
    page.locator(".grid-wrap").evaluate("(el) => { el.scrollTop = 600; el.scrollLeft = 300; }")
    header = page.locator("#grid thead th").nth(2).bounding_box()
    box = page.locator(".grid-wrap").bounding_box()
    assert abs(header["y"] - box["y"]) < 3
    name = page.locator("#grid tbody th.name").nth(25).bounding_box()
    assert name["x"] < box["x"] + 80

    # one undo puts the whole paste back
    page.get_by_role("button", name="Hoàn tác thay đổi vừa rồi").click()
    page.wait_for_function("() => document.getElementById('grid-status').textContent.includes('Đã hoàn tác')")
    assert "103 ô" in page.locator("#grid-status").inner_text()
    assert not AssessmentEntry.objects.filter(class_group=class_group, point="mid2").exclude(rating="").exists()
    assert page.locator("#empty-count b").inner_text() == "350"
    assert page.get_by_role("button", name="Hoàn tác thay đổi vừa rồi").is_disabled()


def test_a_refused_cell_is_restorable_and_only_the_last_save_is_marked(
    wide: Any, live_server: Any, world: World
) -> None:
    page = wide
    _open(world, "mid2")
    an = min((world.students["an"], world.students["binh"]), key=lambda s: s.given_name)
    sign_in(page, live_server.url, "homeroom", PASSWORD)
    page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/assessments/mid2/?section=subjects")
    row = page.locator("#grid tbody tr").first
    cells = row.locator("input.cell-input")
    cells.nth(0).click()
    page.keyboard.type("t")
    page.keyboard.press("ArrowRight")
    page.keyboard.type("h")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#grid td.cell[data-field=rating] input[data-saved=H]').length === 1"
    )
    # only the last saved cell carries the mark once the swap settles (an earlier cell's mark goes
    # at that moment, not before), and it goes away
    page.wait_for_function("() => document.querySelectorAll('#grid .state.ok').length <= 1", timeout=3000)
    page.wait_for_function("() => document.querySelectorAll('#grid .state.ok').length === 0", timeout=6000)
    # the accessible name after a save: the Vietnamese subject and the student
    assert cells.nth(1).get_attribute("aria-label") == f"Toán — mức đạt được — {an.full_name}"
    assert "Đã lưu" in page.locator("#grid-status").inner_text()
    count = page.locator("#empty-count b").inner_text()

    # a refused value: shown as refused, not counted as filled, the stored value restorable
    cells.nth(1).fill("X")
    cells.nth(1).press("Enter")
    page.locator("#grid tbody tr").first.locator("td.refused").wait_for()
    refused = page.locator("#grid tbody tr").first.locator("td.refused")
    assert refused.locator(".state.bad").inner_text().startswith("Mức")
    assert page.locator("#empty-count b").inner_text() == count
    assert AssessmentEntry.objects.get(student=an, point="mid2", item_code="math").rating == "H"
    refused.locator("button.restore").click()
    page.wait_for_function(
        "() => !document.querySelector('#grid tbody tr td.refused') && "
        "document.querySelectorAll('#grid tbody tr')[0].querySelectorAll('input.cell-input')[1].value === 'H'"
    )
    # undo of the last edit: the cell goes back to empty
    cells.nth(0).fill("C")
    cells.nth(0).press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#grid input[data-saved=C]').length === 1")
    page.get_by_role("button", name="Hoàn tác thay đổi vừa rồi").click()
    page.wait_for_function("() => document.getElementById('grid-status').textContent.includes('Đã hoàn tác')")
    assert AssessmentEntry.objects.get(student=an, point="mid2", item_code="vietnamese").rating == "T"


def test_the_year_page_warns_before_losing_typing(wide: Any, live_server: Any, world: World) -> None:
    page = wide
    sign_in(page, live_server.url, "homeroom", PASSWORD)
    page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/year-page/")
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.locator("input[name$=':days_absent']").first.click()
    page.keyboard.type("3")
    assert page.locator("#unsaved-notice").is_visible()
    with page.expect_event("dialog"):  # the listener above answers it first (listeners run in order)
        page.get_by_role("link", name="Trang chủ").first.click()
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/year-page/")
    # saving does not ask
    page.remove_listener("dialog", answer)
    page.get_by_role("button", name="Lưu tất cả").click()
    page.wait_for_url("**/year-page/")
    assert page.locator("input[name$=':days_absent']").first.input_value() == "3"
    _shot(page, "year-page.png")


def test_year_results_before_and_after_the_end_of_year_window(wide: Any, live_server: Any, world: World) -> None:
    page = wide
    sign_in(page, live_server.url, "homeroom", PASSWORD)
    page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/results/")
    button = page.get_by_role("button", name="Tổng hợp kết quả cuối năm")
    assert button.is_disabled()
    assert "chưa được mở" in page.locator("#compute-why").inner_text()
    _open(world, "year_end")
    page.reload()
    page.get_by_role("button", name="Tổng hợp kết quả cuối năm").click()
    summary = page.locator("#missing-summary")
    summary.wait_for()
    assert page.evaluate("() => document.documentElement.scrollHeight") < 3000
    assert summary.get_by_role("link").count() == 10 + 4 + 15
    summary.get_by_role("link", name="Toán — điểm kiểm tra định kì").click()
    page.wait_for_url("**/assessments/year_end/?section=item:math")


def test_the_principal_follows_progress_and_locks_after_confirming(wide: Any, live_server: Any, world: World) -> None:
    page = wide
    _open(world, "mid2")
    sign_in(page, live_server.url, "principal", PASSWORD)
    main = page.locator("main").inner_text()
    assert "Lớp 3A: đã nhập 0%" in main and "Lớp 3B: đã nhập 0%" in main
    _shot(page, "principal-home.png")
    page.get_by_role("link", name="Đợt nhập liệu và hạn hoàn thành").click()
    page.wait_for_url("**/entry-windows/")
    # every visible input has a label
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('main input:not([type=hidden]), main select'))
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).length"""
    )
    assert unlabelled == 0
    page.get_by_label("Hạn hoàn thành Giữa học kì II (GHK2)").first.fill(f"{world.year.end_date:%d/%m/%Y}")
    page.get_by_role("button", name="Lưu hạn").nth(2).click()
    page.wait_for_url("**/entry-windows/")
    _shot(page, "entry-windows.png")
    page.get_by_role("button", name="Khóa Giữa học kì II (GHK2)…").click()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    assert "2 lớp sẽ bị khóa" in dialog.inner_text()
    assert windows.is_open(world.school_a.pk, world.year.pk, "mid2")
    dialog.get_by_role("button", name="Đồng ý khóa").click()
    page.wait_for_url("**/entry-windows/")
    assert not windows.is_open(world.school_a.pk, world.year.pk, "mid2")
    page.get_by_role("link", name="Tiến độ nhập liệu toàn trường (theo lớp và môn)").click()
    page.wait_for_url("**/entry-progress/")
    assert page.locator("table.progress-table tbody tr").count() == 2
    _shot(page, "entry-progress.png")


AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")


def _serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page (the vendored copy, injected)."""
    with open(AXE, encoding="utf-8") as source:
        page.add_script_tag(content=source.read())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        }"""
    )


def test_the_entry_pages_have_no_serious_accessibility_violation(browser: Any, live_server: Any, world: World) -> None:
    # CSP bypassed only to inject axe-core; the other tests hold the pages to the CSP
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _open(world, "mid2")
        found: dict[str, list[str]] = {}
        sign_in(page, live_server.url, "homeroom", PASSWORD)
        found["home (teacher)"] = _serious_violations(page)
        page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/assessments/mid2/")
        cell = page.locator("#grid tbody tr").first.locator("input.cell-input").nth(1)
        cell.fill("X")
        cell.press("Enter")
        page.locator("#grid td.refused").wait_for()
        found["grid"] = _serious_violations(page)
        page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/year-page/")
        found["year page"] = _serious_violations(page)
        page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/results/")
        found["results"] = _serious_violations(page)
        page.context.clear_cookies()
        sign_in(page, live_server.url, "principal", PASSWORD)
        found["home (principal)"] = _serious_violations(page)
        page.goto(f"{live_server.url}/schools/{world.school_a.pk}/entry-windows/")
        found["entry windows"] = _serious_violations(page)
        page.goto(f"{live_server.url}/schools/{world.school_a.pk}/entry-progress/")
        found["entry progress"] = _serious_violations(page)
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
