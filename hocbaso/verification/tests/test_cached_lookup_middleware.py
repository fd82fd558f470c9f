"""The cached-lookup middleware (ADR 0020): a visitor without a session gets the cached anonymous page
before sessions, CSRF and authentication run — counted, logged, with the view's headers and bytes —
and everything else reaches the view unchanged.

A request the middleware answered never reached the session middleware, so its ``wsgi_request``
has no ``session``: that is how these tests tell the two paths apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from hocbaso.core import clock
from hocbaso.directory import actions as directory
from hocbaso.directory.models import Appointment, Role
from hocbaso.records.models import RecordVersion, Status
from hocbaso.testing import World, sign_in_verified
from hocbaso.verification import views
from hocbaso.verification.models import VerificationLog

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _get(client: Client, code: str, query: str = "") -> HttpResponse:
    return client.get(f"/verify/{code}{query}")  # type: ignore[return-value]


def _fast(response: HttpResponse) -> bool:
    """True when the middleware answered (the request never reached the session middleware)."""
    return not hasattr(response.wsgi_request, "session")  # type: ignore[attr-defined]


def _outcome(response: HttpResponse) -> tuple[str, str]:
    page = response.content.decode()
    outcome = page.split('data-outcome="', 1)[1].split('"', 1)[0]
    reason = page.split('id="reason" data-code="', 1)[1].split('"', 1)[0]
    return outcome, reason


def test_a_miss_goes_to_the_view_and_the_next_lookup_is_answered_before_the_session(issued: RecordVersion) -> None:
    client = Client()
    first = _get(client, issued.issuance_code)
    assert first.status_code == 200 and not _fast(first)
    second = _get(client, issued.issuance_code)
    assert second.status_code == 200 and _fast(second)
    assert _outcome(second) == ("valid", "all_checks_passed")


def test_the_fast_answer_is_the_view_answer_byte_for_byte_headers_included(issued: RecordVersion) -> None:
    viewed = _get(Client(), issued.issuance_code)  # a miss: the view renders and stores the page
    fast = _get(Client(), issued.issuance_code)
    assert not _fast(viewed) and _fast(fast)
    assert fast.status_code == viewed.status_code == 200
    assert fast.content == viewed.content
    assert dict(fast.headers) == dict(viewed.headers)
    for header, value in {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Vary": "Cookie",
        "Content-Length": str(len(fast.content)),
    }.items():
        assert fast[header] == value, header
    assert "frame-ancestors 'none'" in fast["Content-Security-Policy"]
    assert "Set-Cookie" not in fast and not fast.cookies


def test_a_session_or_messages_cookie_goes_to_the_view(issued: RecordVersion, world: World) -> None:
    anonymous = _get(Client(), issued.issuance_code)
    staff = sign_in_verified(Client(), world.users["principal"])
    signed_in = _get(staff, issued.issuance_code)
    assert not _fast(signed_in) and str(world.users["principal"]) in signed_in.content.decode()
    # a session cookie the server does not know: still the view (an anonymous page rendered around the answer)
    stale = Client()
    stale.cookies[django_settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert not _fast(_get(stale, issued.issuance_code))
    pending = Client()
    pending.cookies[views.MESSAGES_COOKIE] = "x"
    assert not _fast(_get(pending, issued.issuance_code))
    assert _get(Client(), issued.issuance_code).content == anonymous.content  # nothing of theirs was kept


def test_other_methods_and_paths_go_to_the_view(issued: RecordVersion) -> None:
    client = Client()
    _get(client, issued.issuance_code)
    head = client.head(f"/verify/{issued.issuance_code}")
    assert head.status_code == 405 and not _fast(head)  # type: ignore[arg-type]
    post = client.post(f"/verify/{issued.issuance_code}")
    assert post.status_code == 405 and not _fast(post)  # type: ignore[arg-type]
    bundle = client.get("/verify/trust-bundle.json")
    assert bundle.status_code == 200 and not _fast(bundle)  # type: ignore[arg-type]
    invalid = _get(client, "not-a-code")
    assert invalid.status_code == 400 and not _fast(invalid)
    unknown = _get(client, "HB-0000-0000-0000-0")
    assert _outcome(unknown) == ("invalid", "code_unknown") and not _fast(unknown)  # never cached


def test_the_rate_limit_counts_each_lookup_once_whichever_path_answers(issued: RecordVersion, settings: Any) -> None:
    settings.HOCBASO_VERIFY_RATE_PER_MINUTE = 3
    client = Client(REMOTE_ADDR="203.0.113.21")
    responses = [_get(client, issued.issuance_code) for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert [_fast(r) for r in responses[:3]] == [False, True, True]
    assert responses[3]["Retry-After"] == "60"  # the view's 429 page, from the count kept on the request
    assert _get(Client(REMOTE_ADDR="203.0.113.22"), issued.issuance_code).status_code == 200  # another client


def test_every_fast_answer_is_logged_with_its_channel(issued: RecordVersion) -> None:
    client = Client()
    _get(client, issued.issuance_code)
    before = VerificationLog.objects.count()
    fast = [_get(client, issued.issuance_code), _get(client, issued.issuance_code, "?src=form")]
    assert all(_fast(r) for r in fast)
    rows = list(VerificationLog.objects.order_by("pk").values_list("channel", "outcome", "issuance_code"))[before:]
    assert rows == [("qr", "valid", issued.issuance_code), ("code", "valid", issued.issuance_code)]


def test_a_superseded_record_is_a_new_answer_at_once(issued: RecordVersion) -> None:
    client = Client()
    _get(client, issued.issuance_code)
    assert _fast(_get(client, issued.issuance_code))
    old = RecordVersion.objects.get(pk=issued.pk)
    old.transition_to(Status.SUPERSEDED, reason="superseded by HB-NEXT")
    old.save(update_fields=["status", "status_changed_at", "status_reason"])
    after = _get(client, issued.issuance_code)
    assert not _fast(after) and _outcome(after) == ("invalid", "status_superseded")
    again = _get(client, issued.issuance_code)
    assert _fast(again) and _outcome(again) == ("invalid", "status_superseded")


def test_an_appointment_ended_after_the_fact_is_a_new_answer_at_once(
    issued: RecordVersion, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    _get(client, issued.issuance_code)
    assert _fast(_get(client, issued.issuance_code))
    appointment = Appointment.objects.get(staff=world.users["homeroom"].staff, role=Role.HOMEROOM_TEACHER)
    with django_capture_on_commit_callbacks(execute=True):
        directory.end_appointment(
            by=world.users["operator"],
            appointment=appointment,
            valid_to=clock.today() - dt.timedelta(days=1),
            reason="nghỉ việc từ trước",
        )
    after = _get(client, issued.issuance_code)
    assert not _fast(after) and _outcome(after) == ("invalid", "signer_not_appointed")
