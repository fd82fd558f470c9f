"""Activation with a letter: the code and the child's birth date open a login of one's own; every
wrong case reads the same, is audited with its real reason, and is throttled."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from hocbaso.accounts.models import User
from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import InvalidInput
from hocbaso.portal import actions, codes
from hocbaso.portal.models import GuardianAccess
from hocbaso.portal.tests.helpers import GUARDIAN_PASSWORD, activate, letter, signed_in
from hocbaso.testing import World

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
URL = "/family/activate/"


def _post(client: Client, code: str, born: str, username: str = "me.an", **extra: str) -> Response:
    return client.post(
        URL,
        {
            "code": code,
            "date_of_birth": born,
            "username": username,
            "password": GUARDIAN_PASSWORD,
            "password2": GUARDIAN_PASSWORD,
            **extra,
        },
    )


def test_a_letter_and_the_birth_date_open_the_childs_page(client: Client, world: World) -> None:
    issued = letter(world, world.students["an"])
    response = _post(client, codes.printed(issued.code).lower(), "04/03/2017", display_name="Nguyễn Thị Mai")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:child", args=[world.students["an"].pk])
    access = GuardianAccess.objects.get(pk=issued.access.pk)
    user = access.user
    assert user is not None
    assert access.state == "active" and user.username == "me.an"
    assert user.display_name == "Nguyễn Thị Mai"
    assert not hasattr(user, "staff") or user.staff is None
    assert client.get(response["Location"]).status_code == 200
    assert AuditEvent.objects.filter(action="portal.activate", object_id=str(access.pk)).exists()
    # one-time: the same letter never works again, even with the right date
    other = Client()
    again = _post(other, issued.code, "04/03/2017", username="someone.else")
    assert again.status_code == 400
    assert not User.objects.filter(username="someone.else").exists()


def _neutral_text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["code_unknown", "birth_date", "used", "revoked", "expired", "malformed"])
def test_every_wrong_case_reads_the_same_and_is_audited(client: Client, world: World, case: str) -> None:
    student = world.students["an"]
    issued = letter(world, student)
    code, born = codes.printed(issued.code), "04/03/2017"
    if case == "code_unknown":
        code = codes.printed(codes.new_activation_code())
    elif case == "malformed":
        code = "xin chào"
    elif case == "birth_date":
        born = "05/03/2017"
    elif case == "used":
        actions.activate(
            by=None,
            code=issued.code,
            date_of_birth=student.date_of_birth,
            username="first.guardian",
            password=GUARDIAN_PASSWORD,
            client="10.0.0.9",
        )
    elif case == "revoked":
        actions.revoke_access(by=world.users["clerk"], access=issued.access, reason="thư bị mất")
    elif case == "expired":
        GuardianAccess.objects.filter(pk=issued.access.pk).update(expires_on=clock.today() - dt.timedelta(days=1))
    response = _post(client, code, born, username="new.login")
    assert response.status_code == 400
    assert str(actions.NEUTRAL_REFUSAL) in _neutral_text(response)
    assert not User.objects.filter(username="new.login").exists()
    event = AuditEvent.objects.filter(action="portal.activation_failed").latest("id")
    expected = "code_unknown" if case == "malformed" else case
    assert event.changes == {"reason": [None, expected]}


def test_five_wrong_dates_lock_the_code_even_for_the_right_date(client: Client, world: World) -> None:
    issued = letter(world, world.students["an"])
    for day in range(10, 15):
        assert _post(client, issued.code, f"{day}/03/2017").status_code == 400
    locked = _post(client, issued.code, "04/03/2017")
    assert locked.status_code == 429
    assert str(actions.TOO_MANY) in locked.content.decode()
    assert GuardianAccess.objects.get(pk=issued.access.pk).state == "pending"
    assert AuditEvent.objects.filter(action="portal.activation_locked").count() == 1


def test_one_client_guessing_many_codes_is_stopped(client: Client, world: World) -> None:
    issued = letter(world, world.students["an"])
    for _ in range(20):
        _post(client, codes.new_activation_code(), "04/03/2017")
    assert _post(client, issued.code, "04/03/2017").status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert _post(elsewhere, issued.code, "04/03/2017").status_code == 302


def test_a_taken_login_or_weak_password_keeps_the_letter_unused(client: Client, world: World) -> None:
    issued = letter(world, world.students["an"])
    taken = _post(client, issued.code, "04/03/2017", username="principal")
    assert taken.status_code == 400 and "username" in taken.context["form"].errors
    weak = client.post(
        URL,
        {
            "code": issued.code,
            "date_of_birth": "04/03/2017",
            "username": "me.an",
            "password": "123",
            "password2": "123",
        },
    )
    assert weak.status_code == 400 and "password" in weak.context["form"].errors
    assert GuardianAccess.objects.get(pk=issued.access.pk).state == "pending"
    with pytest.raises(InvalidInput) as refused:
        actions.activate(
            by=None, code=issued.code, date_of_birth=dt.date(2017, 3, 4), username="Có Dấu", password="x", client="a"
        )
    assert {e.code for e in refused.value.errors} == {"username_invalid", "password_weak"}


def test_a_signed_in_guardian_adds_a_second_child_to_the_same_login(client: Client, world: World) -> None:
    guardian = activate(world, world.students["an"], "me.an")
    signed_in(client, guardian)
    second = letter(world, world.students["binh"])
    response = client.post(URL, {"code": second.code, "date_of_birth": "04/03/2017"})
    assert response.status_code == 302
    assert set(GuardianAccess.objects.filter(user=guardian, state="active").values_list("student", flat=True)) == {
        world.students["an"].pk,
        world.students["binh"].pk,
    }


def test_family_sign_in_is_for_guardians_and_throttled(client: Client, world: World) -> None:
    activate(world, world.students["an"], "me.an")
    ok = client.post("/family/login/", {"username": "me.an", "password": GUARDIAN_PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == "/family/"
    staff = Client().post("/family/login/", {"username": "principal", "password": "correct-horse-battery"})
    assert staff.status_code == 200 and staff.context["form"].errors
    attacker = Client()
    for _ in range(5):
        attacker.post("/family/login/", {"username": "me.an", "password": "sai-mat-khau"})
    blocked = attacker.post("/family/login/", {"username": "me.an", "password": GUARDIAN_PASSWORD})
    assert blocked.status_code == 200
    assert blocked.context["form"].errors.as_data()["__all__"][0].code == "locked_out"
    assert AuditEvent.objects.filter(action="signin.failed").count() >= 5
