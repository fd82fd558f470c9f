"""A simulated province for measuring the system at the size a Sở runs it (``hocbaso
simulate-province``): by default ~180,000 pupils in ~600 primary schools, five completed school
years and the current one, ~1 M record versions.

It writes **through bulk paths on purpose** (``demo.bulk.BulkWriter``: ``COPY`` on PostgreSQL,
batched ``executemany`` on SQLite), bypassing ``actions.py``: the rows are simulated history, not
anybody's work, and one-row-at-a-time writes would take days at this size. What it builds:

- the dated unit tree: the merged province (from 1/7/2025) with its communes/wards/special zone,
  the two old provinces with their legacy districts (until 30/6/2025); every school linked to a
  district before the reform and to a commune after it;
- schools with a principal, vice-principal, clerk and homeroom teachers (appointments per class
  and year, ~1 % of the current classes without one), signing credentials (a few expired or
  expiring), school-year settings (~4 % of schools in paper mode each year, with paper books
  instead of versions), entry windows;
- cohorts of pupils moving up a grade a year (grade 1 enters, grade 5 leaves), enrolments (~1 %
  leaving during the year), year pages with results and days absent for the completed years;
- assessment cells: every cell of the last completed year's year-end point and, for the current
  year, the points already reached at ``fill`` (97 %: a few classes lag behind);
- one record per pupil and one version per completed year (issued in older years; frozen …
  issued in the last one), three signature events per issued version, ~2 % corrected
  (superseded + a new issued version + an approved correction request), a few pending
  corrections; all versions share one placeholder PDF and XML (the rows are real, the files not);
- audit events (hash-chained, continuing the chain head): one per version frozen and one per
  signing batch and class.

Everything is deterministic for a seed. Codes of simulated objects start with ``SIM`` so the
simulated province can sit beside the demo one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from hocbaso.accounts.models import User
from hocbaso.assessments.catalogue import grade_catalogue
from hocbaso.assessments.models import AssessmentEntry, EntryWindow, ItemKind, Point, StudentYear, YearResult
from hocbaso.audit.models import GENESIS_HASH, AuditEvent, ChainHead
from hocbaso.core import clock
from hocbaso.demo import names
from hocbaso.demo.bulk import BulkWriter
from hocbaso.directory.models import (
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    Role,
    School,
    SchoolUnitLink,
    SchoolYear,
    SchoolYearSetting,
    StaffMember,
    Student,
    UnitKind,
)
from hocbaso.records import issuance, storage
from hocbaso.records.models import CorrectionRequest, PaperBook, Record, RecordVersion, Status
from hocbaso.signing.models import CredentialKind, SignatureEvent, SignatureRole, SigningCredential

REFORM = dt.date(2025, 7, 1)
LEGACY_END = dt.date(2025, 6, 30)
DISTRICTS_SINCE = dt.date(2020, 2, 1)
STAFF_SINCE = dt.date(2019, 8, 15)
CLASS_SIZE = 35
PASSWORD = "hocbaso-demo"  # noqa: S105 - the simulated officers' password, printed by the command
OFFICERS = ("sim.so", "sim.xa", "sim.phong")
RESULT_SHARES = ((YearResult.EXCELLENT, 30), (YearResult.GOOD, 40), (YearResult.COMPLETED, 28))


@dataclass
class Plan:
    """What to build. ``years`` completed school years before the current one."""

    students: int = 180_000
    years: int = 5
    schools: int = 600
    seed: int = 1
    fill: float = 0.97
    paper_share: float = 0.04
    correction_share: float = 0.02


@dataclass
class Built:
    province: int = 0
    commune: int = 0
    district: int = 0
    school_years: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def year_dates(start: int) -> dict[str, dt.date]:
    """The calendar of the school year starting in September of ``start`` (the demo's pattern)."""
    return dict(
        start_date=dt.date(start, 9, 5),
        end_date=dt.date(start + 1, 5, 31),
        mid_term1_date=dt.date(start, 11, 3),
        end_term1_date=dt.date(start + 1, 1, 9),
        mid_term2_date=dt.date(start + 1, 3, 20),
        year_end_date=dt.date(start + 1, 5, 20),
        mid_term1_deadline=dt.date(start, 11, 14),
        end_term1_deadline=dt.date(start + 1, 1, 19),
        mid_term2_deadline=dt.date(start + 1, 3, 31),
        year_end_deadline=dt.date(start + 1, 5, 30),
    )


def _code(rng: random.Random) -> str:
    body = "".join(issuance.ALPHABET[rng.randrange(32)] for _ in range(issuance.DATA_LENGTH))
    return issuance._format(body, issuance.check_symbol(body))


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


class _Simulation:
    def __init__(self, plan: Plan, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.say = say
        self.rng = random.Random(plan.seed)
        self.w = BulkWriter()
        self.today = clock.today()
        self.built = Built()
        self.started = time.perf_counter()

    def step(self, label: str, work: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        before = sum(self.w.written.values())
        result = work()
        rows = sum(self.w.written.values()) - before
        self.say(
            f"  {label:<44} {rows:>10,} rows {time.perf_counter() - began:7.1f} s"
            f"   (total {time.perf_counter() - self.started:6.1f} s)"
        )
        return result

    # --- calendar and tree ----------------------------------------------------------------------

    def school_years(self) -> None:
        current = self.today.year if self.today.month >= 9 else self.today.year - 1
        self.years: list[SchoolYear] = []
        for start in range(current - self.plan.years, current + 1):
            year, _created = SchoolYear.objects.get_or_create(code=f"{start}-{start + 1}", defaults=year_dates(start))
            self.years.append(year)
        self.current = self.years[-1]
        self.completed = self.years[:-1]
        self.built.school_years = [y.code for y in self.years]

    def tree(self) -> None:
        w, rng = self.w, self.rng
        first = w.reserve(AdministrativeUnit, 3)
        province, old_province, kon_tum = first, first + 1, first + 2
        office = "Sở Giáo dục và Đào tạo tỉnh "
        n_districts = max(2, min(23, self.plan.schools // 25))
        n_communes = max(2, min(96, self.plan.schools // 6))
        self.districts = list(range(w.reserve(AdministrativeUnit, n_districts), first + 3 + n_districts))
        self.communes = list(range(w.reserve(AdministrativeUnit, n_communes), first + 3 + n_districts + n_communes))
        columns = ("id", "code", "name", "kind", "parent_id", "merged_into_id", "valid_from", "valid_to")
        rows: list[tuple[Any, ...]] = [
            (province, "SIM-51", "Tỉnh Quảng Ngãi (mô phỏng)", UnitKind.PROVINCE, None, None, REFORM, None),
            (old_province, "SIM-51-1989", "Tỉnh Quảng Ngãi cũ (mô phỏng)", UnitKind.PROVINCE, None, province,
             dt.date(1989, 7, 1), LEGACY_END),
            (kon_tum, "SIM-62", "Tỉnh Kon Tum (mô phỏng)", UnitKind.PROVINCE, None, province,
             dt.date(1991, 8, 12), LEGACY_END),
        ]  # fmt: skip
        for n, pk in enumerate(self.districts):
            parent = old_province if n < n_districts * 13 // 23 or n == 0 else kon_tum
            rows.append(
                (pk, f"SIM-H{n:02d}", f"Huyện Mô Phỏng {n + 1}", UnitKind.DISTRICT, parent, None,
                 DISTRICTS_SINCE, LEGACY_END)
            )  # fmt: skip
        kinds = [UnitKind.COMMUNE] * 7 + [UnitKind.WARD] * 3
        for n, pk in enumerate(self.communes):
            kind = UnitKind.SPECIAL_ZONE if n == n_communes - 1 else rng.choice(kinds)
            label = {"commune": "Xã", "ward": "Phường", "special_zone": "Đặc khu"}[kind]
            rows.append((pk, f"SIM-X{n:03d}", f"{label} Mô Phỏng {n + 1}", kind, province, None, REFORM, None))
        w.write(AdministrativeUnit, columns, rows)
        AdministrativeUnit.objects.filter(pk__in=[province, old_province, kon_tum]).update(
            education_office=office + "Quảng Ngãi"
        )
        self.built.province, self.built.commune, self.built.district = province, self.communes[0], self.districts[0]

    # --- schools, staff, classes ----------------------------------------------------------------

    def schools(self) -> None:
        w, rng, plan = self.w, self.rng, self.plan
        first = w.reserve(School, plan.schools)
        self.school_ids = list(range(first, first + plan.schools))
        self.school_index = {pk: n for n, pk in enumerate(self.school_ids)}
        w.write(
            School,
            ("id", "code", "name", "department_code", "level_code", "address"),
            (
                (pk, f"SIM{n:05d}", f"Trường Tiểu học Mô Phỏng {n + 1:03d}", "51", "1", f"Thôn {n % 9 + 1}")
                for n, pk in enumerate(self.school_ids)
            ),
        )
        self.commune_of = {pk: self.communes[n % len(self.communes)] for n, pk in enumerate(self.school_ids)}
        district_of_commune = {c: self.districts[n % len(self.districts)] for n, c in enumerate(self.communes)}
        links = w.reserve(SchoolUnitLink, 2 * plan.schools)
        w.write(
            SchoolUnitLink,
            ("id", "school_id", "unit_id", "valid_from", "valid_to"),
            (
                row
                for n, pk in enumerate(self.school_ids)
                for row in (
                    (links + 2 * n, pk, district_of_commune[self.commune_of[pk]], DISTRICTS_SINCE, LEGACY_END),
                    (links + 2 * n + 1, pk, self.commune_of[pk], REFORM, None),
                )
            ),
        )
        # pupils per grade: sizes spread like real schools (a few large town schools, many small)
        weights = [rng.lognormvariate(0, 0.6) for _ in self.school_ids]
        per_grade = plan.students / 5 / sum(weights)
        self.size = {pk: max(3, round(wt * per_grade)) for pk, wt in zip(self.school_ids, weights, strict=True)}
        self.paper: dict[int, set[int]] = {}
        for year in self.years:
            chosen = rng.sample(self.school_ids, max(1, round(plan.paper_share * plan.schools)))
            self.paper[year.pk] = set(chosen)
        first_setting = w.reserve(SchoolYearSetting, len(self.years) * plan.schools)
        w.write(
            SchoolYearSetting,
            ("id", "school_id", "school_year_id", "paper_mode"),
            (
                (first_setting + i * plan.schools + n, pk, year.pk, pk in self.paper[year.pk])
                for i, year in enumerate(self.years)
                for n, pk in enumerate(self.school_ids)
            ),
        )
        reached = self.points_reached(self.current)
        windows: list[tuple[Any, ...]] = []
        for year in self.years:
            for point in Point.values:
                is_open = year == self.current and point not in reached and point == Point.END1
                windows.extend((pk, year.pk, point, is_open, self.w.now) for pk in self.school_ids)
        first_window = w.reserve(EntryWindow, len(windows))
        w.write(
            EntryWindow,
            ("id", "school_id", "school_year_id", "point", "is_open", "changed_at"),
            ((first_window + i, *row) for i, row in enumerate(windows)),
        )

    def points_reached(self, year: SchoolYear) -> list[str]:
        dates = [
            (Point.MID1, year.mid_term1_date),
            (Point.END1, year.end_term1_date),
            (Point.MID2, year.mid_term2_date),
            (Point.YEAR_END, year.year_end_date),
        ]
        return [p for p, d in dates if d <= self.today]

    def classes(self) -> None:
        """Classes per school, year and grade (≤ 35 pupils each), named 1A, 1B, …"""
        w = self.w
        self.class_list: dict[tuple[int, int, int], list[int]] = {}
        rows: list[tuple[Any, ...]] = []
        for year in self.years:
            for pk in self.school_ids:
                count = -(-self.size[pk] // CLASS_SIZE)
                for grade in range(1, 6):
                    ids = []
                    for c in range(count):
                        ids.append(len(rows))
                        rows.append((pk, year.pk, grade, f"{grade}{'ABCDEFGHKLMN'[c % 12]}{c // 12 or ''}"))
                    self.class_list[(pk, year.pk, grade)] = ids
        first = w.reserve(ClassGroup, len(rows))
        self.class_grade = {first + i: r[2] for i, r in enumerate(rows)}
        self.class_school = {first + i: r[0] for i, r in enumerate(rows)}
        self.class_year = {first + i: r[1] for i, r in enumerate(rows)}
        for key, ids in self.class_list.items():
            self.class_list[key] = [first + i for i in ids]
        w.write(
            ClassGroup,
            ("id", "school_id", "school_year_id", "grade", "name"),
            ((first + i, *r) for i, r in enumerate(rows)),
        )

    def staff(self) -> None:
        """Principal, vice, clerk and one homeroom teacher per class slot of each school; the
        three officers (province, first commune, first legacy district) with the demo password."""
        w, rng = self.w, self.rng
        slots = {pk: 5 * -(-self.size[pk] // CLASS_SIZE) for pk in self.school_ids}
        count = sum(3 + slots[pk] for pk in self.school_ids) + len(OFFICERS)
        first_user = w.reserve(User, count)
        first_staff = w.reserve(StaffMember, count)
        users: list[tuple[Any, ...]] = []
        staff: list[tuple[Any, ...]] = []
        self.principal: dict[int, int] = {}
        self.teachers: dict[int, list[int]] = {}
        n = 0
        for pk in self.school_ids:
            for role in ("hieutruong", "phohieutruong", "vanthu", *(f"gv{k}" for k in range(slots[pk]))):
                name = names.adult_name(rng, rng.choice((1, 2)))
                users.append((first_user + n, f"sim.{role}.{pk}", name, "!"))
                staff.append((first_staff + n, first_user + n, name, pk))
                if role == "hieutruong":
                    self.principal[pk] = first_staff + n
                elif role.startswith("gv"):
                    self.teachers.setdefault(pk, []).append(first_staff + n)
                n += 1
        hashed = make_password(PASSWORD)
        officer_ids = []
        for username in OFFICERS:
            name = names.adult_name(rng, 2)
            users.append((first_user + n, username, name, hashed))
            staff.append((first_staff + n, first_user + n, name, None))
            officer_ids.append(first_staff + n)
            n += 1
        w.write(User, ("id", "username", "display_name", "password"), users)
        w.write(StaffMember, ("id", "user_id", "full_name", "school_id"), staff)
        self.staff_user = {s[0]: s[1] for s in staff}
        self.officer_user = first_user + n - len(OFFICERS)

        appointments: list[tuple[Any, ...]] = []
        for pk in self.school_ids:
            head = self.principal[pk]
            for offset, role in enumerate((Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK)):
                appointments.append((head + offset, role, pk, None, None, STAFF_SINCE, None))
        self.homeroom: dict[int, tuple[int, int]] = {}  # class → (staff, appointment index)
        for (pk, year_id, grade), ids in self.class_list.items():
            year = next(y for y in self.years if y.pk == year_id)
            for c, class_id in enumerate(ids):
                if year == self.current and rng.random() < 0.01:
                    continue  # a class still waiting for its homeroom teacher
                teacher = self.teachers[pk][((grade - 1) * len(ids) + c) % len(self.teachers[pk])]
                self.homeroom[class_id] = (teacher, len(appointments))
                appointments.append(
                    (teacher, Role.HOMEROOM_TEACHER, pk, class_id, None, year.start_date, year.end_date)
                )
        province, commune, district = self.built.province, self.built.commune, self.built.district
        appointments += [
            (officer_ids[0], Role.UNIT_OFFICER, None, None, province, dt.date(2020, 1, 1), None),
            (officer_ids[1], Role.UNIT_OFFICER, None, None, commune, REFORM, None),
            (officer_ids[2], Role.UNIT_OFFICER, None, None, district, DISTRICTS_SINCE, LEGACY_END),
        ]
        first = w.reserve(Appointment, len(appointments))
        self.appointment_base = first
        recorded = _at(STAFF_SINCE, 0)
        w.write(
            Appointment,
            ("id", "staff_id", "role", "school_id", "class_group_id", "unit_id", "valid_from", "valid_to",
             "recorded_at"),
            ((first + i, *a, recorded) for i, a in enumerate(appointments)),
        )  # fmt: skip

    def credentials(self) -> None:
        """A personal credential per principal and teacher, a seal per school; ~1 % expired (still
        active) and ~2 % expiring within 30 days."""
        w, rng = self.w, self.rng
        now = clock.now()
        holders: list[tuple[int, int | None]] = [(self.principal[pk], None) for pk in self.school_ids]
        holders += [(t, None) for pk in self.school_ids for t in self.teachers[pk]]
        holders += [(self.principal[pk], pk) for pk in self.school_ids]
        first = w.reserve(SigningCredential, len(holders))
        self.credential: dict[tuple[int, int | None], int] = {}
        self.fingerprint: dict[int, str] = {}
        rows = []
        for i, (staff_id, seal_of) in enumerate(holders):
            pk = first + i
            self.credential[(staff_id, seal_of)] = pk
            roll = rng.random()
            if roll < 0.01:
                not_after = now - dt.timedelta(days=rng.randrange(1, 60))
            elif roll < 0.03:
                not_after = now + dt.timedelta(days=rng.randrange(1, 30))
            else:
                not_after = now + dt.timedelta(days=rng.randrange(90, 900))
            fingerprint = hashlib.sha256(f"sim-credential-{pk}".encode()).hexdigest()
            self.fingerprint[pk] = fingerprint
            label = "Dấu của trường (mô phỏng)" if seal_of else "Chứng thư số (mô phỏng)"
            rows.append(
                (pk, staff_id, CredentialKind.PKCS11, label, "SIMULATED", fingerprint, f"CN=SIM {pk}",
                 _at(dt.date(2021, 8, 1), 0), not_after, seal_of is not None, seal_of)
            )  # fmt: skip
        w.write(
            SigningCredential,
            ("id", "staff_id", "kind", "label", "certificate_pem", "fingerprint", "subject_name", "not_before",
             "not_after", "for_organisation", "school_id"),
            rows,
        )  # fmt: skip

    # --- pupils ---------------------------------------------------------------------------------

    def pupils(self) -> None:
        """Cohorts: the pupils of a school entering grade 1 in year ``c`` are in grade ``y - c + 1``
        in year ``y``. Writes students, enrolments and (completed years) year pages."""
        w, rng = self.w, self.rng
        starts = [y.start_date.year for y in self.years]
        cohorts = range(starts[0] - 4, starts[-1] + 1)
        members: list[tuple[int, int]] = []  # (school, cohort) per student
        for pk in self.school_ids:
            for cohort in cohorts:
                members.extend([(pk, cohort)] * max(1, round(self.size[pk] * rng.uniform(0.9, 1.1))))
        first = w.reserve(Student, len(members))
        self.student_school = members
        self.first_student = first

        def students() -> Iterator[tuple[Any, ...]]:
            for i, (pk, cohort) in enumerate(members):
                gender = rng.choice((1, 2))
                born = dt.date(cohort - 6, 1, 1) + dt.timedelta(days=rng.randrange(365))
                yield (first + i, pk, names.full_name(rng, gender), gender, born, [])

        self.step(
            "students",
            lambda: w.write(
                Student, ("id", "school_id", "full_name", "gender", "date_of_birth", "id_warnings"), students()
            ),
        )
        # placements: (student, year, class) for each year the student is in grades 1-5
        self.placements: list[tuple[int, SchoolYear, int]] = []
        by_key: dict[tuple[int, int, int], int] = {}
        for i, (pk, cohort) in enumerate(members):
            for year in self.years:
                grade = year.start_date.year - cohort + 1
                if 1 <= grade <= 5:
                    ids = self.class_list[(pk, year.pk, grade)]
                    k = by_key.get((pk, year.pk, grade), 0)
                    by_key[(pk, year.pk, grade)] = k + 1
                    self.placements.append((first + i, year, ids[k % len(ids)]))
        self.left: set[int] = set()
        first_enrolment = w.reserve(Enrolment, len(self.placements))

        def enrolments() -> Iterator[tuple[Any, ...]]:
            for i, (student, year, class_id) in enumerate(self.placements):
                end = None
                if rng.random() < 0.01:
                    self.left.add(i)
                    end = year.start_date + dt.timedelta(days=rng.randrange(30, 200))
                yield (first_enrolment + i, student, class_id, year.pk, year.start_date, end)

        self.step(
            "enrolments",
            lambda: w.write(
                Enrolment,
                ("id", "student_id", "class_group_id", "school_year_id", "start_date", "end_date"),
                enrolments(),
            ),
        )
        completed = {y.pk for y in self.completed}
        self.results: dict[int, str] = {}  # placement index → result (completed years)
        shares = [r for r, n in RESULT_SHARES for _ in range(n)] + [YearResult.NOT_COMPLETED] * 2
        for i, (_student, year, _class_id) in enumerate(self.placements):
            if year.pk in completed and i not in self.left:
                self.results[i] = rng.choice(shares)
        first_year = w.reserve(StudentYear, len(self.results))
        last = self.completed[-1].pk if self.completed else None

        def years() -> Iterator[tuple[Any, ...]]:
            for n, (i, result) in enumerate(self.results.items()):
                student, year, class_id = self.placements[i]
                absent = None if year.pk == last and rng.random() < 0.005 else rng.randrange(6)
                computed = _at(year.year_end_date, rng.randrange(86400 * 5))
                yield (first_year + n, student, year.pk, class_id, result, result, absent, computed)

        self.step(
            "year pages (completed years)",
            lambda: w.write(
                StudentYear,
                ("id", "student_id", "school_year_id", "class_group_id", "result", "first_result", "days_absent",
                 "result_computed_at"),
                years(),
            ),
        )  # fmt: skip

    def cells(self) -> None:
        """The last completed year's year-end cells (all entered) and the current year's reached
        points (``fill`` of them: whole classes lag behind, the rest enter nearly everything)."""
        w, rng, plan = self.w, self.rng, self.plan
        wanted: list[tuple[SchoolYear, str, float]] = []
        if self.completed:
            wanted.append((self.completed[-1], Point.YEAR_END, 1.0))
        wanted += [(self.current, p, plan.fill) for p in self.points_reached(self.current)]
        day: dict[str, str] = {Point.MID1: "mid_term1_date", Point.END1: "end_term1_date", Point.MID2: "mid_term2_date"}
        for year, point, fill in wanted:
            lag = {cid: rng.random() < (1 - fill) * 3 for cid in self.class_grade}  # classes behind
            updated = _at(getattr(year, day.get(point, "year_end_date")), 0)
            start = w.reserve(AssessmentEntry, 0)  # not inside the generator: the COPY holds the connection
            items = {  # read before the COPY starts: the catalogue may come from the database
                g: [(i.kind, i.code, c.has_test(i.code, point)) for i in c.items if not i.optional]
                for g, c in ((g, grade_catalogue(year.code, g)) for g in range(1, 6))
            }
            rows = self._cell_rows(year, point, items, lag, start, updated)
            columns = ("id", "student_id", "school_year_id", "class_group_id", "point", "item_kind", "item_code",
                       "rating", "score", "updated_at")  # fmt: skip
            self.step(f"assessment cells {year.code} {point}", partial(w.write, AssessmentEntry, columns, rows))
            w.reserve(AssessmentEntry, self._cells_written)

    def _cell_rows(
        self,
        year: SchoolYear,
        point: str,
        items: dict[int, list[tuple[str, str, bool]]],
        lag: dict[int, bool],
        start: int,
        updated: dt.datetime,
    ) -> Iterator[tuple[Any, ...]]:
        """Rows only: the generator runs while the COPY holds the connection (no query here)."""
        rng = self.rng
        pk = start
        for index, (student, placed_year, class_id) in enumerate(self.placements):
            if placed_year.pk != year.pk or index in self.left:
                continue
            share = 0.6 if lag[class_id] else 1.0
            for kind, code, tested in items[self.class_grade[class_id]]:
                if share < 1.0 and rng.random() > share:
                    continue
                rating = rng.choice("TTTHHC") if kind == ItemKind.SUBJECT else rng.choice("TTĐĐĐC")
                score = rng.randrange(5, 11) if tested else None
                yield (pk, student, year.pk, class_id, point, kind, code, rating, score, updated)
                pk += 1
        self._cells_written = pk - start

    # --- records, signatures, corrections, audit --------------------------------------------------

    def records(self) -> None:
        w, rng, plan = self.w, self.rng, self.plan
        (pdf_name, pdf_hash), (xml_name, xml_hash) = placeholders()
        first_record = w.reserve(Record, len(self.student_school))
        self.step(
            "records",
            lambda: w.write(
                Record,
                ("id", "student_id", "public_id"),
                ((first_record + i, self.first_student + i, uuid.UUID(int=rng.getrandbits(128), version=4))
                 for i in range(len(self.student_school))),
            ),
        )  # fmt: skip
        last = self.completed[-1].pk if self.completed else None
        versions: list[list[Any]] = []
        signatures: list[tuple[Any, ...]] = []
        corrections: list[tuple[Any, ...]] = []
        papers: list[tuple[Any, ...]] = []
        audit: list[tuple[Any, ...]] = []
        number: dict[int, int] = {}
        first_version = w.reserve(RecordVersion, 0)
        late = (Status.FROZEN,) * 4 + (Status.SIGNED_HOMEROOM,) * 4 + (Status.SIGNED_PRINCIPAL,) * 7
        officer = self.officer_user
        for i in self.results:
            student, year, class_id = self.placements[i]
            school = self.class_school[class_id]
            record = first_record + student - self.first_student
            if school in self.paper[year.pk]:
                papers.append((student, school, year.pk, class_id, f"SIM-{student}-{year.code}", year.year_end_date))
                continue
            status = Status.ISSUED
            if year.pk == last and rng.random() < 0.15:
                status = rng.choice(late)
            assembled = _at(year.year_end_date, rng.randrange(86400 * 10))
            number[record] = number.get(record, 0) + 1
            corrected = status == Status.ISSUED and rng.random() < plan.correction_share
            pk = first_version + len(versions)
            versions.append(
                [pk, record, year.pk, class_id, school, number[record],
                 Status.SUPERSEDED if corrected else status, _code(rng), assembled, None, None]
            )  # fmt: skip
            audit.append((assembled, "records.freeze", "records.recordversion", pk, school))
            self._signatures(signatures, pk, class_id, school, status, assembled)
            if corrected:
                decided = assembled + dt.timedelta(days=rng.randrange(20, 60))
                number[record] += 1
                new = pk + 1
                versions[-1][9] = decided  # status_changed_at of the superseded one
                versions.append(
                    [new, record, year.pk, class_id, school, number[record], Status.ISSUED, _code(rng),
                     decided, decided, pk]
                )  # fmt: skip
                self._signatures(signatures, new, class_id, school, Status.ISSUED, decided)
                corrections.append((pk, decided - dt.timedelta(days=3), "approved", decided, new))
                audit.append((decided, "records.correction_decide", "records.correctionrequest", pk, school))
            elif status == Status.ISSUED and year.pk == last and rng.random() < 0.003:
                corrections.append((pk, assembled + dt.timedelta(days=30), "pending", None, None))
        w.reserve(RecordVersion, len(versions))
        self.step(
            "record versions",
            lambda: w.write(
                RecordVersion,
                ("id", "record_id", "school_year_id", "class_group_id", "school_id", "number", "status",
                 "issuance_code", "assembled_at", "status_changed_at", "supersedes_id", "data", "xml_name",
                 "xml_sha256", "pdf_name", "pdf_sha256", "signed_pdf_name", "signed_pdf_sha256", "signed_xml_name",
                 "signed_xml_sha256"),
                (
                    (*v, {}, xml_name, xml_hash, pdf_name, pdf_hash,
                     *((pdf_name, pdf_hash, xml_name, xml_hash) if v[6] not in (Status.FROZEN,) else ("", "", "", "")))
                    for v in versions
                ),
            ),
        )  # fmt: skip
        self.versions = versions
        first_signature = w.reserve(SignatureEvent, len(signatures))
        self.step(
            "signature events",
            lambda: w.write(
                SignatureEvent,
                ("id", "version_id", "role", "signer_id", "title", "appointment_id", "credential_id",
                 "certificate_fingerprint", "signed_at", "pdf_sha256_after", "xml_sha256_after"),
                ((first_signature + n, *s[:7], s[7], pdf_hash, xml_hash) for n, s in enumerate(signatures)),
            ),
        )  # fmt: skip
        first_correction = w.reserve(CorrectionRequest, len(corrections))
        self.step(
            "correction requests",
            lambda: w.write(
                CorrectionRequest,
                ("id", "version_id", "reason", "requested_by_id", "requested_at", "state", "decided_by_id",
                 "decided_at", "new_version_id"),
                ((first_correction + n, c[0], "Sai ngày sinh (mô phỏng)", officer, c[1], c[2],
                  officer if c[3] else None, c[3], c[4]) for n, c in enumerate(corrections)),
            ),
        )  # fmt: skip
        first_book = w.reserve(PaperBook, len(papers))
        self.step(
            "paper books (paper-mode schools)",
            lambda: w.write(
                PaperBook,
                ("id", "student_id", "school_id", "school_year_id", "class_group_id", "book_number", "signed_on",
                 "homeroom_name", "principal_name", "principal_title", "recorded_by_id", "recorded_at"),
                ((first_book + n, *p, "GVCN", "Hiệu trưởng", "Hiệu trưởng", officer, _at(p[5], 0))
                 for n, p in enumerate(papers)),
            ),
        )  # fmt: skip
        self.audit_rows = audit

    def _signatures(
        self, out: list[tuple[Any, ...]], version: int, class_id: int, school: int, status: str, at: dt.datetime
    ) -> None:
        roles: int = {
            Status.FROZEN: 0,
            Status.SIGNED_HOMEROOM: 1,
            Status.SIGNED_PRINCIPAL: 2,
            Status.ISSUED: 3,
        }[Status(status)]
        head = self.principal[school]
        principal_appointment = self.appointment_base + self.school_index[school] * 3
        teacher, appointment_index = self.homeroom.get(class_id, (head, None))
        appointment = (
            self.appointment_base + appointment_index if appointment_index is not None else principal_appointment
        )
        steps = [
            (SignatureRole.HOMEROOM, teacher, "Giáo viên chủ nhiệm", appointment, self.credential[(teacher, None)]),
            (SignatureRole.PRINCIPAL, head, "Hiệu trưởng", principal_appointment, self.credential[(head, None)]),
            (SignatureRole.SCHOOL, head, "Hiệu trưởng", principal_appointment, self.credential[(head, school)]),
        ]
        for n, (role, signer, title, appoint, credential) in enumerate(steps[:roles]):
            fingerprint = self.fingerprint[credential]
            out.append((version, role, signer, title, appoint, credential, fingerprint, at + dt.timedelta(days=n + 1)))

    def audit(self) -> None:
        """One event per version frozen or correction decided (above), one per signing batch (a
        class and a role); hash-chained from the chain head, which moves to the last one."""
        events = list(self.audit_rows)
        batches: dict[tuple[int, int], dt.datetime] = {}
        for v in self.versions:
            batches.setdefault((v[3], v[4]), v[8])
        for (class_id, school), at in batches.items():
            for n in range(len(SignatureRole.values)):
                events.append(
                    (at + dt.timedelta(days=n + 1), "signing.batch_done", "directory.classgroup", class_id, school)
                )
        events.sort(key=lambda e: e[0])
        head, _created = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH, "size": 0}
        )
        first = self.w.reserve(AuditEvent, len(events))
        chained: list[tuple[Any, ...]] = []
        previous = head.last_hash
        for at, action, object_type, object_id, school in events:
            event = AuditEvent(
                at=at, actor_label="system", action=action, object_type=object_type, object_id=str(object_id),
                school_id=school, channel="task", changes={}, prev_hash=previous,
            )  # fmt: skip
            event.hash = event.compute_hash()
            chained.append(
                (
                    first + len(chained),
                    at,
                    "system",
                    action,
                    object_type,
                    str(object_id),
                    school,
                    "task",
                    {},
                    previous,
                    event.hash,
                )
            )
            previous = event.hash
        self.w.write(
            AuditEvent,
            ("id", "at", "actor_label", "action", "object_type", "object_id", "school_id", "channel", "changes",
             "prev_hash", "hash"),
            chained,
        )  # fmt: skip
        head.last_hash, head.size = previous, head.size + len(chained)
        head.save(update_fields=["last_hash", "size"])


def placeholders() -> tuple[tuple[str, str], tuple[str, str]]:
    """The PDF and XML every simulated version points at, stored (content-addressed, so storing
    them again in another ``VAR_DIR`` gives the same names): (name, sha256) of each."""
    pdf = storage.put(b"%PDF-1.7\n% simulated placeholder shared by simulated versions\n", ".pdf")
    xml = storage.put(b"<?xml version='1.0'?><simulated/>", ".xml")
    return pdf, xml


def simulate(plan: Plan, *, say: Callable[[str], None] = print) -> Built:
    """Build the simulated province in one transaction; refuses if one is already there."""
    if School.objects.filter(code="SIM00000").exists():
        raise ValueError("A simulated province is already in this database.")
    sim = _Simulation(plan, say)
    with transaction.atomic():
        sim.step("school years", sim.school_years)
        sim.step("unit tree", sim.tree)
        sim.step("schools, links, settings, windows", sim.schools)
        sim.step("classes", sim.classes)
        sim.step("staff, officers, appointments", sim.staff)
        sim.step("signing credentials", sim.credentials)
        sim.pupils()
        sim.cells()
        sim.records()
        sim.step("audit events (hash-chained)", sim.audit)
        sim.step("sequences and planner statistics", sim.w.finish)
    sim.step("vacuum and planner statistics of every table", _vacuum)
    sim.built.rows = dict(sim.w.written)
    return sim.built


def _vacuum() -> None:
    """``VACUUM (ANALYZE)`` on PostgreSQL, after the commit (it cannot run in a transaction): the
    summary rows the triggers rewrote once per cell, version and seal leave dead row versions that
    an index scan would wade through until autovacuum comes, and the visibility map lets the
    planner use index-only scans — the plans measured are then those of a database in service.
    Left out inside an outer transaction (a test's) and on SQLite."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
