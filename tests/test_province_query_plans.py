"""The officer's pages read the large tables through indexes, never by a full scan (issue 19).

A small province is simulated (``hocbaso.demo.province``), every page of ``bench_province.py`` is
requested and each SQL query it sent is explained on the database the suite runs on:

- PostgreSQL: ``EXPLAIN`` with ``enable_seqscan = off``. On a small table the planner rightly
  prefers a sequential scan, so the test takes that choice away: a ``Seq Scan`` left on a large
  table then means no index can answer the query (what happens at 180,000 pupils).
- SQLite: ``EXPLAIN QUERY PLAN``; a ``SCAN <large table>`` that names no index is a full scan.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hocbaso.accounts.models import User
from hocbaso.demo import province
from hocbaso.directory.models import AdministrativeUnit, ClassGroup, School, SchoolYear
from hocbaso.records.models import RecordVersion, Status
from hocbaso.testing import sign_in_verified

# Tables that grow with pupils, cells, versions or history (a province: 10⁵–10⁷ rows each).
LARGE = (
    "assessments_assessmententry",
    "assessments_studentyear",
    "audit_auditevent",
    "directory_appointment",
    "directory_classgroup",
    "directory_enrolment",
    "directory_student",
    "records_correctionrequest",
    "records_paperbook",
    "records_record",
    "records_recordversion",
    "reporting_backlogday",
    "reporting_cellcount",
    "reporting_correctioncount",
    "reporting_enrolmentcount",
    "reporting_resultcount",
    "reporting_versioncount",
    "signing_signatureevent",
)


@pytest.fixture
def simulated(db: None) -> dict[str, Any]:
    province.simulate(province.Plan(students=600, schools=4, years=1, seed=3), say=lambda _line: None)
    years = list(SchoolYear.objects.order_by("-code"))
    school = School.objects.get(code="SIM00000")
    return {
        "unit": AdministrativeUnit.objects.get(code="SIM-51"),
        "commune": AdministrativeUnit.objects.get(code="SIM-X000"),
        "current": years[0],
        "last": years[1],
        "school": school,
        "class": ClassGroup.objects.filter(school=school, school_year=years[0]).order_by("grade", "name").first(),
        "code": RecordVersion.objects.filter(school=school, status=Status.ISSUED).values_list(
            "issuance_code", flat=True
        )[0],
    }


def _pages(s: dict[str, Any]) -> list[tuple[str, str]]:
    unit, school, current, last = s["unit"], s["school"], s["current"].code, s["last"].code
    return [
        (province.OFFICERS[0], f"/reports/units/{unit.pk}/?year={current}"),
        (province.OFFICERS[0], f"/reports/units/{unit.pk}/?year={last}&point=year_end"),
        (province.OFFICERS[1], f"/reports/units/{s['commune'].pk}/?year={current}"),
        (province.OFFICERS[0], f"/reports/schools/{school.pk}/?year={last}&point=year_end"),
        (province.OFFICERS[0], f"/reports/classes/{s['class'].pk}/?point=mid1"),
        (province.OFFICERS[0], f"/api/v1/reports/units/{unit.pk}?year={last}"),
        (province.OFFICERS[0], f"/api/v1/reports/schools/{school.pk}?year={last}"),
        (province.OFFICERS[0], "/schools/"),
        (f"sim.hieutruong.{school.pk}", f"/schools/{school.pk}/audit/"),
    ]


def _full_scans(sql: str) -> list[str]:
    """The large tables ``sql`` reads by a full scan on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET LOCAL enable_seqscan = on")
            found = (re.search(r"Seq Scan on (\w+)", line) for line in plan)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = [row[-1] for row in cursor.fetchall()]
            found = (re.match(r"SCAN (\w+)$", line) for line in plan)
    return [m.group(1) for m in found if m and m.group(1) in LARGE]


def _explained(client_queries: list[dict[str, str]]) -> dict[str, list[str]]:
    scans: dict[str, list[str]] = {}
    for query in client_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in LARGE):
            continue
        tables = _full_scans(sql)
        if tables:
            scans[sql[:400]] = tables
    return scans


def _assert_reads_summaries(url: str, sqls: list[str]) -> None:
    """A unit's page counts a province's versions and backlog from the per-school summaries the
    database keeps (ADR 0019, ADR 0021), never from the versions and seals themselves: the versions
    are only looked up for the few year results without days absent (the "missing year page"
    figure); pupils, results and corrections come from their summaries too (the enrolments are
    read only for the few that ended on or after the day)."""
    for summary in ("versioncount", "enrolmentcount", "resultcount", "correctioncount"):
        assert any(f"reporting_{summary}" in sql for sql in sqls), (url, summary)
    assert not any("signing_signatureevent" in sql or "records_correctionrequest" in sql for sql in sqls), url
    others = [sql for sql in sqls if "records_recordversion" in sql and "assessments_studentyear" not in sql]
    assert not others, (url, others)
    # enrolments and year pages: only the few ended enrolments and pages without days absent
    counted = [sql for sql in sqls if re.search(r'COUNT\((DISTINCT )?"directory_enrolment"\.', sql)]
    assert not counted, (url, counted)
    if url.startswith("/reports/"):
        assert any("reporting_backlogday" in sql for sql in sqls), url


@pytest.mark.django_db
def test_officer_pages_read_large_tables_through_indexes(simulated: dict[str, Any]) -> None:
    checked = 0
    for username, url in _pages(simulated):
        client = sign_in_verified(Client(), User.objects.get(username=username))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        scans = _explained(queries.captured_queries)
        assert not scans, f"{url}: full scans of large tables: {scans}"
        if "/units/" in url:
            _assert_reads_summaries(url, [q["sql"] for q in queries.captured_queries])
        checked += sum(1 for q in queries.captured_queries if any(t in q["sql"] for t in LARGE))
    assert checked > 30  # the pages did read the large tables


@pytest.mark.django_db
def test_code_lookup_finds_the_version_by_its_index(simulated: dict[str, Any]) -> None:
    version = RecordVersion.objects.filter(issuance_code=simulated["code"])
    assert not _full_scans(str(version.query).replace(simulated["code"], f"'{simulated['code']}'"))


@pytest.mark.django_db
def test_the_simulated_province_has_every_kind_of_row(simulated: dict[str, Any]) -> None:
    """The simulation gives the pages something to count: versions at every stage, corrections,
    paper books, legacy-district links, expiring certificates, audit events chained."""
    from hocbaso.audit.chain import verify_chain

    statuses = set(RecordVersion.objects.values_list("status", flat=True))
    assert {Status.ISSUED, Status.SUPERSEDED} <= statuses
    unit = simulated["unit"]
    assert AdministrativeUnit.objects.filter(merged_into=unit).count() == 2
    assert School.objects.filter(code__startswith="SIM", unit_links__unit__kind="district").distinct().count() == 4
    count, breaks = verify_chain()
    assert count > 0 and not breaks
