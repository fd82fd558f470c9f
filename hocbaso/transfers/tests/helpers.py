"""Realistic issued records over several years, for bundle tests and the bench."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

from hocbaso.directory.models import ClassGroup, SchoolYear, Student
from hocbaso.ledger import actions as ledger
from hocbaso.records import issuance
from hocbaso.records.models import Level, Record, RecordVersion
from hocbaso.records.rendering import render_pdf
from hocbaso.records.samples import sample_record_data
from hocbaso.records.xml import build_xml
from hocbaso.signing import batches
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import register_credential, store_frozen
from hocbaso.testing import World, enrol, make_student


def school_year(code: str) -> SchoolYear:
    start = int(code[:4])
    dates = {
        "start_date": dt.date(start, 9, 5),
        "end_date": dt.date(start + 1, 5, 31),
        "mid_term1_date": dt.date(start, 11, 3),
        "end_term1_date": dt.date(start + 1, 1, 9),
        "mid_term2_date": dt.date(start + 1, 3, 20),
        "year_end_date": dt.date(start + 1, 5, 20),
        "mid_term1_deadline": dt.date(start, 11, 14),
        "end_term1_deadline": dt.date(start + 1, 1, 19),
        "mid_term2_deadline": dt.date(start + 1, 3, 31),
        "year_end_deadline": dt.date(start + 1, 5, 30),
    }
    return SchoolYear.objects.get_or_create(code=code, defaults=dates)[0]


def _frozen(record: Record, class_group: ClassGroup, grade: int, number: int) -> RecordVersion:
    code = issuance.new_code()
    data = copy.deepcopy(sample_record_data(issuance_code=code, record_id=str(record.public_id)))
    data["version"] = number
    data["year"]["school_year"] = class_group.school_year.code
    data["year"]["grade"] = grade
    data["year"]["class_name"] = class_group.name
    data["history"] = [row for row in data["history"] if row["school_year"] <= class_group.school_year.code]
    xml = build_xml(data)
    return store_frozen(
        record, class_group, number=number, code=code, xml=xml, pdf=render_pdf(xml, draft=False), data=data
    )


def issued_years(
    world: World, pki: DemoPKI, env: dict[str, Any], *, years: int, name: str = "Nguyễn Thị Thu Hằng"
) -> tuple[Student, list[RecordVersion]]:
    """A student of school A with ``years`` issued records (grades 1…), the last year being the
    world's 2025-2026 in class 3A, every version signed homeroom → principal → seal (``env``: the
    ``tsa_url`` and ``trust`` of the signing tests; empty for the deployment's defaults)."""
    student = make_student(world.school_a, name)
    record = Record.objects.create(student=student, level=Level.PRIMARY)
    versions = []
    for index in range(years):
        code = f"{2025 - years + 1 + index}-{2026 - years + 1 + index}"
        year = school_year(code)
        class_group = (
            world.class_3a
            if year == world.year
            else ClassGroup.objects.get_or_create(
                school=world.school_a, school_year=year, name=f"{index + 1}A", defaults={"grade": index + 1}
            )[0]
        )
        enrol(student, class_group)
        versions.append(_frozen(record, class_group, index + 1, index + 1))
    for user, role in [
        ("homeroom", SignatureRole.HOMEROOM),
        ("principal", SignatureRole.PRINCIPAL),
        ("clerk", SignatureRole.SCHOOL),
    ]:
        if role == SignatureRole.HOMEROOM:
            from hocbaso.directory.models import Appointment, Role

            for version in versions:
                Appointment.objects.get_or_create(
                    staff=world.users["homeroom"].staff,
                    role=Role.HOMEROOM_TEACHER,
                    class_group=version.class_group,
                    school=version.school,
                    defaults={"valid_from": dt.date(2020, 1, 1)},
                )
        credential, source = register_credential(
            pki, world.users[user], organisation_of=world.school_a if role == SignatureRole.SCHOOL else None
        )
        batch = batches.sign_batch(
            by=world.users[user],
            version_ids=[v.pk for v in versions],
            role=role,
            signer_source=source,
            idempotency_key=uuid.uuid4().hex,
            timestamper_url=env.get("tsa_url"),
            trust=env.get("trust"),
            credential=credential,
        )
        failed = [(i.code, i.message) for i in batch.items.all() if i.outcome != "ok"]
        assert not failed, failed
    ledger.publish_tree_head(by=None)
    for version in versions:
        version.refresh_from_db()
    return student, versions
