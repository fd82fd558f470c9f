"""Fixtures: the signing tests' throwaway PKI (loopback TSA/CRL/OCSP), the province's Sở with its
seal, issued record versions of the world's schools, and the Ministry's store simulated by a real
HTTP server on loopback that validates every batch against the schema in the repository."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hocbaso.directory.models import ClassGroup, Student
from hocbaso.records import issuance
from hocbaso.records.models import Level, Record, RecordVersion, Status
from hocbaso.records.samples import as_format_1_0, sample_record_data
from hocbaso.records.xml import build_xml
from hocbaso.reporting.ministry import actions
from hocbaso.reporting.ministry.models import Department
from hocbaso.reporting.ministry.receiver import MinistryStore, MinistryTestServer
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services, trust  # noqa: F401  (shared session fixtures)
from hocbaso.signing.tests.factories import PASSWORD, signing_env, store_frozen  # noqa: F401
from hocbaso.testing import World, enrol, make_student
from hocbaso.verification import core

TOKEN = "ministry-test-token"
SEAL_NAME = "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi"


def issue(
    world: World,
    *,
    class_group: ClassGroup | None = None,
    student: Student | None = None,
    format_version: str = "1.1",
    change: Any = None,
) -> RecordVersion:
    """An issued version of ``student`` (default: a new student of ``class_group``, default 3A) for
    the class's year, from the sample record; with an issued version already there for that year it
    is superseded by this one (a correction)."""
    class_group = class_group or world.class_3a
    if student is None:
        student = make_student(class_group.school, f"Học Sinh {uuid.uuid4().hex[:6]}")
        enrol(student, class_group)
    record, _created = Record.objects.get_or_create(student=student, level=Level.PRIMARY)
    previous = RecordVersion.objects.filter(
        record=record, school_year=class_group.school_year, status=Status.ISSUED
    ).first()
    number = RecordVersion.objects.filter(record=record).count() + 1
    code = issuance.new_code()
    data = copy.deepcopy(sample_record_data(issuance_code=code, record_id=str(record.public_id), version=number))
    data["school"]["code"] = class_group.school.code
    data["student"]["full_name"] = student.full_name
    data["year"]["school_year"] = class_group.school_year.code
    if change is not None:
        change(data)
    if format_version == "1.0":
        data = as_format_1_0(data)
    xml = build_xml(data)
    if previous is not None:
        previous.transition_to(Status.SUPERSEDED, reason="Đính chính")
        previous.save(update_fields=["status", "status_changed_at", "status_reason"])
    version = store_frozen(record, class_group, number=number, code=code, xml=xml, pdf=b"-", data=data)
    for status in (Status.SIGNED_HOMEROOM, Status.SIGNED_PRINCIPAL, Status.ISSUED):
        version.transition_to(status)
        version.save(update_fields=["status", "status_changed_at"])
    return version


@pytest.fixture
def department(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> Department:  # noqa: F811
    """The province's Sở, set up by the operator, its seal registered by the province officer."""
    found = actions.configure_department(by=world.users["operator"], unit=world.province, code="51", name=SEAL_NAME)
    key, cert = pki.issue_organisation(SEAL_NAME, locality="Tỉnh Quảng Ngãi")
    return actions.register_seal(
        by=world.users["province_officer"],
        department=found,
        pkcs12=pki.export_pkcs12(key, cert, PASSWORD),
        password=PASSWORD,
        label="Con dấu số của Sở",
    )


@pytest.fixture
def store(pki: DemoPKI, department: Department) -> MinistryStore:  # noqa: F811
    assert department.seal is not None
    return MinistryStore(trust=core.TrustStore(roots=tuple(pki.roots())), seals={"51": department.seal.fingerprint})


@pytest.fixture
def endpoint(store: MinistryStore, settings: Any) -> Iterator[MinistryTestServer]:
    with MinistryTestServer(store, token=TOKEN) as server:
        settings.HOCBASO_MINISTRY_URL = server.url
        settings.HOCBASO_MINISTRY_TOKEN = TOKEN
        yield server
