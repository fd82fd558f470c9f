"""Hand-counted reporting data on top of the test world (``hocbaso/testing.py``).

2025-2026 (communes; the test world's school A in commune 1, school B in commune 2):

- school A: 3A (An, Bình, homeroom appointed), 3B (Cường, Giang; no homeroom); principal; entry
  window GHK1 open. Records: An issued (and an older version of An superseded), Bình signed by the
  homeroom teacher, Cường frozen, Giang none (no year result: missing cells). Results: An HTT,
  Bình HTXS, Cường CHT. Certificates: the seal expired (active), the homeroom teacher's expires in
  10 days, one expired but inactive, one expiring in 40 days. Corrections: one pending (An's
  issued version), one approved (the superseded one).
- school B: 3A (Dũng, no homeroom); principal_b; window GHK1 closed. Dũng HT without days
  absent (missing year page), no version.
- school C (new, commune 2, paper mode): 4A (Hoa, Lan), no homeroom, no head.

Cells at GHK1: grade 3 has 10 required subjects + 15 qualities and competencies, no test (25 a
pupil); grade 4 has 11 + 15 + 2 tests (28). Entered: An 3 ratings (an empty cell, and an optional
subject, not counted), Bình 1 rating; Hoa 1 rating + 1 score (math).

2024-2025 (the legacy district): school A's 2A (Em), HTT, issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hocbaso.assessments.models import AssessmentEntry, EntryWindow, StudentYear
from hocbaso.core import clock
from hocbaso.directory.models import ClassGroup, Role, School, SchoolUnitLink, SchoolYearSetting
from hocbaso.records.models import CorrectionRequest, Record, RecordVersion, Status
from hocbaso.signing.models import CredentialKind, SignatureEvent, SigningCredential
from hocbaso.testing import PastYear, World, add_previous_year, enrol, make_student

VIETNAM_DAY = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Data:
    world: World
    past: PastYear
    school_c: School
    class_4a: ClassGroup


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=VIETNAM_DAY)


def _version(student: Any, class_group: ClassGroup, status: str, *, number: int = 1, on: dt.date) -> RecordVersion:
    record, _created = Record.objects.get_or_create(student=student)
    return RecordVersion.objects.create(
        record=record,
        school_year=class_group.school_year,
        class_group=class_group,
        school=class_group.school,
        number=number,
        status=status,
        issuance_code=f"T{student.pk:04d}{number}{class_group.pk}",
        data={},
        xml_name="-",
        xml_sha256="-",
        pdf_name="-",
        pdf_sha256="-",
        assembled_at=_moment(on),
        status_changed_at=_moment(on),
    )


def _cell(
    student: Any, class_group: ClassGroup, point: str, kind: str, code: str, rating: str = "", score: Any = None
) -> None:
    AssessmentEntry.objects.create(
        student=student,
        school_year=class_group.school_year,
        class_group=class_group,
        point=point,
        item_kind=kind,
        item_code=code,
        rating=rating,
        score=score,
        updated_at=clock.now(),
    )


def _year(student: Any, class_group: ClassGroup, result: str, days_absent: int | None) -> None:
    StudentYear.objects.create(
        student=student,
        school_year=class_group.school_year,
        class_group=class_group,
        result=result,
        days_absent=days_absent,
    )


def _credential(
    staff: Any, label: str, not_after: dt.datetime, *, active: bool = True, school: School | None = None
) -> SigningCredential:
    return SigningCredential.objects.create(
        staff=staff,
        kind=CredentialKind.PKCS12,
        label=label,
        certificate_pem="-",
        fingerprint=label.ljust(64, "0")[:64],
        subject_name=label,
        not_before=not_after - dt.timedelta(days=700),
        not_after=not_after,
        for_organisation=school is not None,
        school=school,
        active=active,
    )


def build(world: World) -> Data:
    past = add_previous_year(world)
    w, year = world, world.year
    an, binh, cuong, dung = (w.students[k] for k in ("an", "binh", "cuong", "dung"))
    giang = make_student(w.school_a, "Đỗ Thị Giang")
    enrol(giang, w.class_3b)
    school_c = School.objects.create(code="TH-C", name="Trường Tiểu học Cẩm Thành")
    SchoolUnitLink.objects.create(school=school_c, unit=w.commune2, valid_from=dt.date(2025, 7, 1))
    SchoolYearSetting.objects.create(school=school_c, school_year=year, paper_mode=True)
    class_4a = ClassGroup.objects.create(school=school_c, school_year=year, grade=4, name="4A")
    hoa, lan = make_student(school_c, "Vũ Thị Hoa"), make_student(school_c, "Ngô Văn Lan")
    enrol(hoa, class_4a)
    enrol(lan, class_4a)

    EntryWindow.objects.create(school=w.school_a, school_year=year, point="mid1", is_open=True)
    EntryWindow.objects.create(school=w.school_b, school_year=year, point="mid1", is_open=False)

    _cell(an, w.class_3a, "mid1", "subject", "math", "T")
    _cell(an, w.class_3a, "mid1", "subject", "vietnamese", "H")
    _cell(an, w.class_3a, "mid1", "competency", "patriotism", "T")
    _cell(an, w.class_3a, "mid1", "subject", "ethics")  # created, not filled
    _cell(an, w.class_3a, "mid1", "subject", "ethnic_language", "T")  # optional: not expected, not counted
    _cell(binh, w.class_3a, "mid1", "subject", "math", "H")
    _cell(hoa, class_4a, "mid1", "subject", "math", "T", 9)

    _year(an, w.class_3a, "htt", 0)
    _year(binh, w.class_3a, "htxs", 1)
    _year(cuong, w.class_3b, "cht", 2)
    _year(dung, w.class_b_3a, "ht", None)

    old = _version(an, w.class_3a, Status.SUPERSEDED, number=1, on=dt.date(2026, 5, 25))
    issued = _version(an, w.class_3a, Status.ISSUED, number=2, on=dt.date(2026, 5, 26))
    _version(binh, w.class_3a, Status.SIGNED_HOMEROOM, on=dt.date(2026, 5, 26))
    _version(cuong, w.class_3b, Status.FROZEN, on=dt.date(2026, 5, 27))
    old.status_changed_at = _moment(dt.date(2026, 5, 26))
    old.save(update_fields=["status_changed_at"])

    homeroom = w.users["homeroom"]
    now = clock.now()
    seal = _credential(w.users["clerk"].staff, "seal", now - dt.timedelta(days=1), school=w.school_a)
    _credential(homeroom.staff, "homeroom", now + dt.timedelta(days=10))
    _credential(homeroom.staff, "old", now - dt.timedelta(days=100), active=False)
    _credential(w.users["principal"].staff, "principal", now + dt.timedelta(days=40))
    SignatureEvent.objects.create(
        version=issued,
        role="school",
        signer=w.users["clerk"].staff,
        title="Trường",
        appointment=w.users["clerk"].staff.appointments.get(role=Role.CLERK),
        credential=seal,
        certificate_fingerprint=seal.fingerprint,
        signed_at=_moment(dt.date(2026, 5, 28)),
        pdf_sha256_after="-",
        xml_sha256_after="-",
    )
    CorrectionRequest.objects.create(version=issued, reason="Sai", requested_by=homeroom, requested_at=now)
    CorrectionRequest.objects.create(
        version=old,
        reason="Sai",
        requested_by=homeroom,
        requested_at=now,
        state=CorrectionRequest.State.APPROVED,
        decided_by=w.users["principal"],
        decided_at=now,
    )

    _year(past.student, past.class_2a, "htt", 0)
    _version(past.student, past.class_2a, Status.ISSUED, on=dt.date(2025, 5, 25))
    return Data(world, past, school_c, class_4a)
