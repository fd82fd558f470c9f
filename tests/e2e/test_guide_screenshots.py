"""The training guides' screenshots, taken from the real pages of the test world.

Every picture a guide names (``hocbaso/reporting/readiness/guides.py``) is produced here; the test
fails when one is missing or is not a PNG of a page. By default the pictures go to a temporary
folder; ``make guides`` (``HOCBASO_GUIDE_SCREENSHOTS=<folder>``) writes them into the app's
``static/guides/``, from which the guide pages and their PDFs take them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from hocbaso.assessments import actions as assessment_actions
from hocbaso.core import clock
from hocbaso.directory.models import SchoolYear
from hocbaso.reporting.readiness import actions, guides
from hocbaso.testing import PASSWORD, World
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n"


def _running_year(world: World) -> SchoolYear:
    """A school year not ended today (the world's 2025-2026, or the next one), so a declaration is open."""
    today = clock.today()
    if world.year.end_date >= today:
        return world.year
    start = today.year if today.month >= 8 else today.year - 1
    dates = {name: dt.date(start + 1, 1, 5) for name in ("mid_term1_date", "end_term1_date", "mid_term2_date")}
    dates.update({name.replace("_date", "_deadline"): day for name, day in dates.items()})
    return SchoolYear.objects.create(
        code=f"{start}-{start + 1}",
        start_date=dt.date(start, 8, 1),
        end_date=dt.date(start + 1, 7, 31),
        year_end_date=dt.date(start + 1, 5, 25),
        year_end_deadline=dt.date(start + 1, 5, 31),
        **dates,
    )


def test_every_guide_picture_is_taken_from_the_real_pages(
    world: World, live_server: Any, page: Any, tmp_path: Path
) -> None:
    out = Path(os.environ.get("HOCBASO_GUIDE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 720})
    base = live_server.url
    year = _running_year(world)
    assessment_actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="mid1", open_=True
    )
    actions.declare(
        by=world.users["principal"],
        school=world.school_a,
        school_year=year,
        computers=12,
        internet="stable",
        staff_total=24,
        certified_staff=9,
        trained_staff=20,
        intention="digital",
    )
    visit = actions.record_visit(
        by=world.users["officer"],
        school=world.school_a,
        visited_on=clock.today(),
        findings="Nhà trường đã nhập đủ điểm giữa học kì I; hai giáo viên chưa có chứng thư số.",
        follow_ups=[("Đăng ký chứng thư số cho hai giáo viên", clock.today() + dt.timedelta(days=14))],
    )

    def shoot(name: str, path: str) -> None:
        page.goto(base + path)
        page.screenshot(path=str(out / name))

    shots = {
        "homeroom": [
            ("homeroom-home.png", "/"),
            ("homeroom-grid.png", f"/classes/{world.class_3a.pk}/assessments/mid1/"),
        ],
        "teacher": [
            ("teacher-home.png", "/"),
            ("teacher-grid.png", f"/classes/{world.class_3b.pk}/assessments/mid1/"),
        ],
        "principal": [
            ("principal-home.png", "/"),
            ("principal-readiness.png", f"/readiness/schools/{world.school_a.pk}/declare/?year={year.code}"),
            ("principal-follow-up.png", f"/supervision/visits/{visit.pk}/"),
        ],
        "clerk": [("clerk-home.png", "/"), ("clerk-school.png", f"/schools/{world.school_a.pk}/")],
        "officer": [
            ("officer-readiness.png", f"/readiness/?year={year.code}"),
            ("officer-visit.png", "/supervision/visits/new/"),
        ],
    }
    for persona, pictures in shots.items():
        page.context.clear_cookies()
        sign_in(page, base, persona, PASSWORD)
        for name, path in pictures:
            shoot(name, path)
    page.context.clear_cookies()
    shoot("family-login.png", "/family/login/")

    named = {name for guide in guides.GUIDES.values() for name in guide.screenshots}
    taken = {path.name for path in out.glob("*.png")}
    assert named <= taken, f"pictures named by a guide but not taken: {sorted(named - taken)}"
    for name in named:
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, name
