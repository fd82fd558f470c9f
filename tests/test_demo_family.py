"""The demo prints a family login that works and a letter that activates; running it again keeps
the family and prints a new letter (the old one no longer works)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from hocbaso.demo import directory_data, portal_data
from hocbaso.directory.models import ConsentRequest
from hocbaso.portal.models import GuardianAccess


def _letter(out: str) -> tuple[str, str]:
    found = re.search(r"code (\w{4}-\w{4}-\w{4}) with the birth date (\d\d/\d\d/\d{4})", out)
    assert found, out
    return found.group(1), found.group(2)


@pytest.mark.django_db
def test_the_demo_family_signs_in_and_its_letter_activates(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo-data", "--seed", "1")
    first = capsys.readouterr().out
    assert portal_data.FAMILY_LOGIN in first
    family = Client()
    signed = family.post(
        "/family/login/", {"username": portal_data.FAMILY_LOGIN, "password": directory_data.DEMO_PASSWORD}
    )
    assert signed.status_code == 302
    child = GuardianAccess.objects.get(user__username=portal_data.FAMILY_LOGIN, state="active").student
    page = family.get(f"/family/children/{child.pk}/").content.decode()
    assert child.full_name in page and "Trường Tiểu học Nghĩa Lộ" in page  # its consent request
    assert ConsentRequest.objects.filter(student=child, state="pending").count() == 1

    old_code, _born = _letter(first)
    call_command("demo-data", "--seed", "1")
    code, born = _letter(capsys.readouterr().out)
    assert code != old_code
    assert GuardianAccess.objects.filter(user__username=portal_data.FAMILY_LOGIN, state="active").count() == 1
    form = {
        "date_of_birth": born,
        "username": "me.demo",
        "password": "mat-khau-rieng-2025",
        "password2": "mat-khau-rieng-2025",
    }
    assert Client().post("/family/activate/", {"code": old_code, **form}).status_code == 400
    assert Client().post("/family/activate/", {"code": code, **form}).status_code == 302
