"""The school prints access letters in bulk per class (Typst PDF), revokes and reissues; audited;
only the managers of the school holding the record."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.portal import actions, codes
from hocbaso.portal.models import GuardianAccess
from hocbaso.portal.tests.helpers import activate, pending
from hocbaso.signing.tests.conftest import tool
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return subprocess.run([tool("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_a_class_letters_pdf_has_a_code_per_guardian_and_no_birth_date(login: Any, world: World) -> None:
    client = login("clerk")
    response = client.post(f"/portal/classes/{world.class_3a.pk}/letters/", {"copies": "2"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    accesses = GuardianAccess.objects.filter(state="pending")
    assert accesses.count() == 4  # An and Bình, two letters each
    assert set(accesses.values_list("student", flat=True)) == {world.students["an"].pk, world.students["binh"].pk}
    assert "Nguyễn Văn An" in text and "Trần Thị Bình" in text and "Lê Văn Cường" not in text
    assert text.count("THƯ GỬI GIA ĐÌNH") == 4
    assert "04/03/2017" not in text  # the birth date is the second factor: never printed
    assert "miễn phí" in text
    for access in accesses:
        assert f"-{access.code_hint}" in text
    assert AuditEvent.objects.filter(action="portal.letters_issue", object_id=str(world.class_3a.pk)).exists()


def test_printing_again_cancels_unused_letters_and_keeps_active_guardians(world: World) -> None:
    an = world.students["an"]
    guardian = activate(world, an, "me.an")
    first = actions.issue_class_letters(by=world.users["principal"], class_group=world.class_3a, copies=1)
    second = actions.issue_class_letters(by=world.users["principal"], class_group=world.class_3a, copies=1)
    assert {a.pk for a in pending(an)} == {x.access.pk for x in second if x.access.student_id == an.pk}
    old = next(x for x in first if x.access.student_id == an.pk)
    assert GuardianAccess.objects.get(pk=old.access.pk).state == "revoked"
    with pytest.raises(actions.ActivationRefused):
        actions.activate(
            by=None, code=old.code, date_of_birth=an.date_of_birth, username="x.y", password="p-a-s-s-1234", client="c"
        )
    assert GuardianAccess.objects.get(user=guardian).state == "active"


def test_only_managers_of_the_childs_school_print_or_revoke(world: World) -> None:
    an = world.students["an"]
    for persona in ("homeroom", "teacher", "principal_b", "officer", "stranger", "operator"):
        with pytest.raises(PermissionRefused):
            actions.issue_letter(by=world.users[persona], student=an)
        with pytest.raises(PermissionRefused):
            actions.issue_class_letters(by=world.users[persona], class_group=world.class_3a)
    letter = actions.issue_letter(by=world.users["vice"], student=an)
    with pytest.raises(PermissionRefused):
        actions.revoke_access(by=world.users["principal_b"], access=letter.access)
    with pytest.raises(ValidationFailed):
        actions.issue_class_letters(by=world.users["principal"], class_group=world.class_3a, copies=5)


def test_school_pages_are_scoped(login: Any, world: World) -> None:
    client = login("principal_b")
    assert client.get(f"/portal/classes/{world.class_3a.pk}/letters/").status_code == 404
    assert client.get(f"/portal/students/{world.students['an'].pk}/access/").status_code == 404
    letter = actions.issue_letter(by=world.users["principal"], student=world.students["an"])
    assert client.post(f"/portal/access/{letter.access.pk}/revoke/").status_code == 404
    assert GuardianAccess.objects.get(pk=letter.access.pk).state == "pending"
    classes = client.get("/portal/letters/").content.decode()
    assert str(world.school_b.name) in classes and str(world.school_a.name) not in classes
    assert Client().get("/portal/letters/").status_code == 302


def test_a_student_page_lists_accesses_and_reissues_one_letter(login: Any, world: World) -> None:
    an = world.students["an"]
    activate(world, an, "me.an")
    client = login("principal")
    page = client.get(f"/portal/students/{an.pk}/access/").content.decode()
    assert "me.an" in page
    response = client.post(f"/portal/students/{an.pk}/access/")
    assert response["Content-Type"] == "application/pdf"
    new = GuardianAccess.objects.get(student=an, state="pending")
    assert codes.printed("X" * 8 + new.code_hint)[-4:] in _text(response.content)
    active = GuardianAccess.objects.get(student=an, state="active")
    assert client.post(f"/portal/access/{active.pk}/revoke/", {"reason": "Yêu cầu của gia đình"}).status_code == 302
    revoked = GuardianAccess.objects.get(pk=active.pk)
    assert revoked.state == "revoked" and revoked.revoke_reason == "Yêu cầu của gia đình"
    event = AuditEvent.objects.get(action="portal.access_revoke")
    assert event.changes["state"] == ["active", "revoked"]
    again = client.post(f"/portal/access/{active.pk}/revoke/", follow=True)
    assert "đã bị thu hồi" in again.content.decode()
