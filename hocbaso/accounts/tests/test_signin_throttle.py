"""Sign-in is throttled per account and per client address, and every attempt is audited.

The defect this closes: 30 wrong passwords in 25 s, then the right one, signed in, and nothing
was written anywhere.
"""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db]
# ``world`` (hocbaso.testing, through conftest) is not imported here: accounts sits below the directory.

LOCKED_ACCOUNT = "Tài khoản tạm khóa do nhập sai nhiều lần"
LOCKED_CLIENT = "Nhập sai quá nhiều lần từ địa chỉ này"


def attempt(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_refused(world, password: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(30):
        attempt(client, "principal", "wrong-password")
    response = attempt(client, "principal", password)
    assert not signed_in(client)
    assert LOCKED_ACCOUNT in response.content.decode()
    # the lock holds from any address: the account is locked, not only the attacker's address
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert LOCKED_ACCOUNT in attempt(elsewhere, "principal", password).content.decode()
    assert not signed_in(elsewhere)


def test_the_fifth_failure_locks_and_each_step_is_audited(world, password: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.11")
    for _ in range(4):
        attempt(client, "principal", "wrong-password")
    assert AuditEvent.objects.filter(action="signin.failed").count() == 4
    assert not AuditEvent.objects.filter(action="signin.locked").exists()
    attempt(client, "principal", "wrong-password")
    locked = AuditEvent.objects.get(action="signin.locked")
    assert locked.object_id == str(world.users["principal"].pk)
    assert locked.school_id == world.school_a.pk  # the principal's audit page lists it
    assert locked.changes["client"] == "203.0.113.11"
    # refusals while locked are not written (a flood must not grow the chain)
    for _ in range(10):
        attempt(client, "principal", password)
    assert AuditEvent.objects.filter(action="signin.failed").count() == 5
    assert not any("wrong-password" in str(e.changes) for e in AuditEvent.objects.all())


def test_a_success_before_the_limit_is_audited_and_clears_the_account_count(world, password: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.12")  # a subject teacher: the password alone opens the session
    for _ in range(4):
        attempt(client, "teacher", "wrong-password")
    assert attempt(client, "teacher", password).status_code == 302
    assert signed_in(client)
    event = AuditEvent.objects.get(action="signin.succeeded")
    assert event.actor == world.users["teacher"]
    assert event.changes == {"client": "203.0.113.12"}
    client.post("/logout/")
    for _ in range(4):  # the count started again: four more failures do not lock
        attempt(client, "teacher", "wrong-password")
    assert attempt(client, "teacher", password).status_code == 302


def test_one_address_trying_many_accounts_is_locked_out(world, password: str) -> None:
    sprayer = Client(REMOTE_ADDR="203.0.113.13")
    names = ["principal", "vice", "clerk", "homeroom", "teacher", "officer", "officer2"]
    for index in range(20):
        attempt(sprayer, names[index % len(names)], f"guess-{index}")
    response = attempt(sprayer, "principal_b", password)  # an account never tried from there
    assert LOCKED_CLIENT in response.content.decode()
    assert not signed_in(sprayer)
    assert AuditEvent.objects.filter(action="signin.locked", changes__locked="signin:client").count() == 1
    # the accounts themselves were tried at most three times each: their owners still sign in
    owner = Client(REMOTE_ADDR="192.0.2.50")
    assert attempt(owner, "principal", password).status_code == 302


def test_unknown_names_are_counted_and_audited_without_the_typed_name(world) -> None:
    client = Client(REMOTE_ADDR="203.0.113.14")
    attempt(client, "my-secret-password", "whatever")
    event = AuditEvent.objects.get(action="signin.failed")
    assert event.object_id == ""
    assert event.changes == {"client": "203.0.113.14", "known_account": False}
    assert "my-secret-password" not in str(event.changes)


def test_the_admin_login_goes_through_the_same_door(world) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_a_lockout_message_names_the_minutes_left(world) -> None:
    client = Client(REMOTE_ADDR="203.0.113.15")
    for _ in range(5):
        attempt(client, "clerk", "wrong-password")
    body = attempt(client, "clerk", "wrong-password").content.decode()
    assert "Thử lại sau 15 phút" in body


def test_the_operator_lifts_a_lockout_from_the_command_line(world, password: str) -> None:
    from io import StringIO

    from django.core.management import call_command

    client = Client(REMOTE_ADDR="203.0.113.16")
    for _ in range(5):
        attempt(client, "vice", "wrong-password")
    out = StringIO()
    call_command("signin-unlock", "vice", stdout=out)
    assert "signin:account" in out.getvalue()
    assert AuditEvent.objects.filter(action="signin.unlocked", object_id=str(world.users["vice"].pk)).exists()
    assert attempt(Client(REMOTE_ADDR="192.0.2.60"), "vice", password).status_code == 302
