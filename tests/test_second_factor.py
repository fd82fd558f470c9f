"""The second factor: required for signers, officers and the operator; a password alone opens
nothing else; wrong codes are refused and throttled; recovery codes work once; API tokens are
not sessions and are unaffected."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hocbaso.accounts.actions import create_token
from hocbaso.audit.models import AuditEvent
from hocbaso.core.tests.test_url_rules import ALL, _concrete
from hocbaso.testing import PASSWORD, World, give_second_factor, totp_code

pytestmark = [pytest.mark.django_db]

SECOND_FACTOR_PERSONAS = ["homeroom", "principal", "vice", "clerk", "officer", "province_officer", "operator"]
OPEN_PAGES = {"/login/", "/logout/", "/login/second-factor/", "/account/second-factor/"}


def password_only(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def refused(response: Any) -> bool:
    """Sent to finish signing in (pages) or refused with the stable code (API)."""
    if response.status_code == 302:
        return response["Location"].startswith(("/login/second-factor/", "/account/second-factor/"))
    if response.status_code == 403 and response["Content-Type"].startswith("application/json"):
        return response.json()["code"] == "second_factor_required"
    return False


URLS = sorted({_concrete(route) for route, namespace, _cb in ALL if namespace != "admin"} | {"/admin/"})


@pytest.mark.parametrize("persona", SECOND_FACTOR_PERSONAS)
def test_a_password_only_session_reaches_nothing_but_the_second_factor(world: World, persona: str) -> None:
    client = password_only(persona)
    leaks = []
    for url in URLS:
        if url in OPEN_PAGES:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if not refused(response):
                leaks.append((method, url, response.status_code))
    assert not leaks, leaks
    assert len(URLS) > 50  # the whole URL conf, pages and API, was walked


def test_the_password_step_leads_to_enrolment_or_verification_and_is_audited(world: World) -> None:
    response = Client().post("/login/", {"username": "homeroom", "password": PASSWORD, "next": "/signing/pending/"})
    assert response["Location"] == "/account/second-factor/?next=%2Fsigning%2Fpending%2F"
    give_second_factor(world.users["principal"])
    response = Client().post("/login/", {"username": "principal", "password": PASSWORD})
    assert response["Location"] == "/login/second-factor/?next=%2F"
    assert AuditEvent.objects.filter(action="signin.password_ok").count() == 2
    assert not AuditEvent.objects.filter(action="signin.succeeded").exists()


def test_a_subject_teacher_signs_in_with_the_password_alone(world: World) -> None:
    client = password_only("teacher")
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=world.users["teacher"]).exists()


def test_enrolment_shows_the_key_once_confirms_with_a_code_and_opens_the_session(world: World) -> None:
    client = password_only("homeroom")
    page = client.get("/account/second-factor/").content.decode()
    assert "<svg" in page  # the QR code (segno)
    device = TOTPDevice.objects.get(user=world.users["homeroom"], confirmed=False)
    shown = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    import base64

    assert base64.b32decode(shown + "=" * (-len(shown) % 8)) == device.bin_key
    done = client.post("/account/second-factor/", {"code": totp_code(device), "next": "/signing/pending/"})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/signing/pending/").status_code == 200  # the session is open now
    assert AuditEvent.objects.filter(action="second_factor.enrolled", actor=world.users["homeroom"]).exists()
    # the key is never shown again: the page now only tells the state
    again = client.get("/account/second-factor/").content.decode()
    assert shown[:8] not in again.replace(" ", "") and "<svg" not in again


def test_a_wrong_code_is_refused_and_five_lock_the_second_factor(world: World) -> None:
    device = give_second_factor(world.users["principal"])
    client = password_only("principal")
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    first = client.post("/login/second-factor/", {"code": wrong})
    assert "Mã không đúng" in first.content.decode()
    assert refused(client.get("/"))
    for _ in range(4):
        client.post("/login/second-factor/", {"code": wrong})
    locked = client.post("/login/second-factor/", {"code": totp_code(device)})
    assert "Tài khoản tạm khóa do nhập sai nhiều lần" in locked.content.decode()
    assert refused(client.get("/"))
    assert AuditEvent.objects.filter(action="signin.second_factor_failed").count() == 5
    assert AuditEvent.objects.get(action="signin.locked").changes["locked"] == "otp:account"


def test_a_code_is_accepted_once(world: World) -> None:
    device = give_second_factor(world.users["clerk"])
    code = totp_code(device)
    first = password_only("clerk")
    assert first.post("/login/second-factor/", {"code": code}).status_code == 302
    assert first.get("/").status_code == 200
    second = password_only("clerk")  # someone who watched the code being typed
    second.post("/login/second-factor/", {"code": code})
    assert refused(second.get("/"))


def test_recovery_codes_work_once(world: World) -> None:
    user = world.users["vice"]
    client = password_only("vice")
    client.get("/account/second-factor/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post("/account/second-factor/", {"code": totp_code(device)}).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    client.post("/logout/")

    lost_phone = password_only("vice")
    response = lost_phone.post("/login/second-factor/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert lost_phone.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="signin.succeeded", actor=user).last()
    assert event is not None and event.changes["second_factor"] == "recovery_code"
    assert event.changes["recovery_codes_left"] == 9
    assert StaticToken.objects.filter(device__user=user).count() == 9

    reused = password_only("vice")
    reused.post("/login/second-factor/", {"code": codes[0]})
    assert refused(reused.get("/"))


def test_an_api_token_is_unaffected_by_an_unfinished_session(world: World) -> None:
    _token, secret = create_token(by=world.users["operator"], user=world.users["homeroom"], name="app")
    client = password_only("homeroom")
    assert client.get("/api/v1/signing/approvals").json()["code"] == "second_factor_required"
    with_token = client.get("/api/v1/signing/approvals", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert with_token.status_code == 200
    # a wrong token does not fall back on the unfinished session
    forged = client.get("/api/v1/signing/approvals", HTTP_AUTHORIZATION="Bearer hbs_forged")
    assert forged.status_code == 401


def test_removing_the_device_closes_the_sessions_it_verified(world: World, login) -> None:  # type: ignore[no-untyped-def]
    client = login("homeroom")
    assert client.get(reverse("signing:pending")).status_code == 200
    TOTPDevice.objects.filter(user=world.users["homeroom"]).delete()
    assert refused(client.get(reverse("signing:pending")))


def test_the_admin_never_shows_second_factor_keys(world: World, login) -> None:  # type: ignore[no-untyped-def]
    give_second_factor(world.users["homeroom"])
    operator = login("operator")
    assert operator.get("/admin/").status_code == 200
    for url in ["/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"]:
        assert operator.get(url).status_code == 404, url
