"""The family answers a receiving school's consent request; nobody else can."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import Conflict, PermissionRefused
from hocbaso.directory import consent
from hocbaso.directory.models import ConsentRequest
from hocbaso.portal import actions
from hocbaso.portal.tests.helpers import activate, signed_in
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def _request(world: World) -> ConsentRequest:
    return consent.request_consent(
        by=world.users["principal_b"],
        student=world.students["an"],
        requesting_school=world.school_b,
        kind="transfer",
        purpose="Gia đình chuyển về phường Cẩm Thành",
    )


@pytest.mark.parametrize(("answer", "state"), [("accept", "accepted"), ("refuse", "refused")])
def test_the_family_page_shows_the_request_and_records_the_answer(
    client: Client, world: World, answer: str, state: str
) -> None:
    request = _request(world)
    signed_in(client, activate(world, world.students["an"], "me.an"))
    page = client.get(f"/family/children/{world.students['an'].pk}/").content.decode()
    assert "Gia đình chuyển về phường Cẩm Thành" in page and world.school_b.name in page
    response = client.post(f"/family/consents/{request.pk}/answer/", {"answer": answer, "note": "Cảm ơn"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == state and request.decision_note == "Cảm ơn"
    assert consent.granted(student=world.students["an"], requesting_school=world.school_b, kind="transfer") is (
        state == "accepted"
    )


def test_nobody_but_a_guardian_answers(world: World) -> None:
    request = _request(world)
    other = activate(world, world.students["binh"], "me.binh")
    for intruder in (other, world.users["principal"], world.users["principal_b"], world.users["homeroom"]):
        with pytest.raises(PermissionRefused):
            actions.answer_consent(by=intruder, consent=request, accepted=True)
    request.refresh_from_db()
    assert request.state == "pending"


def test_a_missing_answer_changes_nothing(client: Client, world: World, login: Any) -> None:
    request = _request(world)
    signed_in(client, activate(world, world.students["an"], "me.an"))
    client.post(f"/family/consents/{request.pk}/answer/", {"answer": "maybe"})
    request.refresh_from_db()
    assert request.state == "pending"


def test_the_family_revokes_a_consent_it_gave_and_nothing_more_is_sent(client: Client, world: World) -> None:
    request = _request(world)
    signed_in(client, activate(world, world.students["an"], "me.an"))
    client.post(f"/family/consents/{request.pk}/answer/", {"answer": "accept"})
    page = client.get(f"/family/children/{world.students['an'].pk}/").content.decode()
    assert 'value="revoke"' in page
    assert client.post(f"/family/consents/{request.pk}/answer/", {"answer": "revoke"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "revoked" and request.revoked_at is not None and request.decided_at is not None
    assert not consent.granted(student=world.students["an"], requesting_school=world.school_b, kind="transfer")
    assert AuditEvent.objects.filter(action="consent.revoke", object_id=str(request.pk)).count() == 1
    # A double click, or revoking what was refused or is still pending, changes nothing.
    client.post(f"/family/consents/{request.pk}/answer/", {"answer": "revoke"})
    assert AuditEvent.objects.filter(action="consent.revoke").count() == 1
    pending = _request(world)
    with pytest.raises(Conflict):
        consent.revoke_family_consent(by=world.users["stranger"], consent=pending)
    pending.refresh_from_db()
    assert pending.state == "pending"


def test_nobody_but_a_guardian_revokes(world: World) -> None:
    request = _request(world)
    guardian = activate(world, world.students["an"], "me.an")
    actions.answer_consent(by=guardian, consent=request, accepted=True)
    other = activate(world, world.students["binh"], "me.binh")
    for intruder in (other, world.users["principal"], world.users["principal_b"], world.users["operator"]):
        with pytest.raises(PermissionRefused):
            actions.revoke_consent(by=intruder, consent=request)
    request.refresh_from_db()
    assert request.state == "accepted"
