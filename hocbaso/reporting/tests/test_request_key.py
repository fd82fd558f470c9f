"""A report's form is submitted once: a double click, a reload or two submissions racing start one
run (one audit entry, one task, the seal password checked and counted once), and what an insider
would try with the form's key — reuse another officer's key, or one key for another subject, year
or point, or a key shaped to be something else — is refused with nothing started."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import SchoolYear
from hocbaso.reporting import actions
from hocbaso.reporting.models import PendingAuthorisation, ReportRun
from hocbaso.reporting.tests.data import Data, build
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401
from hocbaso.signing.tests.factories import PASSWORD, register_credential, signing_env  # noqa: F401
from hocbaso.testing import World

pytestmark = pytest.mark.django_db

KEY = "3f2b9c0d6e7a41b58c9d0e1f2a3b4c5d"


@pytest.fixture
def data(world: World, signing_env: dict[str, Any]) -> Data:  # noqa: F811
    return build(world)


def _year() -> SchoolYear:
    return SchoolYear.objects.get(code="2025-2026")


def _form_key(client: Any, url: str) -> str:
    page = client.get(url + "?year=2025-2026").content.decode()
    marker = 'name="request_key" value="'
    assert marker in page
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_a_double_click_on_the_sealed_summary_starts_one_run(  # type: ignore[no-untyped-def]
    data: Data,
    pki: DemoPKI,  # noqa: F811
    login,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = data.world
    checks: list[str] = []
    check = actions.batches.check_authorisation

    def counted(*args: Any, **kwargs: Any) -> Any:
        checks.append("x")
        return check(*args, **kwargs)

    monkeypatch.setattr(actions.batches, "check_authorisation", counted)
    register_credential(pki, w.users["principal"], organisation_of=w.school_a)
    client = login("principal")
    key = _form_key(client, reverse("reporting:school", args=[w.school_a.pk]))
    assert key != _form_key(client, reverse("reporting:school", args=[w.school_a.pk]))  # one per form shown
    form = {"year": "2025-2026", "point": "year_end", "seal_authorisation": PASSWORD, "request_key": key}
    url = reverse("reporting:school_generate", args=[w.school_a.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.post(url, form)
        second = client.post(url, form)
    run = ReportRun.objects.get()
    assert first.url == second.url == reverse("reporting:run", args=[run.pk])
    assert run.request_key == key and run.seal_credential is not None
    assert AuditEvent.objects.filter(action="report.start").count() == 1
    assert PendingAuthorisation.objects.count() == 1
    assert len(queued) == 1  # one task
    assert checks == ["x"]  # the password was checked (and counted) once


def test_two_submissions_racing_find_the_same_run(data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second submission's look-up runs before the first commits: the unique key refuses its
    row, and it answers with the first one's run."""
    w = data.world
    by = w.users["officer"]
    first = actions.start_report(by=by, school_year=_year(), point="mid1", unit=w.commune1, request_key=KEY)
    monkeypatch.setattr(actions, "run_of_request", _not_yet_then(actions.run_of_request))
    again = actions.start_report(by=by, school_year=_year(), point="mid1", unit=w.commune1, request_key=KEY)
    assert again == first and ReportRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.start").count() == 1


def _not_yet_then(look_up: Any) -> Any:
    calls = []

    def racing(key: str) -> Any:
        calls.append(key)
        return None if len(calls) == 1 else look_up(key)

    return racing


@pytest.mark.parametrize(
    ("who", "changes", "code"),
    [
        ("officer", {"point": "year_end"}, "request_key_reused"),  # another point
        ("officer", {"year": "2024-2025"}, "request_key_reused"),  # another year
        ("officer", {"school": "a"}, "request_key_reused"),  # a school of the unit, not the unit
        ("province_officer", {}, "request_key_reused"),  # another officer with a seen key
        ("officer", {"key": "x" * 65}, "request_key_invalid"),
        ("officer", {"key": "abc def"}, "request_key_invalid"),
        ("officer", {"key": "a\u00e9"}, "request_key_invalid"),
    ],
)
def test_a_key_for_something_else_is_refused(data: Data, who: str, changes: dict[str, str], code: str) -> None:
    w = data.world
    actions.start_report(by=w.users["officer"], school_year=_year(), point="mid1", unit=w.commune1, request_key=KEY)
    year = SchoolYear.objects.get(code=changes.get("year", "2025-2026"))
    unit = w.province if who == "province_officer" else w.commune1
    school = w.school_a if changes.get("school") else None
    with pytest.raises(DomainError) as refused:
        actions.start_report(
            by=w.users[who],
            school_year=year,
            point=changes.get("point", "mid1"),
            unit=None if school else unit,
            school=school,
            request_key=changes.get("key", KEY),
        )
    assert refused.value.code == code
    assert ReportRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.start").count() == 1


def test_the_page_says_why_in_vietnamese(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    actions.start_report(by=w.users["officer"], school_year=_year(), point="mid1", unit=w.commune1, request_key=KEY)
    client = login("officer")
    answer = client.post(
        reverse("reporting:unit_generate", args=[w.commune1.pk]),
        {"year": "2025-2026", "point": "year_end", "request_key": KEY},
        follow=True,
    )
    assert "Biểu mẫu này đã được gửi rồi" in answer.content.decode()
    assert ReportRun.objects.count() == 1
