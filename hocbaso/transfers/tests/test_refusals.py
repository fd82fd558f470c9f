"""Every refusal of the transfer procedure: a stable code, a Vietnamese message, nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Enrolment
from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers import actions
from hocbaso.transfers.models import Transfer, TransferState
from hocbaso.transfers.tests.conftest import decided, requested


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> DomainError:
    """``call`` raises ``code`` with a Vietnamese message, and leaves no transfer, audit event or enrolment behind."""
    before = (
        list(Transfer.objects.values_list("pk", "state")),
        AuditEvent.objects.count(),
        list(Enrolment.objects.values_list("pk", "end_date", "class_group_id")),
    )
    with translation.override("vi"), pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    with translation.override("vi"):
        message = str(caught.value.message)
    assert message and message.isascii() is False, message  # Vietnamese, not the English msgid
    after = (
        list(Transfer.objects.values_list("pk", "state")),
        AuditEvent.objects.count(),
        list(Enrolment.objects.values_list("pk", "end_date", "class_group_id")),
    )
    assert after == before
    return caught.value


def test_transfer_to_the_same_school(world: World) -> None:
    refused("transfer_same_school", requested, world, to_school=world.school_a)


@pytest.mark.parametrize("code", ["2030-2031", "2025/2026", ""])
def test_transfer_to_a_school_year_that_does_not_exist(world: World, code: str) -> None:
    refused("school_year_unknown", requested, world, school_year=code)


def test_transfer_on_a_date_outside_the_year(world: World) -> None:
    refused("date_outside_year", requested, world, desired_date=dt.date(2026, 7, 1))


def test_a_second_open_transfer_for_the_same_child(world: World) -> None:
    requested(world)
    refused("transfer_already_open", requested, world, to_school=None, destination="Trường Tiểu học Hòa Bình, Hà Nội")


def test_a_request_by_staff_of_another_school(world: World) -> None:
    refused("not_school_manager", requested, world, by=world.users["principal_b"])


def test_a_request_by_a_teacher(world: World) -> None:
    refused("not_school_manager", requested, world, by=world.users["homeroom"])


@pytest.mark.parametrize(("field", "code"), [("reason", "reason_required"), ("requested_by_family", "family_required")])
def test_a_request_without_reason_or_family_member(world: World, field: str, code: str) -> None:
    refused(code, requested, world, **{field: "   "})


def test_a_request_for_a_child_not_enrolled(world: World) -> None:
    Enrolment.objects.filter(student=world.students["an"]).update(end_date=dt.date(2025, 12, 1))
    refused("student_not_enrolled", requested, world)


def test_a_decision_on_a_child_no_longer_enrolled(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = requested(world)
    Enrolment.objects.filter(student=world.students["an"]).update(end_date=dt.date(2025, 12, 1))
    refused(
        "student_not_enrolled",
        actions.decide_transfer,
        by=world.users["principal"],
        transfer=transfer,
        credential=credentials["principal"],
        authorisation=PASSWORD,
    )


def test_a_decision_by_someone_who_is_not_the_sending_principal(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = requested(world)
    for user, credential in [("clerk", "principal"), ("principal_b", "principal_b")]:
        refused(
            "not_sending_principal",
            actions.decide_transfer,
            by=world.users[user],
            transfer=transfer,
            credential=credentials[credential],
            authorisation=PASSWORD,
        )


def test_a_decision_with_someone_elses_certificate(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    refused(
        "credential_not_yours",
        actions.decide_transfer,
        by=world.users["principal"],
        transfer=requested(world),
        credential=credentials["principal_b"],
        authorisation=PASSWORD,
    )


def test_a_decision_with_a_wrong_password(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    refused(
        "pkcs12_unreadable",
        actions.decide_transfer,
        by=world.users["principal"],
        transfer=requested(world),
        credential=credentials["principal"],
        authorisation="sai-mat-khau",
    )


def test_a_second_decision(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    refused(
        "transfer_state",
        actions.decide_transfer,
        by=world.users["principal"],
        transfer=transfer,
        credential=credentials["principal"],
        authorisation=PASSWORD,
    )


@pytest.mark.parametrize("user", ["principal", "clerk", "stranger", "officer2"])
def test_acceptance_by_someone_who_is_not_the_receiving_principal(world: World, credentials, user: str) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    refused(
        "not_receiving_principal",
        actions.accept_transfer,
        by=world.users[user],
        transfer=transfer,
        to_class=world.class_b_3a,
    )


def test_acceptance_before_the_decision(world: World) -> None:
    refused(
        "transfer_state",
        actions.accept_transfer,
        by=world.users["principal_b"],
        transfer=requested(world),
        to_class=world.class_b_3a,
    )


def test_acceptance_into_a_class_of_another_school(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    refused(
        "class_mismatch",
        actions.accept_transfer,
        by=world.users["principal_b"],
        transfer=transfer,
        to_class=world.class_3b,
    )


def test_a_refusal_needs_a_reason(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    refused("reason_required", actions.refuse_transfer, by=world.users["principal_b"], transfer=transfer, reason=" ")
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.DECIDED


def test_an_accepted_transfer_cannot_be_cancelled(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = actions.accept_transfer(
        by=world.users["principal_b"], transfer=decided(world, credentials), to_class=world.class_b_3a
    )
    refused("transfer_state", actions.cancel_transfer, by=world.users["clerk"], transfer=transfer, reason="Nhầm")
