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
from django.db.models import Count
from django.db.models.functions import TruncDate

from hocbaso.directory.models import ClassGroup, School, SchoolUnitLink, SchoolYear
from hocbaso.records.models import CorrectionRequest, Record, RecordVersion, Status
from hocbaso.reporting import figures
from hocbaso.reporting.models import BacklogDay, VersionCount
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
    assert BacklogDay.objects.exists() and VersionCount.objects.exists()
    tables = ["reporting_backlogday", "reporting_versioncount", "directory_school", "directory_schoolyear"]
    tables += sorted(set(connection.introspection.django_table_names(only_existing=True)) - set(tables))
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert not BacklogDay.objects.exists() and not VersionCount.objects.exists()
    assert not RecordVersion.objects.exists() and not School.objects.exists()
