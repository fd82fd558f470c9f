"""The slowest SQL of the province pages, explained: each page of ``bench_province.py`` that reads
a whole province (the province dashboard for the current and the last year, the reports API) is
requested once to warm up, then once under ``CaptureQueriesContext``; the queries are printed by
time, the slowest ``BENCH_EXPLAIN_TOP`` (default 5) of each page with ``EXPLAIN (ANALYZE,
BUFFERS)`` on PostgreSQL (``EXPLAIN QUERY PLAN`` on SQLite).

    BENCH_PROVINCE_DATABASE_URL=$DATABASE_URL HOCBASO_DEMO=1 .venv/bin/python bench/explain_province.py

Counts only: the queries and plans name tables and ids, never a child's data.
"""

from __future__ import annotations

import os
import time

from _django import setup


def main() -> None:
    url = os.environ.get("BENCH_PROVINCE_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        os.environ["BENCH_KEEP_DATABASE_URL"] = "1"
    setup("province-explain")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hocbaso.accounts.models import User
    from hocbaso.demo import province
    from hocbaso.directory.models import AdministrativeUnit, SchoolYear
    from hocbaso.testing import sign_in_verified

    if not AdministrativeUnit.objects.filter(code="SIM-51").exists():
        raise SystemExit("No simulated province here: run `hocbaso simulate-province` first (bench/README.md).")
    unit = AdministrativeUnit.objects.get(code="SIM-51")
    years = list(SchoolYear.objects.order_by("-code"))
    current, last = years[0], years[1]
    officer = sign_in_verified(Client(), User.objects.get(username=province.OFFICERS[0]))
    top = int(os.environ.get("BENCH_EXPLAIN_TOP", "5"))
    pages = [
        f"/reports/units/{unit.pk}/?year={current.code}",
        f"/reports/units/{unit.pk}/?year={last.code}&point=year_end",
        f"/api/v1/reports/units/{unit.pk}?year={last.code}",
    ]
    for page in pages:
        assert officer.get(page).status_code == 200, page
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            assert officer.get(page).status_code == 200, page
        total = time.perf_counter() - started
        queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        spent = sum(float(q["time"]) for q in queries)
        print(f"\n=== {page}: {total * 1000:.0f} ms, {len(queries)} queries, {spent * 1000:.0f} ms in SQL")
        for query in queries[:top]:
            print(f"\n--- {float(query['time']) * 1000:.0f} ms: {query['sql'][:300]}")
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                for row in cursor.fetchall():
                    print("    " + str(row[-1]))


if __name__ == "__main__":
    main()
