"""``/api/v1/reports/readiness/…``: declared conditions rolled up per unit and supervision counts,
against the hand-counted data of the readiness tests; scoped like the pages (a commune's officer
never reads another commune's schools); counts only (no finding, follow-up text or name); and
schemathesis-clean: every answer to generated requests matches the OpenAPI document, errors
included (``{code, message, field}``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import ignored_auth

from hocbaso.accounts.actions import create_token
from hocbaso.core import clock
from hocbaso.reporting.readiness import actions
from hocbaso.reporting.readiness.tests.test_rollup import province  # noqa: F401  (the hand-counted world)
from hocbaso.testing import VIETNAM, World

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 15)
FINDINGS = "Thiếu chứng thư số của 2 giáo viên; phòng máy chưa nối mạng."
FOLLOW_UP = "Đăng ký chứng thư số cho cô Trần Thị Mỹ Duyên"
COUNT_KEYS = (
    "schools",
    "declared",
    "not_declared",
    "digital",
    "paper",
    "paper_mode",
    "computers",
    "no_internet",
    "certified_staff",
    "certified_computed",
    "trained_staff",
    "staff_total",
)


@pytest.fixture(autouse=True)
def _on_day() -> Iterator[None]:
    with clock.pinned(dt.datetime(2025, 10, 15, 10, 0, tzinfo=VIETNAM)):
        yield


@pytest.fixture
def visits(world: World, province: dict[str, Any]) -> None:  # noqa: F811
    """Two visits to school A by commune 1's officer (three follow-ups, one confirmed later), one to B."""
    officer = world.users["officer"]
    with clock.pinned(dt.datetime(2025, 9, 25, 10, 0, tzinfo=VIETNAM)):  # recorded then: due 10/10, overdue now
        first = actions.record_visit(
            by=officer,
            school=world.school_a,
            visited_on=DAY - dt.timedelta(days=20),
            findings=FINDINGS,
            follow_ups=[
                (FOLLOW_UP, DAY - dt.timedelta(days=5)),
                ("Tập huấn giáo viên mới", DAY + dt.timedelta(days=20)),
            ],
        )
    actions.record_visit(
        by=officer,
        school=world.school_a,
        visited_on=DAY - dt.timedelta(days=2),
        findings=FINDINGS,
        follow_ups=[("Nối mạng phòng máy", DAY + dt.timedelta(days=10))],
    )
    actions.record_visit(
        by=world.users["officer2"],
        school=world.school_b,
        visited_on=DAY - dt.timedelta(days=1),
        findings="Đủ điều kiện.",
        follow_ups=[],
    )
    done = first.follow_ups.get(description="Tập huấn giáo viên mới")
    actions.move_follow_up(by=world.users["principal"], follow_up=done, move="mark_done", note="Đã tập huấn")
    actions.move_follow_up(by=officer, follow_up=done, move="confirm", note="")


def _counts(line: dict[str, Any]) -> tuple[int, ...]:
    return tuple(line["counts"][key] for key in COUNT_KEYS)


def test_the_roll_up_matches_the_hand_count(world: World, visits: None, login: Any) -> None:
    answer = login("province_officer").get("/api/v1/reports/readiness/units?year=2025-2026")
    assert answer.status_code == 200
    body = answer.json()
    units = {line["unit"]: line for line in body["units"]}
    # the same hand count as readiness/tests/test_rollup.py
    assert _counts(units["Xã Bình Sơn"]) == (4, 3, 1, 2, 1, 2, 21, 1, 19, 3, 29, 41)
    assert _counts(units["Phường Cẩm Thành"]) == (1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert _counts(units["Tỉnh Quảng Ngãi"]) == (5, 3, 2, 2, 1, 2, 21, 1, 19, 3, 29, 41)
    # supervision: A had 2 visits, 3 follow-ups, 2 still open (1 overdue: due 10/10); B one visit, none
    assert units["Xã Bình Sơn"]["supervision"] == {
        "visits": 2,
        "follow_ups": 3,
        "open_follow_ups": 2,
        "overdue_follow_ups": 1,
    }
    assert units["Tỉnh Quảng Ngãi"]["supervision"]["visits"] == 3
    schools = {line["code"]: line for line in body["schools"]}
    assert (
        schools[world.school_a.code]["intention"] == "digital" and schools[world.school_a.code]["internet"] == "stable"
    )
    assert not schools["D"]["declared"] and schools["D"]["counts"]["not_declared"] == 1
    text = answer.content.decode()
    for secret in (FINDINGS, FOLLOW_UP, "Trần Thị Mỹ Duyên", "Đã tập huấn"):
        assert secret not in text  # counts only


def test_a_unit_and_a_school(world: World, visits: None, login: Any) -> None:
    client = login("officer")
    unit = client.get(f"/api/v1/reports/readiness/units/{world.commune1.pk}").json()
    assert unit["school_year"] == "2025-2026"
    assert _counts(unit["unit"])[:3] == (4, 3, 1)
    assert {s["code"] for s in unit["schools"]} == {world.school_a.code, "C", "D", "E"}
    assert unit["children"] == []
    school = client.get(f"/api/v1/reports/readiness/schools/{world.school_a.pk}?year=2025-2026").json()["school"]
    assert school["counts"]["computers"] == 8 and school["supervision"]["open_follow_ups"] == 2


def test_a_commune_officer_never_reads_another_communes_readiness(world: World, visits: None, login: Any) -> None:
    client = login("officer")
    for path, field in (
        (f"/api/v1/reports/readiness/units/{world.commune2.pk}", "unit_id"),
        (f"/api/v1/reports/readiness/schools/{world.school_b.pk}", "school_id"),
        ("/api/v1/reports/readiness/units/999999", "unit_id"),  # the same answer as a unit that does not exist
    ):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found" and answer.json()["field"] == field and answer.json()["message"]
    listed = client.get("/api/v1/reports/readiness/units").json()
    assert world.school_b.code not in {s["code"] for s in listed["schools"]}
    assert "Phường Cẩm Thành" not in {u["unit"] for u in listed["units"]}
    # the abolished district reads 2024-2025 only
    past = login("district_officer")
    assert past.get(f"/api/v1/reports/readiness/schools/{world.school_a.pk}?year=2024-2025").status_code == 200
    assert past.get(f"/api/v1/reports/readiness/schools/{world.school_a.pk}?year=2025-2026").status_code == 404


@pytest.mark.parametrize("persona", ["homeroom", "teacher", "clerk", "stranger"])
def test_teachers_clerks_and_families_are_refused(
    world: World,
    province: dict[str, Any],  # noqa: F811
    login: Any,
    persona: str,
) -> None:
    answer = login(persona).get("/api/v1/reports/readiness/units")
    assert answer.status_code == 403
    assert answer.json() == {"code": "forbidden", "message": answer.json()["message"], "field": None}


def test_an_unknown_year(world: World, province: dict[str, Any], login: Any) -> None:  # noqa: F811
    answer = login("officer").get("/api/v1/reports/readiness/units?year=1999-2000")
    assert answer.status_code == 404 and answer.json()["code"] == "year_unknown" and answer.json()["field"] == "year"


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The project's WSGI application, keeping the test's database connection open between requests
    (as Django's test client does: the handler would close it at the end of each request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["province_officer", "officer2", "homeroom"])
def test_schemathesis_finds_nothing(world: World, visits: None, persona: str, wsgi_app: Any) -> None:
    """Generated requests (ids, years, junk) against every readiness operation: each answer is
    documented (status, content type, body schema), never a server error."""
    _token, secret = create_token(by=world.users["operator"], user=world.users[persona], name="schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    readiness = schema.include(path_regex="^/api/v1/reports/readiness")
    results = list(readiness.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results)
    assert len(operations) == 3
    headers = {"Authorization": f"Bearer {secret}"}
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            # ignored_auth sends our valid token beside a made-up session cookie and expects a refusal:
            # either credential is enough here (the API accepts a session or a token)
            case.validate_response(response, headers=headers, excluded_checks=[ignored_auth])

        check()
