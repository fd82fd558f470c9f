"""The officer's pages on a simulated province, each beside its goal (issues 15 and 19): the
province, commune and school dashboards, a class page, the reports API, the school list, a code
lookup, a school's audit page and the province roll-up (figures + .xlsx + PDF, built as the
background task does).

By default (``make bench``) a small province is simulated into a fresh SQLite database
(``BENCH_PROVINCE_STUDENTS``=3000 pupils, ``BENCH_PROVINCE_SCHOOLS``=20 schools,
``BENCH_PROVINCE_YEARS``=2 completed years), so the run stays quick. For the province-sized
figures, point it at a database built by ``hocbaso simulate-province``::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/hb_province_sim
    hocbaso migrate && hocbaso simulate-province --students 180000 --years 5
    BENCH_PROVINCE_DATABASE_URL=$DATABASE_URL .venv/bin/python bench/bench_province.py

``BENCH_PROFILE=1`` prints a cProfile of the province dashboard's figures (the top 25 by
cumulative time).
"""

from __future__ import annotations

import os
import sys
import time

from _django import setup


def _database() -> None:
    url = os.environ.get("BENCH_PROVINCE_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        os.environ["BENCH_KEEP_DATABASE_URL"] = "1"


CPU: list[float] = []  # the CPU time of this process for the last ``_measure`` (median), beside the wall time


def _measure(work: object, repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``work`` in seconds (the median CPU time of this
    process, ``time.process_time``, left in ``CPU``: the machine is shared, the wall time noisy;
    the database server's own time is in the wall time only)."""
    import statistics

    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU[:] = [statistics.median(cpu)]
    return statistics.median(samples)


def _line(label: str, seconds: float, goal: float, unit: str = "ms", first: float | None = None) -> None:
    scale = 1000 if unit == "ms" else 1
    verdict = "ok" if seconds <= goal else "MISSED"
    cold = f"   (first {first * scale:.0f} {unit})" if first is not None else ""
    cpu = f"cpu {CPU[0] * scale:7.1f} {unit}" if CPU else ""
    print(f"{label:<58} {seconds * scale:9.1f} {unit}  {cpu}   goal < {goal * scale:g} {unit}   {verdict}{cold}")


def main() -> None:
    _database()
    var_dir = setup("province")
    from django.test import Client

    from hocbaso.accounts.models import User
    from hocbaso.demo import province
    from hocbaso.directory.models import AdministrativeUnit, ClassGroup, School, SchoolYear
    from hocbaso.records.models import RecordVersion, Status
    from hocbaso.reporting import actions, figures
    from hocbaso.testing import sign_in_verified

    if not School.objects.filter(code="SIM00000").exists():
        plan = province.Plan(
            students=int(os.environ.get("BENCH_PROVINCE_STUDENTS", "3000")),
            schools=int(os.environ.get("BENCH_PROVINCE_SCHOOLS", "20")),
            years=int(os.environ.get("BENCH_PROVINCE_YEARS", "2")),
        )
        started = time.perf_counter()
        province.simulate(plan, say=lambda _line: None)
        print(f"Simulated {plan} in {time.perf_counter() - started:.1f} s ({var_dir})")
    from hocbaso.signing.pki import DemoPKI
    from hocbaso.signing.trust import demo_pki_dir

    if not (demo_pki_dir() / "pki.json").exists():  # the code lookup reads the trust store (no credentials made)
        DemoPKI.create(str(demo_pki_dir()))
    province.placeholders()  # the simulated versions' shared files, in this run's storage
    unit = AdministrativeUnit.objects.get(code="SIM-51")
    commune = AdministrativeUnit.objects.get(code="SIM-X000")
    print(
        f"Database: {School.objects.filter(code__startswith='SIM').count()} schools, "
        f"{RecordVersion.objects.count():,} record versions, "
        f"{ClassGroup.objects.count():,} classes"
    )
    years = list(SchoolYear.objects.order_by("-code"))
    current, last = years[0], years[1]
    officer = sign_in_verified(Client(), User.objects.get(username=province.OFFICERS[0]))
    commune_officer = sign_in_verified(Client(), User.objects.get(username=province.OFFICERS[1]))
    school = School.objects.filter(code__startswith="SIM").order_by("code").first()
    assert school is not None
    principal = sign_in_verified(Client(), User.objects.get(username=f"sim.hieutruong.{school.pk}"))
    class_group = ClassGroup.objects.filter(school=school, school_year=current).order_by("grade", "name").first()
    assert class_group is not None
    code = (
        RecordVersion.objects.filter(school=school, school_year=last, status=Status.ISSUED)
        .values_list("issuance_code", flat=True)
        .first()
    )

    def page(client: Client, url: str) -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    anonymous = Client()
    pages = [
        ("province dashboard, current year (officer)", officer, f"/reports/units/{unit.pk}/?year={current.code}"),
        (
            "province dashboard, last year's CN (officer)",
            officer,
            f"/reports/units/{unit.pk}/?year={last.code}&point=year_end",
        ),
        ("commune dashboard (commune officer)", commune_officer, f"/reports/units/{commune.pk}/?year={current.code}"),
        ("school dashboard (officer)", officer, f"/reports/schools/{school.pk}/?year={last.code}&point=year_end"),
        ("class page (officer)", officer, f"/reports/classes/{class_group.pk}/?point=mid1"),
        ("reports API, province figures", officer, f"/api/v1/reports/units/{unit.pk}?year={last.code}"),
        ("reports API, school figures", officer, f"/api/v1/reports/schools/{school.pk}?year={last.code}"),
        ("school list (province officer)", officer, "/schools/"),
        ("school's audit page (principal)", principal, f"/schools/{school.pk}/audit/"),
        ("code lookup (/verify/<code>, issued version)", anonymous, f"/verify/{code}"),
    ]
    print(f"{'page (median of 5 after a first request; whole request)':<58} {'time':>12}   goal   (first request)")
    for label, client, url in pages:
        first = _measure(lambda c=client, u=url: page(c, u), 1)  # compiles templates, fills caches
        goal = 0.030 if "code lookup" in label else 1.0
        median = _measure(lambda c=client, u=url: page(c, u), 5)
        _line(label, median, goal, first=first)

    if os.environ.get("BENCH_PROFILE") == "1":
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(figures.unit_report, unit, last, "year_end")
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(25)

    user = User.objects.get(username=province.OFFICERS[0])

    def roll_up() -> None:
        run = actions.start_report(by=user, school_year=last, point="year_end", unit=unit)
        actions.execute_run(run.pk)

    _line("province roll-up built (figures + .xlsx + PDF)", _measure(roll_up, 1), 60, "s")


if __name__ == "__main__":
    main()
