"""Passwords: everyone changes their own (the current one checked like a sign-in); a principal resets
their school's staff, the operator anyone's, never their own that way; the new password is shown
once and must be replaced at the next sign-in; a reset never lets the resetter past a second factor."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hocbaso.accounts import actions
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import PermissionRefused
from hocbaso.testing import PASSWORD, World, give_second_factor, totp_code

pytestmark = [pytest.mark.django_db]


def signs_in(username: str, password: str) -> bool:
    client = Client()
    client.post("/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def reset_through_the_page(client: Client, username: str, **extra: str) -> str:
    response = client.post("/staff/passwords/", {"username": username, **extra})
    found = re.search(r'<code id="new-password">([^<]+)</code>', response.content.decode())
    return found.group(1) if found else ""


def test_a_person_changes_their_password(world: World, login) -> None:  # type: ignore[no-untyped-def]
    client = login("teacher")
    wrong = client.post("/account/password/", {"current": "nope", "new": "a-new-pass-2026", "again": "a-new-pass-2026"})
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="signin.failed", object_id=str(world.users["teacher"].pk)).exists()
    weak = client.post("/account/password/", {"current": PASSWORD, "new": "password", "again": "password"})
    assert weak.status_code == 200 and not signs_in("teacher", "password")
    done = client.post(
        "/account/password/", {"current": PASSWORD, "new": "a-new-pass-2026", "again": "a-new-pass-2026"}
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert signs_in("teacher", "a-new-pass-2026") and not signs_in("teacher", PASSWORD)
    event = AuditEvent.objects.get(action="account.password_changed")
    assert "a-new-pass-2026" not in str(event.changes) and PASSWORD not in str(event.changes)


def test_a_principal_resets_a_teachers_password_shown_once_and_replaced_at_next_sign_in(world: World, login) -> None:  # type: ignore[no-untyped-def]
    principal = login("principal")
    page = principal.get("/staff/passwords/").content.decode()
    assert "teacher" in page and "principal_b" not in page
    new = reset_through_the_page(principal, "teacher", reason="quên mật khẩu")
    assert len(new) == 14
    assert new not in principal.get("/staff/passwords/").content.decode()
    event = AuditEvent.objects.get(action="account.password_reset")
    assert event.actor == world.users["principal"] and event.school_id == world.school_a.pk
    assert new not in str(event.changes)

    teacher = Client()
    teacher.post("/login/", {"username": "teacher", "password": new})
    assert teacher.get("/")["Location"] == "/account/password/"  # must choose their own first
    assert teacher.get("/api/v1/signing/approvals").json()["code"] == "password_change_required"
    teacher.post("/account/password/", {"current": new, "new": "my-own-pass-2026", "again": "my-own-pass-2026"})
    assert teacher.get("/").status_code == 200


def test_a_principal_cannot_reset_outside_their_school_the_operator_or_themselves(world: World, login) -> None:  # type: ignore[no-untyped-def]
    principal = login("principal")
    for username in ["principal_b", "officer", "operator", "principal"]:
        assert reset_through_the_page(principal, username) == "", username
    assert signs_in("principal_b", PASSWORD) and signs_in("officer", PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()
    with pytest.raises(PermissionRefused) as refused:
        actions.reset_password(by=world.users["principal"], user=world.users["principal"])
    assert refused.value.code == "reset_self"


@pytest.mark.parametrize("persona", ["vice", "clerk", "homeroom", "teacher", "officer"])
def test_only_principals_and_the_operator_open_the_reset_page(world: World, login, persona: str) -> None:  # type: ignore[no-untyped-def]
    assert login(persona).get("/staff/passwords/").status_code == 403


def test_a_reset_does_not_let_the_resetter_past_the_signers_second_factor(world: World, login) -> None:  # type: ignore[no-untyped-def]
    principal = login("principal")
    # not yet enrolled: the principal could enrol their own authenticator with the new password
    assert reset_through_the_page(principal, "homeroom") == ""
    with pytest.raises(PermissionRefused) as refused:
        actions.reset_password(by=world.users["principal"], user=world.users["homeroom"])
    assert refused.value.code == "reset_needs_operator"
    assert actions.reset_password(by=world.users["operator"], user=world.users["homeroom"])  # the operator may
    give_second_factor(world.users["homeroom"])
    new = reset_through_the_page(principal, "homeroom")
    impostor = Client()
    impostor.post("/login/", {"username": "homeroom", "password": new})
    response = impostor.get("/signing/pending/")
    assert response["Location"].startswith("/login/second-factor/")


def test_the_operator_resets_anyone_and_removes_a_lost_second_factor(world: World, login) -> None:  # type: ignore[no-untyped-def]
    give_second_factor(world.users["principal_b"])
    operator = login("operator")
    assert "second_factor" in operator.get("/staff/passwords/").content.decode()
    new = reset_through_the_page(operator, "principal_b", second_factor="on", reason="mất điện thoại")
    assert new
    assert AuditEvent.objects.get(action="second_factor.reset").changes == {"removed": 1, "reason": "mất điện thoại"}
    client = Client()
    response = client.post("/login/", {"username": "principal_b", "password": new})
    assert response["Location"].startswith("/account/second-factor/")  # enrols again
    with pytest.raises(PermissionRefused):
        actions.reset_second_factor(by=world.users["principal"], user=world.users["homeroom"])


def test_the_second_factor_comes_before_the_password_change(world: World, login) -> None:  # type: ignore[no-untyped-def]
    device = give_second_factor(world.users["homeroom"])
    new = reset_through_the_page(login("principal"), "homeroom")
    client = Client()
    client.post("/login/", {"username": "homeroom", "password": new})
    assert client.get("/account/password/")["Location"].startswith("/login/second-factor/")
    client.post("/login/second-factor/", {"code": totp_code(device)})
    assert client.get("/")["Location"] == "/account/password/"
