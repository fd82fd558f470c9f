"""Helpers for portal tests: letters, activated guardians, issued years of a child."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from hocbaso.accounts.models import User
from hocbaso.directory.models import ClassGroup, SchoolYear, Student
from hocbaso.ledger import actions as ledger
from hocbaso.portal import actions, codes
from hocbaso.portal.models import GuardianAccess
from hocbaso.records.models import RecordVersion
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_frozen_version, register_credential
from hocbaso.testing import World, appoint, enrol
from hocbaso.verification.tests.helpers import sign_as

GUARDIAN_PASSWORD = "mat-khau-gia-dinh-2025"


def letter(world: World, student: Student) -> actions.Letter:
    return actions.issue_letter(by=world.users["principal"], student=student)


def activate(world: World, student: Student, username: str) -> User:
    """A guardian of ``student`` with a login of their own (through a letter, as a family does)."""
    issued = letter(world, student)
    access = actions.activate(
        by=None,
        code=codes.printed(issued.code),
        date_of_birth=student.date_of_birth,
        username=username,
        password=GUARDIAN_PASSWORD,
        client="127.0.0.1",
    )
    assert access.user is not None
    return access.user


def signed_in(client: Client, user: User) -> Client:
    """A family signs in with the password they chose (there is no second factor for families)."""
    assert client.login(username=user.username, password=GUARDIAN_PASSWORD)
    return client


def earlier_class(world: World, grade: int = 2, name: str = "2A") -> ClassGroup:
    """Class ``name`` of 2024-2025 in school A (for a second issued year)."""
    year, _created = SchoolYear.objects.get_or_create(
        code="2024-2025",
        defaults={
            "start_date": dt.date(2024, 9, 5),
            "end_date": dt.date(2025, 5, 31),
            "mid_term1_date": dt.date(2024, 11, 1),
            "end_term1_date": dt.date(2025, 1, 10),
            "mid_term2_date": dt.date(2025, 3, 20),
            "year_end_date": dt.date(2025, 5, 20),
            "mid_term1_deadline": dt.date(2024, 11, 10),
            "end_term1_deadline": dt.date(2025, 1, 20),
            "mid_term2_deadline": dt.date(2025, 3, 30),
            "year_end_deadline": dt.date(2025, 5, 30),
        },
    )
    class_group, created = ClassGroup.objects.get_or_create(
        school=world.school_a, school_year=year, grade=grade, name=name
    )
    if created:
        appoint(world.users["homeroom"], "homeroom_teacher", class_group=class_group)
    return class_group


def issue_year(
    world: World, pki: DemoPKI, env: dict[str, Any], student: Student, class_group: ClassGroup | None = None
) -> RecordVersion:
    """A real issued version (Typst PDF, three signatures, in the log) of ``student`` for ``class_group``'s year."""
    class_group = class_group or world.class_3a
    if not student.enrolments.filter(class_group=class_group).exists():
        enrol(student, class_group)
    version = make_frozen_version(world, student=student, class_group=class_group, realistic=True)
    credentials = getattr(world, "_portal_credentials", None)
    if credentials is None:
        credentials = {
            "homeroom": register_credential(pki, world.users["homeroom"])[1],
            "principal": register_credential(pki, world.users["principal"], key_type="rsa")[1],
            "clerk": register_credential(pki, world.users["clerk"], organisation_of=world.school_a)[1],
        }
        world._portal_credentials = credentials  # type: ignore[attr-defined]
    for user, role in [
        ("homeroom", SignatureRole.HOMEROOM),
        ("principal", SignatureRole.PRINCIPAL),
        ("clerk", SignatureRole.SCHOOL),
    ]:
        sign_as(world, user, role, version, credentials[user], env)
    version.refresh_from_db()
    ledger.publish_tree_head(by=None)
    return version


def pending(student: Student) -> list[GuardianAccess]:
    return list(GuardianAccess.objects.filter(student=student, state=GuardianAccess.State.PENDING))
