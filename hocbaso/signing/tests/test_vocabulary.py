"""The vocabulary of the signed record (``records.signed_record``) agrees with the models that store
it and the tables that use it: signature roles, record statuses, appointment roles and the
permissions that grant each signature."""

from __future__ import annotations

from hocbaso.directory.models import Role
from hocbaso.records import signed_record
from hocbaso.records.models import Status
from hocbaso.signing import order, pades
from hocbaso.signing.models import SignatureRole


def test_signature_roles_are_the_vocabulary_in_order() -> None:
    assert tuple(SignatureRole.values) == signed_record.ROLES
    assert pades.FIELD_ORDER == signed_record.ROLES


def test_statuses_and_appointment_roles_are_the_models() -> None:
    statuses = {*signed_record.REQUIRED_STATUS.values(), *signed_record.NEXT_STATUS.values()}
    assert statuses <= set(Status.values)
    assert set(signed_record.TITLES) <= set(Role.values)


def test_each_title_belongs_to_an_appointment_role_that_may_give_that_signature() -> None:
    for appointment, role in signed_record.SIGNS_AS.items():
        assert appointment in order.SIGNING_ROLES[SignatureRole(role)]
    for role in signed_record.PERSONAL_ROLES:
        assert set(order.SIGNING_ROLES[SignatureRole(role)]) <= set(signed_record.TITLES)
