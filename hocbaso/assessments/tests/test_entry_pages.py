"""The principal's entry windows page (deadlines, confirmation before locking, completeness, every
input labelled), the school-wide progress page, the class page's link to the point open now, and
the year results button before the end-of-year window."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from hocbaso.assessments import actions, windows
from hocbaso.assessments.models import EntryWindow
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError


def _open(world, point: str) -> None:  # type: ignore[no-untyped-def]
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point=point, open_=True
    )


@pytest.mark.parametrize(
    ("opened", "closed", "expected"),
    [
        ([], [], "mid1"),  # nothing opened yet: the first point
        (["mid1"], [], "mid1"),
        (["mid1", "mid2"], [], "mid2"),  # the latest open one
        (["mid1", "end1", "mid2"], ["mid2"], "end1"),
        (["mid1", "end1"], ["mid1", "end1"], "end1"),  # none open: the latest ever opened
        (["mid2", "year_end"], [], "year_end"),
    ],
)
def test_the_class_page_opens_the_point_open_now(world, login, opened, closed, expected) -> None:  # type: ignore[no-untyped-def]
    for point in opened:
        _open(world, point)
    for point in closed:
        actions.set_window(
            by=world.users["principal"], school=world.school_a, school_year=world.year, point=point, open_=False
        )
    client = login("homeroom")
    class_page = client.get(reverse("directory:class", args=[world.class_3a.pk])).content.decode()
    link = reverse("assessments:grid_current", args=[world.class_3a.pk])
    assert f'href="{link}"' in class_page
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:grid", args=[world.class_3a.pk, expected])


def test_the_principal_sets_a_deadline_audited_within_the_year(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("principal")
    url = reverse("assessments:windows", args=[world.school_a.pk])
    day = world.year.start_date + dt.timedelta(days=60)
    response = client.post(
        url, {"year": world.year.pk, "point": "mid2", "action": "deadline", "deadline": day.isoformat()}
    )
    assert response.status_code == 302
    window = EntryWindow.objects.get(school=world.school_a, school_year=world.year, point="mid2")
    assert window.deadline == day and not window.is_open  # a deadline opens nothing
    event = AuditEvent.objects.filter(action="window.deadline").latest("pk")
    assert event.changes["deadline"] == [None, day.isoformat()]
    assert event.actor == world.users["principal"]
    assert windows.deadline_of(world.year, "mid2", window) == day
    # cleared: the school year's calendar applies again
    client.post(url, {"year": world.year.pk, "point": "mid2", "action": "deadline", "deadline": ""})
    window.refresh_from_db()
    assert window.deadline is None
    assert windows.deadline_of(world.year, "mid2", window) == world.year.mid_term2_deadline


@pytest.mark.parametrize(
    "raw", ["2019-01-01", "2099-12-31", "01/01/2019", "31/02/2026", "2026-13-01", "tomorrow", "3/2026"]
)
def test_a_deadline_outside_the_year_or_unreadable_is_refused(world, login, raw) -> None:  # type: ignore[no-untyped-def]
    response = login("principal").post(
        reverse("assessments:windows", args=[world.school_a.pk]),
        {"year": world.year.pk, "point": "mid2", "action": "deadline", "deadline": raw},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not EntryWindow.objects.filter(deadline__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="window.deadline").exists()


@pytest.mark.parametrize("persona", ["homeroom", "clerk", "principal_b"])
def test_only_the_schools_heads_set_deadlines(world, login, persona) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        actions.set_deadline(
            by=world.users[persona], school=world.school_a, school_year=world.year, point="mid2", deadline=None
        )
    assert caught.value.code == "not_principal"
    response = login(persona).post(
        reverse("assessments:windows", args=[world.school_a.pk]),
        {"year": world.year.pk, "point": "mid2", "action": "deadline", "deadline": world.year.end_date.isoformat()},
    )
    assert response.status_code in (403, 404)
    assert not EntryWindow.objects.filter(deadline__isnull=False).exists()


def test_locking_the_whole_school_asks_first(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "mid2")
    client = login("principal")
    url = reverse("assessments:windows", args=[world.school_a.pk])
    asked = client.post(url, {"year": world.year.pk, "point": "mid2", "open": "0"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "cho toàn trường?" in page and 'name="confirm" value="1"' in page
    assert "2 lớp sẽ bị khóa" in page  # 3A and 3B
    assert windows.is_open(world.school_a.pk, world.year.pk, "mid2")
    confirmed = client.post(url, {"year": world.year.pk, "point": "mid2", "open": "0", "confirm": "1"})
    assert confirmed.status_code == 302
    assert not windows.is_open(world.school_a.pk, world.year.pk, "mid2")


def _unlabelled_inputs(html: str) -> list[str]:
    """Visible inputs and selects without a <label for=…> (a placeholder is not a label)."""
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    missing = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag or "aria-label=" in tag:
            continue
        found = re.search(r'\bid="([^"]+)"', tag)
        if not found or found.group(1) not in labels or "placeholder=" in tag:
            missing.append(tag)
    return missing


def test_the_windows_page_labels_every_input_and_shows_completeness(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "end1")
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="end1", open_=False
    )
    an = world.students["an"]
    _open(world, "mid2")
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="mid2",
        writes=[actions.CellWrite(an.pk, "subject", "math", "rating", "T")],
    )
    page = login("principal").get(reverse("assessments:windows", args=[world.school_a.pk])).content.decode()
    assert _unlabelled_inputs(page) == []
    assert "Lý do mở lại" in page  # the reopening reason of CHK1, labelled
    assert reverse("assessments:progress", args=[world.school_a.pk]) in page
    assert "1/50" in page  # 3A at GHK2: two students × (ten subjects + fifteen competencies)


def test_the_progress_page_counts_per_class_and_subject(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "end1")
    an, binh = world.students["an"], world.students["binh"]
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="end1",
        writes=[
            actions.CellWrite(an.pk, "subject", "math", "rating", "T"),
            actions.CellWrite(an.pk, "subject", "math", "score", "9"),
            actions.CellWrite(binh.pk, "subject", "math", "rating", "H"),
        ],
    )
    client = login("principal")
    page = client.get(reverse("assessments:progress", args=[world.school_a.pk]) + "?point=end1").content.decode()
    assert _unlabelled_inputs(page) == []
    row_3a = page[page.index(">3A<") : page.index("</tr>", page.index(">3A<"))]
    assert "3/4" in row_3a  # Toán: two ratings and two scores expected
    assert "0/2" in row_3a  # Tiếng Việt score… and every other item: nothing yet
    assert "Đã nhập: 3/" in page
    # the subject teacher and other schools' principals do not reach it
    assert login("homeroom").get(reverse("assessments:progress", args=[world.school_a.pk])).status_code == 404
    assert login("principal_b").get(reverse("assessments:progress", args=[world.school_a.pk])).status_code == 404


def test_year_results_wait_for_the_end_of_year_window(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("homeroom")
    url = reverse("assessments:results", args=[world.class_3a.pk])
    page = client.get(url).content.decode()
    assert re.search(r'<button type="submit" disabled aria-describedby="compute-why">', page)
    assert "chưa được mở" in page
    refused = client.post(url, {})
    assert "chưa được mở" in refused.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="results").exists()


def test_blocked_year_results_are_summarised_with_links(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "year_end")
    an = world.students["an"]
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="year_end",
        writes=[actions.CellWrite(an.pk, "subject", "math", "rating", "T")],
    )
    page = login("homeroom").post(reverse("assessments:results", args=[world.class_3a.pk]), {}).content.decode()
    summary = page[page.index('id="missing-summary"') : page.index("<details>")]
    grid = reverse("assessments:grid", args=[world.class_3a.pk, "year_end"])
    assert f'href="{grid}?section=item:vietnamese"' in summary
    assert f'href="{grid}?section=item:math"' in summary
    assert "Chưa tính được cho 2 học sinh" in summary
    # one line per missing cell kind, not one per student and cell: 10 ratings + 4 scores + 15 competencies
    assert summary.count("<li>") == 10 + 4 + 15


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("", None),
        ("  ", None),
        ("31/03/2026", dt.date(2026, 3, 31)),
        ("1/4/2026", dt.date(2026, 4, 1)),
        ("01-04-2026", dt.date(2026, 4, 1)),
        ("01.04.2026", dt.date(2026, 4, 1)),
        ("2026-04-01", dt.date(2026, 4, 1)),  # what a date picker sends
    ],
)
def test_parse_day(raw: str, day: dt.date | None) -> None:
    assert windows.parse_day(raw) == day


@pytest.mark.parametrize("raw", ["31/02/2026", "04/2026", "2026/04/01", "1.4.26", "ngày mai", "٣١/٠٣/٢٠٢٦"])
def test_parse_day_refuses(raw: str) -> None:
    with pytest.raises(windows.DeadlineInvalid):
        windows.parse_day(raw)
