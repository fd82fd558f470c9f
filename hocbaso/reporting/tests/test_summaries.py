"""The summaries the database keeps beside the record versions and signatures (``VersionCount``,
``BacklogDay``; migration ``reporting/0004``, ADR 0019) equal a fresh count of the versions and
seals after every kind of write: freeze, sign, seal (issue), supersede, revoke, delete, transfer
to another school, bulk inserts and updates, raw SQL that bypasses the ORM — on SQLite and
PostgreSQL alike. A summary that drifted would show an officer wrong figures, silently."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef
from django.db.models.functions import TruncDate

from hocbaso.assessments.models import StudentYear
from hocbaso.core import clock
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolUnitLink, SchoolYear
from hocbaso.records.models import CorrectionRequest, Record, RecordVersion, Status
from hocbaso.reporting import figures
from hocbaso.reporting.models import BacklogDay, CorrectionCount, EnrolmentCount, ResultCount, VersionCount
from hocbaso.reporting.tests.data import Data, _moment, build
from hocbaso.signing.models import SignatureEvent, SignatureRole, SigningCredential
from hocbaso.testing import World, enrol, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world: World) -> Data:
    return build(world)


def _counted_versions() -> dict[tuple[int, int, str], int]:
    return {
        (school, year, status): n
        for school, year, status, n in RecordVersion.objects.values("school_id", "school_year_id", "status")
        .annotate(n=Count("pk"))
        .values_list("school_id", "school_year_id", "status", "n")
    }


def _kept_versions() -> dict[tuple[int, int, str], int]:
    return {
        (school, year, status): n
        for school, year, status, n in VersionCount.objects.exclude(versions=0).values_list(
            "school_id", "school_year_id", "status", "versions"
        )
    }


def _counted_backlog() -> dict[tuple[int, int, dt.date], tuple[int, int]]:
    """(school, year, day) → (change, events), counted afresh the way the figures used to: + frozen
    on the day assembled, − sealed on the seal's day, − withdrawn unsealed on the status change's day."""
    change: Counter[tuple[int, int, dt.date]] = Counter()
    events: Counter[tuple[int, int, dt.date]] = Counter()

    def add(rows: Any, sign: int) -> None:
        for school, year, day, n in rows:
            change[(school, year, day)] += sign * n
            events[(school, year, day)] += n

    versions = RecordVersion.objects.exclude(status=Status.DRAFT)
    add(
        versions.annotate(d=TruncDate("assembled_at"))
        .values("school_id", "school_year_id", "d")
        .annotate(n=Count("pk"))
        .values_list("school_id", "school_year_id", "d", "n"),
        1,
    )
    add(
        SignatureEvent.objects.filter(role=SignatureRole.SCHOOL)
        .annotate(d=TruncDate("signed_at"))
        .values("version__school_id", "version__school_year_id", "d")
        .annotate(n=Count("pk"))
        .values_list("version__school_id", "version__school_year_id", "d", "n"),
        -1,
    )
    add(
        RecordVersion.objects.filter(status__in=[Status.SUPERSEDED, Status.REVOKED], status_changed_at__isnull=False)
        .exclude(signature_events__role=SignatureRole.SCHOOL)
        .annotate(d=TruncDate("status_changed_at"))
        .values("school_id", "school_year_id", "d")
        .annotate(n=Count("pk"))
        .values_list("school_id", "school_year_id", "d", "n"),
        -1,
    )
    return {key: (change[key], events[key]) for key in events}


def _kept_backlog() -> dict[tuple[int, int, dt.date], tuple[int, int]]:
    return {
        (school, year, day): (change, events)
        for school, year, day, change, events in BacklogDay.objects.exclude(events=0, change=0).values_list(
            "school_id", "school_year_id", "day", "change", "events"
        )
    }


def _series(key_school: int, key_year: int) -> list[tuple[dt.date, int]]:
    running, series = 0, []
    for (school, year, day), (change, _events) in sorted(_counted_backlog().items(), key=lambda kv: kv[0][2]):
        if (school, year) == (key_school, key_year):
            running += change
            series.append((day, running))
    return series


def _assert_kept(step: str) -> None:
    assert _kept_versions() == _counted_versions(), step
    assert _kept_backlog() == _counted_backlog(), step
    for school, year in RecordVersion.objects.values_list("school_id", "school_year_id").distinct():
        assert figures.backlog([school], SchoolYear.objects.get(pk=year)) == _series(school, year), step


def _sign(version: RecordVersion, role: str, user: Any, credential: SigningCredential, on: dt.date) -> None:
    SignatureEvent.objects.create(
        version=version,
        role=role,
        signer=user.staff,
        title="-",
        appointment=user.staff.appointments.first(),
        credential=credential,
        certificate_fingerprint=credential.fingerprint,
        signed_at=_moment(on, 16),
        pdf_sha256_after="-",
        xml_sha256_after="-",
    )


def _freeze(student: Any, class_group: ClassGroup, number: int, on: dt.date) -> RecordVersion:
    record, _created = Record.objects.get_or_create(student=student)
    version = RecordVersion.objects.create(
        record=record,
        school_year=class_group.school_year,
        class_group=class_group,
        school=class_group.school,
        number=number,
        status=Status.DRAFT,
        issuance_code=f"S{student.pk:04d}{number}{class_group.pk}",
        data={},
        xml_name="-",
        xml_sha256="-",
        pdf_name="-",
        pdf_sha256="-",
        assembled_at=_moment(on, 23),  # 23:00 in Vietnam: 16:00 UTC, the same day either way
    )
    _assert_kept("draft")
    version.transition_to(Status.FROZEN)
    version.save(update_fields=["status", "status_changed_at"])
    return version


def test_the_migration_filled_the_summaries_from_the_rows_there(data: Data) -> None:
    """The hand-counted data was written after the migration; dropping the summaries and running
    the migration's backfill again gives the same rows the triggers kept."""
    from importlib import import_module

    migration = import_module("hocbaso.reporting.migrations.0004_version_counts_backlog_days")
    kept = (_kept_versions(), _kept_backlog())
    VersionCount.objects.all().delete()
    BacklogDay.objects.all().delete()
    with connection.cursor() as cursor:
        for sql in migration._backfill(connection.vendor):
            cursor.execute(sql)
    assert (_kept_versions(), _kept_backlog()) == kept
    _assert_kept("backfill")
    # the hand-counted figures read from the summaries: school A's versions and backlog
    w = data.world
    counts = figures.compute([w.school_a.pk], w.year, "year_end")[w.school_a.pk].counts
    assert (counts.frozen, counts.signed_homeroom, counts.signed_principal, counts.issued) == (3, 2, 1, 1)


def test_summaries_follow_every_kind_of_write(data: Data) -> None:
    w = data.world
    _assert_kept("built")
    clerk, homeroom, principal = (w.users[k] for k in ("clerk", "homeroom", "principal"))
    credential = SigningCredential.objects.get(label="seal")
    giang = w.class_3b.enrolments.get(student__full_name="Đỗ Thị Giang").student
    june = dt.date(2026, 6, 1)

    # freeze, then the three signatures (issue), on three days
    version = _freeze(giang, w.class_3b, 1, june)
    _assert_kept("frozen")
    for role, status, user, day in [
        (SignatureRole.HOMEROOM, Status.SIGNED_HOMEROOM, homeroom, 2),
        (SignatureRole.PRINCIPAL, Status.SIGNED_PRINCIPAL, principal, 3),
        (SignatureRole.SCHOOL, Status.ISSUED, clerk, 4),
    ]:
        _sign(version, role, user, credential, dt.date(2026, 6, day))
        _assert_kept(f"signed {role}")
        version.transition_to(status)
        version.save(update_fields=["status", "status_changed_at"])
        _assert_kept(f"moved to {status}")

    # supersede the sealed version by a new one (a correction): the sealed one stays counted by its seal
    version.transition_to(Status.SUPERSEDED)
    version.save(update_fields=["status", "status_changed_at", "status_reason"])
    newer = _freeze(giang, w.class_3b, 2, dt.date(2026, 6, 10))
    _assert_kept("superseded by a new version")

    # revoke an unsealed version (withdrawn on the day), and one before any signature
    newer.transition_to(Status.REVOKED)
    newer.save(update_fields=["status", "status_changed_at"])
    _assert_kept("revoked unsealed")
    binh = RecordVersion.objects.get(status=Status.SIGNED_HOMEROOM)
    RecordVersion.objects.filter(pk=binh.pk).update(status=Status.REVOKED, status_changed_at=_moment(june, 1))
    _assert_kept("revoked by a queryset update, 01:00 in Vietnam (the day before in UTC)")

    # a seal applied to an already withdrawn version, then its signing time corrected, then removed
    _sign(binh, SignatureRole.SCHOOL, clerk, credential, dt.date(2026, 6, 12))
    _assert_kept("seal on a withdrawn version")
    SignatureEvent.objects.filter(version=binh, role=SignatureRole.SCHOOL).update(signed_at=_moment(june, 2))
    _assert_kept("seal time changed")
    SignatureEvent.objects.filter(version=binh, role=SignatureRole.SCHOOL).delete()
    _assert_kept("seal deleted")

    # a seal moved from one version to another, and a signature's role changed
    seal = SignatureEvent.objects.get(version=version, role=SignatureRole.SCHOOL)
    SignatureEvent.objects.filter(pk=seal.pk).update(version=newer)
    _assert_kept("seal moved to another version")
    SignatureEvent.objects.filter(pk=seal.pk).update(role=SignatureRole.PRINCIPAL, version=binh)
    SignatureEvent.objects.filter(version=version, role=SignatureRole.PRINCIPAL).update(role=SignatureRole.SCHOOL)
    _assert_kept("roles changed")

    # transfer: a pupil leaves school A for school B mid-year, his frozen version follows him
    cuong = RecordVersion.objects.get(status=Status.FROZEN, school=w.school_a)
    RecordVersion.objects.filter(pk=cuong.pk).update(school=w.school_b, class_group=w.class_b_3a)
    _assert_kept("transferred to school B")
    _sign(cuong, SignatureRole.SCHOOL, clerk, credential, dt.date(2026, 6, 20))
    RecordVersion.objects.filter(pk=cuong.pk).update(school=w.school_a, class_group=w.class_3b)
    _assert_kept("sealed, then moved back with its seal")

    # delete: signatures first, then the versions (and the other order, inside one transaction)
    SignatureEvent.objects.filter(version=version).delete()
    CorrectionRequest.objects.filter(version__in=[version, newer]).delete()
    RecordVersion.objects.filter(pk__in=[newer.pk, version.pk]).update(supersedes=None)
    SignatureEvent.objects.filter(version=newer).delete()
    RecordVersion.objects.filter(pk__in=[newer.pk, version.pk]).delete()
    _assert_kept("deleted")
    with connection.cursor() as cursor:  # a sealed version before its seal (the foreign key is checked at commit)
        cursor.execute("DELETE FROM records_recordversion WHERE id = %s", [cuong.pk])
        _assert_kept("sealed version deleted, its seal still there")
        cursor.execute("DELETE FROM signing_signatureevent WHERE version_id = %s", [cuong.pk])
    _assert_kept("its seal deleted too")

    # bulk inserts (the simulator's and the demo's path) and raw SQL
    pupils = [make_student(w.school_b, f"Học Sinh Số {n}") for n in range(3)]
    RecordVersion.objects.bulk_create(
        RecordVersion(
            record=Record.objects.create(student=pupil),
            school_year=w.year,
            class_group=w.class_b_3a,
            school=w.school_b,
            number=1,
            status=status,
            issuance_code=f"B{pupil.pk:06d}",
            data={},
            xml_name="-",
            xml_sha256="-",
            pdf_name="-",
            pdf_sha256="-",
            assembled_at=_moment(dt.date(2026, 6, 25)),
            status_changed_at=_moment(dt.date(2026, 6, 26)),
        )
        for pupil, status in zip(pupils, [Status.FROZEN, Status.ISSUED, Status.SUPERSEDED], strict=True)
    )
    _assert_kept("bulk created")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_recordversion SET status = %s, assembled_at = %s WHERE school_id = %s",
            [Status.SIGNED_PRINCIPAL, _moment(dt.date(2026, 6, 27)), w.school_b.pk],
        )
    _assert_kept("raw SQL update")
    assert VersionCount.objects.get(school=w.school_b, school_year=w.year, status=Status.SIGNED_PRINCIPAL).versions


def test_a_school_in_another_unit_keeps_its_own_rows(data: Data) -> None:
    """The province page sums the summaries of the schools in scope only: a school's versions are
    never counted under another school, and a school out of scope adds nothing."""
    w = data.world
    other = School.objects.create(code="TH-X", name="Trường khác")
    SchoolUnitLink.objects.create(school=other, unit=w.commune2, valid_from=dt.date(2025, 7, 1))
    class_x = ClassGroup.objects.create(school=other, school_year=w.year, grade=3, name="3X")
    pupil = make_student(other, "Học Sinh Khác")
    enrol(pupil, class_x)
    _freeze(pupil, class_x, 1, dt.date(2026, 6, 5))
    a = figures.compute([w.school_a.pk], w.year, "year_end")[w.school_a.pk].counts
    assert (a.frozen, a.issued) == (3, 1)
    assert figures.compute([other.pk], w.year, "year_end")[other.pk].counts.frozen == 1
    assert figures.backlog([other.pk], w.year) == [(dt.date(2026, 6, 5), 1)]
    assert dt.date(2026, 6, 5) not in dict(figures.backlog([w.school_a.pk], w.year))


@pytest.mark.django_db(transaction=True)
def test_a_flush_in_any_order_leaves_no_summary_row(world: World) -> None:
    """Emptying the database (a transactional test's teardown) deletes versions and seals, whose
    triggers write summary rows: on SQLite (one DELETE a table) those rows must be gone at the
    commit, whatever order the tables were listed in (hocbaso/core/db/sqlite3)."""
    from django.core.management.color import no_style

    build(world)
    summaries: list[type[Model]] = [EnrolmentCount, ResultCount, CorrectionCount, BacklogDay, VersionCount]
    assert all(model._default_manager.exists() for model in summaries)
    tables = [model._meta.db_table for model in summaries] + ["directory_school", "directory_schoolyear"]
    tables += sorted(set(connection.introspection.django_table_names(only_existing=True)) - set(tables))
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert not any(model._default_manager.exists() for model in summaries)
    assert not RecordVersion.objects.exists() and not School.objects.exists()


# --- pupils, results and corrections (migration reporting/0005, ADR 0021) -------------------------


def _counted_pupils() -> dict[str, dict[tuple[Any, ...], int]]:
    """Each summary of ADR 0021 counted afresh from the enrolments, year pages and requests."""
    open_here = Enrolment.objects.filter(
        student_id=OuterRef("student_id"), class_group_id=OuterRef("class_group_id"), end_date__isnull=True
    )
    enrolments = Enrolment.objects.filter(end_date__isnull=True).values("class_group_id").annotate(n=Count("pk"))
    results = (
        StudentYear.objects.exclude(result="")
        .filter(Exists(open_here))
        .values("class_group_id", "result")
        .annotate(n=Count("pk"))
    )
    corrections = CorrectionRequest.objects.values("version__school_id", "version__school_year_id", "state").annotate(
        n=Count("pk")
    )
    return {
        "enrolments": {(c,): n for c, n in enrolments.values_list("class_group_id", "n")},
        "results": {(c, r): n for c, r, n in results.values_list("class_group_id", "result", "n")},
        "corrections": {
            (s, y, state): n
            for s, y, state, n in corrections.values_list("version__school_id", "version__school_year_id", "state", "n")
        },
    }


def _kept_pupils() -> dict[str, dict[tuple[Any, ...], int]]:
    return {
        "enrolments": {
            (c,): n for c, n in EnrolmentCount.objects.exclude(enrolments=0).values_list("class_group_id", "enrolments")
        },
        "results": {
            (c, r): n
            for c, r, n in ResultCount.objects.exclude(pupils=0).values_list("class_group_id", "result", "pupils")
        },
        "corrections": {
            (s, y, state): n
            for s, y, state, n in CorrectionCount.objects.exclude(requests=0).values_list(
                "school_id", "school_year_id", "state", "requests"
            )
        },
    }


def _assert_pupils_kept(step: str) -> None:
    assert _kept_pupils() == _counted_pupils(), step


def test_the_migration_filled_the_pupil_summaries_from_the_rows_there(data: Data) -> None:
    from importlib import import_module

    migration = import_module("hocbaso.reporting.migrations.0005_pupil_result_correction_counts")
    kept = _kept_pupils()
    assert kept["enrolments"] and kept["results"] and kept["corrections"]
    for model in (EnrolmentCount, ResultCount, CorrectionCount):
        model.objects.all().delete()
    with connection.cursor() as cursor:
        for sql in migration.BACKFILL:
            cursor.execute(sql)
    assert _kept_pupils() == kept
    _assert_pupils_kept("backfill")


def test_pupil_summaries_follow_every_kind_of_write(data: Data) -> None:
    w = data.world
    _assert_pupils_kept("built")
    an = w.students["an"]
    giang = w.class_3b.enrolments.get(student__full_name="Đỗ Thị Giang").student

    # a year page: written, its result changed, emptied, moved to another class, deleted
    page = StudentYear.objects.create(student=giang, school_year=w.year, class_group=w.class_3b, result="ht")
    _assert_pupils_kept("year page with a result")
    StudentYear.objects.filter(pk=page.pk).update(result="htxs")
    _assert_pupils_kept("result changed")
    StudentYear.objects.filter(pk=page.pk).update(result="")
    _assert_pupils_kept("result emptied")
    StudentYear.objects.filter(pk=page.pk).update(result="htt", class_group=w.class_3a)
    _assert_pupils_kept("year page in a class the pupil is not enrolled in")

    # enrolments: ended, reopened, moved to another class, a new one, deleted
    enrolment = Enrolment.objects.get(student=giang, end_date__isnull=True)
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=dt.date(2026, 1, 9))
    _assert_pupils_kept("enrolment ended")
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=None)
    _assert_pupils_kept("enrolment reopened")
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=dt.date(2026, 1, 9))
    enrol(giang, w.class_3a, start=dt.date(2026, 1, 10))
    _assert_pupils_kept("moved to 3A, where the year page is")
    StudentYear.objects.filter(pk=page.pk).delete()
    Enrolment.objects.filter(student=giang).delete()
    _assert_pupils_kept("deleted")

    # a transfer to another school (the directory's move: the old enrolment ends, a new one starts)
    from hocbaso.directory.actions import move_student

    move_student(by=w.users["principal_b"], student=an, to_class=w.class_b_3a, on=dt.date(2026, 2, 2))
    _assert_pupils_kept("transferred to school B")
    StudentYear.objects.filter(student=an, school_year=w.year).update(class_group=w.class_b_3a)
    _assert_pupils_kept("year page followed")

    # corrections: requested, decided, moved with their version to another school, deleted
    version = RecordVersion.objects.filter(school=w.school_a, school_year=w.year, status=Status.SIGNED_HOMEROOM).get()
    request = CorrectionRequest.objects.create(
        version=version, reason="-", requested_by=w.users["clerk"], requested_at=clock.now()
    )
    _assert_pupils_kept("correction requested")
    CorrectionRequest.objects.filter(pk=request.pk).update(
        state=CorrectionRequest.State.REJECTED, decided_at=clock.now()
    )
    _assert_pupils_kept("correction rejected")
    RecordVersion.objects.filter(pk=version.pk).update(school=w.school_b, class_group=w.class_b_3a)
    _assert_pupils_kept("version (and its requests) moved to school B")
    CorrectionRequest.objects.filter(pk=request.pk).delete()
    _assert_pupils_kept("request deleted")
    with connection.cursor() as cursor:  # a version deleted before its requests (checked at commit)
        pending = CorrectionRequest.objects.filter(state=CorrectionRequest.State.PENDING).first()
        assert pending is not None
        cursor.execute(
            "UPDATE records_recordversion SET supersedes_id = NULL WHERE supersedes_id = %s", [pending.version_id]
        )
        cursor.execute("DELETE FROM signing_signatureevent WHERE version_id = %s", [pending.version_id])
        cursor.execute("DELETE FROM records_recordversion WHERE id = %s", [pending.version_id])
        _assert_pupils_kept("version deleted, its request still there")
        cursor.execute("DELETE FROM records_correctionrequest WHERE id = %s", [pending.pk])
    _assert_pupils_kept("its request deleted too")

    # bulk inserts (the simulator's path) and a raw update
    pupils = [make_student(w.school_b, f"Học Sinh {n}") for n in range(3)]
    Enrolment.objects.bulk_create(
        Enrolment(student=p, class_group=w.class_b_3a, school_year=w.year, start_date=w.year.start_date) for p in pupils
    )
    StudentYear.objects.bulk_create(
        StudentYear(student=p, school_year=w.year, class_group=w.class_b_3a, result=r)
        for p, r in zip(pupils, ["htt", "ht", ""], strict=True)
    )
    _assert_pupils_kept("bulk created")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_enrolment SET end_date = %s WHERE class_group_id = %s",
            [dt.date(2026, 3, 1), w.class_b_3a.pk],
        )
    _assert_pupils_kept("raw SQL update")


def test_pupils_who_left_on_or_after_the_day_are_still_counted(data: Data) -> None:
    """The figures count a pupil whose enrolment ends on or after the day asked (read directly,
    not from the summary), once, with their result; one who left before is not counted."""
    w = data.world
    binh = w.students["binh"]
    before = figures.compute([w.school_a.pk], w.year, "mid1", today=dt.date(2026, 3, 1))[w.school_a.pk].counts
    Enrolment.objects.filter(student=binh, end_date__isnull=True).update(end_date=dt.date(2026, 3, 1))
    on_the_day = figures.compute([w.school_a.pk], w.year, "mid1", today=dt.date(2026, 3, 1))[w.school_a.pk].counts
    assert (on_the_day.students, on_the_day.results_total(), on_the_day.missing_cells) == (
        before.students,
        before.results_total(),
        before.missing_cells,
    )
    enrol(binh, w.class_3b, start=dt.date(2026, 3, 1))  # moved to 3B the same day: one pupil, twice in class rows
    again = figures.compute([w.school_a.pk], w.year, "mid1", today=dt.date(2026, 3, 1))[w.school_a.pk].counts
    assert (again.students, again.results_total()) == (before.students, before.results_total())
    by_class = figures.compute([w.school_a.pk], w.year, "mid1", by_class=True, today=dt.date(2026, 3, 1))
    assert by_class[w.class_3a.pk].counts.students + by_class[w.class_3b.pk].counts.students == before.students + 1
    after = figures.compute([w.school_a.pk], w.year, "mid1", today=dt.date(2026, 3, 2))[w.school_a.pk].counts
    assert after.students == before.students  # Bình now counted in 3B only
    assert after.results_total()["htxs"] == before.results_total()["htxs"] - 1  # his page is in 3A, he left it
