"""A homeroom teacher fills a row of the class grid with the keyboard, sees every cell saved,
reloads and finds the values; a refused cell shows its reason and is not saved."""

from __future__ import annotations

import pytest

from hocbaso.assessments import actions
from hocbaso.assessments.models import AssessmentEntry
from hocbaso.testing import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_homeroom_teacher_fills_a_row(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="end1", open_=True
    )
    sign_in(page, live_server.url, "homeroom", PASSWORD)
    page.goto(f"{live_server.url}/classes/{world.class_3a.pk}/assessments/end1/?section=subjects")
    first_row = page.locator("#grid tbody tr").first
    inputs = first_row.locator("input.cell-input")
    count = inputs.count()
    assert count == 14  # ten subjects' ratings plus the four test scores of grade 3 at CHK1
    inputs.nth(0).click()
    typed = []
    for index in range(count):
        field = inputs.nth(index).get_attribute("data-field")
        value = "9" if field == "score" else "t"
        page.keyboard.type(value)
        typed.append("9" if field == "score" else "T")
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")  # leave the last cell so it saves too
    try:
        # a function, not a string: the page's Content-Security-Policy forbids evaluating strings
        # every cell of the row holds its stored value (the ✓ marks only the last save, for a moment)
        page.wait_for_function(
            "(count) => Array.from(document.querySelectorAll('#grid tbody tr:first-child input.cell-input'))"
            ".filter((i) => i.dataset.saved !== '').length >= count",
            arg=count,
        )
    except Exception:
        print(page.locator("#grid tbody tr").first.inner_html()[:3000])
        raise
    assert first_row.locator(".state.bad").count() == 0

    page.reload()
    values = [
        page.locator("#grid tbody tr").first.locator("input.cell-input").nth(i).input_value() for i in range(count)
    ]
    assert values == typed
    ratings = typed.count("T")
    first_student = min((world.students["an"], world.students["binh"]), key=lambda s: s.given_name)
    stored = AssessmentEntry.objects.filter(student=first_student, point="end1")
    assert stored.exclude(rating="").count() == ratings == 10  # grade 3: ten subjects and activities
    assert sorted(stored.exclude(score=None).values_list("item_code", flat=True)) == [
        "foreign_language_1",
        "informatics_technology",
        "math",
        "vietnamese",
    ]

    # A decimal score is refused with its reason, and nothing is stored for that cell.
    second_row = page.locator("#grid tbody tr").nth(1)
    score = second_row.locator("input.cell-input.score").first
    score.fill("8.5")
    score.press("Enter")
    alert = second_row.locator(".state.bad").first
    alert.wait_for()
    assert "số nguyên" in alert.inner_text()
    assert second_row.locator(".state.ok").count() == 0
