"""Reporting figures on the demo province: the province and school dashboards (figures and the
whole page), and the province roll-up built as the background task does (figures, .xlsx, PDF).

The demo's directory and assessments are loaded; record versions are then written in bulk (no
files, statuses spread over frozen … issued, with signature times) for every year result, so the
record figures have rows to count. ``BENCH_SCHOOLS=N`` adds N synthetic schools of 10 classes × 30
pupils (each with its year-end ratings, a year result and a version) to see how the figures grow.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_reporting.py`` (a fresh SQLite database in a
temporary directory); with ``BENCH_KEEP_DATABASE_URL=1 DATABASE_URL=…`` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from _django import setup, timed


def _versions() -> int:
    """A version for every student year with a result, statuses spread in order; signature times
    for the sealed ones."""
    from hocbaso.assessments.models import StudentYear
    from hocbaso.core import clock
    from hocbaso.records.models import Record, RecordVersion, Status

    statuses = [Status.FROZEN, Status.SIGNED_HOMEROOM, Status.SIGNED_PRINCIPAL, Status.ISSUED, Status.ISSUED]
    years = list(StudentYear.objects.exclude(result="").select_related("class_group", "school_year"))
    Record.objects.bulk_create([Record(student_id=y.student_id) for y in years], ignore_conflicts=True)
    records = dict(Record.objects.values_list("student_id", "pk"))
    now = clock.now()
    versions = [
        RecordVersion(
            record_id=records[y.student_id],
            school_year_id=y.school_year_id,
            class_group_id=y.class_group_id,
            school_id=y.class_group.school_id,
            number=1,
            status=statuses[index % len(statuses)],
            issuance_code=f"BENCH{index:09d}",
            data={},
            xml_name="-",
            xml_sha256="-",
            pdf_name="-",
            pdf_sha256="-",
            assembled_at=now - dt.timedelta(days=30 - index % 30),
        )
        for index, y in enumerate(years)
    ]
    RecordVersion.objects.bulk_create(versions, batch_size=2000, ignore_conflicts=True)
    return len(versions)


def _synthetic_schools(count: int) -> int:
    """``count`` schools of 10 classes × 30 pupils each, linked to the demo's communes, with year
    results and versions for 2025-2026; returns the pupils added."""
    from hocbaso.assessments.models import StudentYear
    from hocbaso.directory.models import (
        AdministrativeUnit,
        ClassGroup,
        Enrolment,
        School,
        SchoolUnitLink,
        SchoolYear,
        Student,
        UnitKind,
    )

    year = SchoolYear.objects.get(code="2025-2026")
    communes = list(
        AdministrativeUnit.objects.filter(kind__in=[UnitKind.COMMUNE, UnitKind.WARD]).values_list("pk", flat=True)
    )
    schools = School.objects.bulk_create(
        [School(code=f"BENCH{n:05d}", name=f"Trường thử {n:05d}") for n in range(count)], batch_size=1000
    )
    SchoolUnitLink.objects.bulk_create(
        [
            SchoolUnitLink(school=s, unit_id=communes[n % len(communes)], valid_from=dt.date(2025, 7, 1))
            for n, s in enumerate(schools)
        ]
    )
    classes = ClassGroup.objects.bulk_create(
        [
            ClassGroup(school=s, school_year=year, grade=1 + c % 5, name=f"{1 + c % 5}{'ABCDEFGHIJ'[c]}")
            for s in schools
            for c in range(10)
        ],
        batch_size=2000,
    )
    students = Student.objects.bulk_create(
        [
            Student(
                school_id=cg.school_id, full_name=f"Học Sinh {cg.pk} {n}", gender=1, date_of_birth=dt.date(2017, 1, 1)
            )
            for cg in classes
            for n in range(30)
        ],
        batch_size=5000,
    )
    pairs = [(st, classes[i // 30]) for i, st in enumerate(students)]
    Enrolment.objects.bulk_create(
        [Enrolment(student=st, class_group=cg, school_year=year, start_date=year.start_date) for st, cg in pairs],
        batch_size=5000,
    )
    StudentYear.objects.bulk_create(
        [
            StudentYear(
                student=st,
                school_year=year,
                class_group=cg,
                result=("htxs", "htt", "ht", "cht")[st.pk % 4],
                days_absent=0,
            )
            for st, cg in pairs
        ],
        batch_size=5000,
    )
    from hocbaso.assessments.catalogue import grade_catalogue
    from hocbaso.assessments.models import AssessmentEntry
    from hocbaso.core import clock

    now = clock.now()
    items = {g: [(i.kind, i.code) for i in grade_catalogue(year.code, g).items if not i.optional] for g in range(1, 6)}
    batch: list[AssessmentEntry] = []
    for st, cg in pairs:  # every year-end rating of a pupil (the cells the dashboard scans)
        for kind, code in items[cg.grade]:
            batch.append(
                AssessmentEntry(
                    student=st,
                    school_year=year,
                    class_group=cg,
                    point="year_end",
                    item_kind=kind,
                    item_code=code,
                    rating="T" if kind == "subject" else "Đ",
                    updated_at=now,
                )
            )
        if len(batch) >= 20000:
            AssessmentEntry.objects.bulk_create(batch)
            batch = []
    AssessmentEntry.objects.bulk_create(batch)
    return len(students)


def main() -> None:
    var_dir = setup("reporting")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hocbaso.demo import assessments_data, directory_data
    from hocbaso.directory.models import AdministrativeUnit, Enrolment, School, SchoolYear, UnitKind
    from hocbaso.records.models import RecordVersion
    from hocbaso.reporting import actions, figures
    from hocbaso.testing import sign_in_verified

    started = time.perf_counter()
    directory_data.load(1)
    assessments_data.load(1)
    extra = int(os.environ.get("BENCH_SCHOOLS", "0"))
    added = _synthetic_schools(extra) if extra else 0
    versions = _versions()
    print(
        f"Demo province loaded in {time.perf_counter() - started:.1f} s ({var_dir}): "
        f"{School.objects.count()} schools, {Enrolment.objects.count()} enrolments "
        f"({added} synthetic pupils), {RecordVersion.objects.count()} record versions ({versions} written in bulk)"
    )

    province = AdministrativeUnit.objects.get(kind=UnitKind.PROVINCE, parent__isnull=True, merged_into__isnull=True)
    year = SchoolYear.objects.get(code="2025-2026")
    school = School.objects.filter(classes__school_year=year).first()
    assert school is not None
    from hocbaso.accounts.models import User

    officer = User.objects.get(username="so.chuyenvien")
    client = sign_in_verified(Client(), officer)

    timed("province figures (unit_report, CN)", lambda: figures.unit_report(province, year, "year_end"))
    with CaptureQueriesContext(connection) as queries:
        figures.unit_report(province, year, "year_end")
    print(f"{'  queries for the province figures':<64} {len(queries):8d}")
    timed("province backlog series", lambda: figures.backlog(School.objects.all(), year))
    province_url = f"/reports/units/{province.pk}/?year={year.code}&point=year_end"
    assert client.get(province_url).status_code == 200
    timed("province dashboard page (officer, whole request)", lambda: client.get(province_url))
    school_url = f"/reports/schools/{school.pk}/?year={year.code}&point=year_end"
    timed("school dashboard page (officer, whole request)", lambda: client.get(school_url))
    api_url = f"/api/v1/reports/units/{province.pk}?year={year.code}"
    timed("province figures through the API", lambda: client.get(api_url))

    def roll_up() -> None:
        run = actions.start_report(by=officer, school_year=year, point="year_end", unit=province)
        actions.execute_run(run.pk)

    timed("province roll-up built (figures + .xlsx + PDF)", roll_up, repeat=3, unit="s")


if __name__ == "__main__":
    main()
