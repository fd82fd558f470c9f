"""Readiness roll-up at province size: the province officer's table for one school year.

A province of ``--communes`` communes and ``--schools`` primary schools (Quảng Ngãi after the merger:
96 communes, about 500 primary schools), three in four declared (two revisions each), one in ten
in paper mode, a personal signing credential for ``--staff`` people per school. Prints the time of
``figures.rollup`` (what the page computes) and of the page itself.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_readiness.py [--schools 500] [--communes 96] [--staff 5]``.
Uses a temporary SQLite database (``_django.setup``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil

from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--communes", type=int, default=96)
    parser.add_argument("--staff", type=int, default=5)
    args = parser.parse_args()
    var_dir = setup("readiness")
    from django.db import connections, transaction
    from django.test import Client

    from hocbaso.accounts.models import User
    from hocbaso.core import clock
    from hocbaso.demo.directory_data import YEARS
    from hocbaso.directory.models import (
        AdministrativeUnit,
        Appointment,
        School,
        SchoolUnitLink,
        SchoolYear,
        SchoolYearSetting,
        StaffMember,
        UnitKind,
    )
    from hocbaso.reporting.readiness import figures
    from hocbaso.reporting.readiness.models import ReadinessDeclaration
    from hocbaso.signing.models import CredentialKind, SigningCredential

    start = dt.date(2025, 7, 1)
    with transaction.atomic():
        year = SchoolYear.objects.create(code="2025-2026", **YEARS["2025-2026"])
        province = AdministrativeUnit.objects.create(
            code="P", name="Tỉnh", kind=UnitKind.PROVINCE, valid_from=dt.date(1989, 1, 1)
        )
        communes = [
            AdministrativeUnit.objects.create(
                code=f"X{n}", name=f"Xã {n:03d}", kind=UnitKind.COMMUNE, parent=province, valid_from=start
            )
            for n in range(args.communes)
        ]
        officer_user = User.objects.create_user(username="so", password=None)
        officer = StaffMember.objects.create(user=officer_user, full_name="Sở")
        Appointment.objects.create(staff=officer, role="unit_officer", unit=province, valid_from=dt.date(2020, 1, 1))
        now = clock.now()
        for n in range(args.schools):
            school = School.objects.create(code=f"S{n}", name=f"Trường Tiểu học {n:04d}")
            SchoolUnitLink.objects.create(school=school, unit=communes[n % len(communes)], valid_from=start)
            if n % 10 == 0:
                SchoolYearSetting.objects.create(school=school, school_year=year, paper_mode=True)
            for m in range(args.staff):
                user = User.objects.create_user(username=f"gv{n}-{m}", password=None)
                staff = StaffMember.objects.create(user=user, full_name="Giáo viên", school=school)
                Appointment.objects.create(staff=staff, role="clerk", school=school, valid_from=dt.date(2024, 1, 1))
                SigningCredential.objects.create(
                    staff=staff,
                    kind=CredentialKind.PKCS12,
                    label="c",
                    certificate_pem="-",
                    fingerprint=f"{n:032d}{m:032d}",
                    subject_name="x",
                    not_before=now - dt.timedelta(days=30),
                    not_after=now + dt.timedelta(days=300),
                )
            if n % 4:
                for revision in (1, 2):
                    ReadinessDeclaration.objects.create(
                        school=school,
                        school_year=year,
                        revision=revision,
                        computers=5 + revision,
                        internet="stable",
                        staff_total=20,
                        certified_staff=args.staff,
                        trained_staff=10,
                        intention="digital",
                        declared_by=officer_user,
                        declared_at=now,
                    )
    print(f"Readiness benchmark: {args.schools:,} schools in {args.communes} communes, SQLite in {var_dir}")
    data = figures.rollup(officer_user, year)
    assert data.rows[0].counts.schools == args.schools
    timed("figures.rollup(province officer, 2025-2026)", lambda: figures.rollup(officer_user, year), repeat=5)
    client = Client()
    client.force_login(officer_user)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=officer_user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def page() -> None:
        response = client.get("/readiness/?year=2025-2026")
        assert response.status_code == 200, response.status_code

    timed("GET /readiness/?year=2025-2026 (the page)", page, repeat=5)
    connections.close_all()
    shutil.rmtree(var_dir)


if __name__ == "__main__":
    main()
