"""Consent requests: only the receiving school's managers ask; a decided request is final; audited."""

from __future__ import annotations

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.directory import consent
from hocbaso.directory.models import ConsentKind, ConsentRequest, ConsentState
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def _ask(world: World, **overrides: object) -> ConsentRequest:
    values: dict[str, object] = {
        "by": world.users["principal_b"],
        "student": world.students["an"],
        "requesting_school": world.school_b,
        "kind": ConsentKind.TRANSFER,
        "purpose": "Chuyển trường theo nơi ở mới",
    }
    values.update(overrides)
    return consent.request_consent(**values)  # type: ignore[arg-type]


def test_a_receiving_school_manager_asks_and_it_is_audited(world: World) -> None:
    request = _ask(world)
    assert request.state == ConsentState.PENDING
    event = AuditEvent.objects.get(action="consent.request", object_id=str(request.pk))
    assert event.school_id == world.school_a.pk  # the child's school sees it in its log


@pytest.mark.parametrize("persona", ["homeroom", "teacher", "officer2", "stranger", "principal"])
def test_nobody_else_asks_in_the_name_of_school_b(world: World, persona: str) -> None:
    with pytest.raises(PermissionRefused):
        _ask(world, by=world.users[persona])
    assert not ConsentRequest.objects.exists()


def test_unknown_kind_and_second_pending_request_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _ask(world, kind="payment")
    assert refused.value.code == "consent_kind"
    _ask(world)
    with pytest.raises(Conflict) as duplicate:
        _ask(world)
    assert duplicate.value.code == "consent_pending"
    assert ConsentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("accepted", "state", "action"), [(True, "accepted", "consent.accept"), (False, "refused", "consent.refuse")]
)
def test_the_family_answer_is_final(world: World, accepted: bool, state: str, action: str) -> None:
    request = _ask(world)
    answered = consent.record_family_answer(by=world.users["stranger"], consent=request, accepted=accepted)
    assert answered.state == state and answered.decided_at is not None
    assert AuditEvent.objects.filter(action=action, object_id=str(request.pk)).exists()
    assert consent.granted(student=world.students["an"], requesting_school=world.school_b, kind="transfer") is accepted
    with pytest.raises(Conflict) as again:
        consent.record_family_answer(by=world.users["stranger"], consent=request, accepted=not accepted)
    assert again.value.code == "consent_decided"
    with pytest.raises(Conflict):
        consent.withdraw(by=world.users["principal_b"], consent=request)


def test_only_the_requesting_school_withdraws(world: World) -> None:
    request = _ask(world)
    with pytest.raises(PermissionRefused):
        consent.withdraw(by=world.users["principal"], consent=request)
    withdrawn = consent.withdraw(by=world.users["principal_b"], consent=request)
    assert withdrawn.state == ConsentState.WITHDRAWN
    assert not consent.granted(student=world.students["an"], requesting_school=world.school_b, kind="transfer")
    _ask(world)  # a new request may follow a withdrawn one
