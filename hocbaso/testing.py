"""Test helpers shared by every app's tests: a small world of units, schools and people.

``build_world()`` makes, deterministically: a province with a legacy district (until
30/6/2025) and two communes (from 1/7/2025); school A (district → commune 1) and school B
(commune 2); school year 2025-2026 with classes 3A and 3B in school A and 3A in school B;
students in each class; and personas with their appointments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from hocbaso.accounts.models import User
from hocbaso.core import clock
from hocbaso.demo.directory_data import YEARS
from hocbaso.directory.models import (
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    Role,
    School,
    SchoolUnitLink,
    SchoolYear,
    StaffMember,
    Student,
    UnitKind,
)

PASSWORD = "correct-horse-battery"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR_DATES = YEARS["2025-2026"]  # the demo's school-year calendar


@dataclass
class World:
    province: AdministrativeUnit
    district: AdministrativeUnit
    commune1: AdministrativeUnit
    commune2: AdministrativeUnit
    school_a: School
    school_b: School
    year: SchoolYear
    class_3a: ClassGroup
    class_3b: ClassGroup
    class_b_3a: ClassGroup
    students: dict[str, Student] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def sign_in(client: Any, user: User) -> Any:
    """Sign ``user`` in on a test ``client`` the way every test does: the ``login`` fixture of
    conftest.py and the access matrix's module-wide clients both come here, so a second factor
    is handled in one place."""
    client.force_login(user)
    return client


def make_user(username: str, *, school: School | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, display_name=username.title(), is_superuser=superuser, is_staff=superuser
    )
    if not superuser:
        StaffMember.objects.create(user=user, full_name=username.title(), school=school)
    return user


def make_student(
    school: School, name: str, *, gender: int = 1, born: dt.date = dt.date(2017, 3, 4), **extra: Any
) -> Student:
    return Student.objects.create(school=school, full_name=name, gender=gender, date_of_birth=born, **extra)


def enrol(student: Student, class_group: ClassGroup, start: dt.date | None = None) -> Enrolment:
    return Enrolment.objects.create(
        student=student,
        class_group=class_group,
        school_year=class_group.school_year,
        start_date=start or class_group.school_year.start_date,
    )


def recorded_on(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Vietnam, or now if that is later: when test setup says an appointment
    was recorded (as if the school had written it on its first day)."""
    return min(dt.datetime.combine(day, dt.time.min, tzinfo=VIETNAM), clock.now())


def appoint(user: User, role: str, **where: Any) -> Appointment:
    """Test setup: an appointment written directly, recorded on its first day (``recorded_on``)
    unless ``recorded_at`` is given. The rules for appointing are ``directory.actions.appoint``'s."""
    where.setdefault("valid_from", dt.date(2020, 1, 1))
    where.setdefault("recorded_at", recorded_on(where["valid_from"]))
    if "class_group" in where:
        where.setdefault("school", where["class_group"].school)
    return Appointment.objects.create(staff=user.staff, role=role, **where)


@dataclass
class PastYear:
    """School A's 2024-2025: class 2A with one student, and its former homeroom teacher."""

    year: SchoolYear
    class_2a: ClassGroup
    student: Student
    former_homeroom: User


def add_previous_year(world: World) -> PastYear:
    """Add 2024-2025 to ``world``: class 2A of school A (student "Võ Thị Em"), homeroom teacher
    ``former_homeroom`` appointed 1/9/2024-30/6/2025 (an ended appointment); the persona is added to
    ``world.users``. School A was under the legacy district that year."""
    year = SchoolYear.objects.create(code="2024-2025", **YEARS["2024-2025"])
    class_2a = ClassGroup.objects.create(school=world.school_a, school_year=year, grade=2, name="2A")
    student = make_student(world.school_a, "Võ Thị Em", gender=2, born=dt.date(2017, 8, 9))
    enrol(student, class_2a)
    world.students["em"] = student
    former = make_user("former_homeroom", school=world.school_a)
    appoint(
        former,
        Role.HOMEROOM_TEACHER,
        class_group=class_2a,
        valid_from=dt.date(2024, 9, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    world.users["former_homeroom"] = former
    return PastYear(year, class_2a, student, former)


def build_world() -> World:
    province = AdministrativeUnit.objects.create(
        code="P", name="Tỉnh Quảng Ngãi", kind=UnitKind.PROVINCE, valid_from=dt.date(1989, 7, 1)
    )
    district = AdministrativeUnit.objects.create(
        code="P-D",
        name="Huyện Bình Sơn",
        kind=UnitKind.DISTRICT,
        parent=province,
        valid_from=dt.date(2020, 2, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    commune1 = AdministrativeUnit.objects.create(
        code="P-X1", name="Xã Bình Sơn", kind=UnitKind.COMMUNE, parent=province, valid_from=dt.date(2025, 7, 1)
    )
    commune2 = AdministrativeUnit.objects.create(
        code="P-X2", name="Phường Cẩm Thành", kind=UnitKind.WARD, parent=province, valid_from=dt.date(2025, 7, 1)
    )
    school_a = School.objects.create(code="A1", name="Trường Tiểu học A")
    school_b = School.objects.create(code="B1", name="Trường Tiểu học B")
    SchoolUnitLink.objects.create(
        school=school_a, unit=district, valid_from=dt.date(2020, 2, 1), valid_to=dt.date(2025, 6, 30)
    )
    SchoolUnitLink.objects.create(school=school_a, unit=commune1, valid_from=dt.date(2025, 7, 1))
    SchoolUnitLink.objects.create(school=school_b, unit=commune2, valid_from=dt.date(2025, 7, 1))
    year = SchoolYear.objects.create(code="2025-2026", **YEAR_DATES)
    class_3a = ClassGroup.objects.create(school=school_a, school_year=year, grade=3, name="3A")
    class_3b = ClassGroup.objects.create(school=school_a, school_year=year, grade=3, name="3B")
    class_b_3a = ClassGroup.objects.create(school=school_b, school_year=year, grade=3, name="3A")
    world = World(province, district, commune1, commune2, school_a, school_b, year, class_3a, class_3b, class_b_3a)

    for key, class_group, name in [
        ("an", class_3a, "Nguyễn Văn An"),
        ("binh", class_3a, "Trần Thị Bình"),
        ("cuong", class_3b, "Lê Văn Cường"),
        ("dung", class_b_3a, "Phạm Văn Dũng"),
    ]:
        student = make_student(class_group.school, name)
        enrol(student, class_group)
        world.students[key] = student

    users = world.users
    users["principal"] = make_user("principal", school=school_a)
    appoint(users["principal"], Role.PRINCIPAL, school=school_a)
    users["vice"] = make_user("vice", school=school_a)
    appoint(users["vice"], Role.VICE_PRINCIPAL, school=school_a)
    users["clerk"] = make_user("clerk", school=school_a)
    appoint(users["clerk"], Role.CLERK, school=school_a)
    users["homeroom"] = make_user("homeroom", school=school_a)
    appoint(users["homeroom"], Role.HOMEROOM_TEACHER, class_group=class_3a)
    users["teacher"] = make_user("teacher", school=school_a)
    appoint(users["teacher"], Role.SUBJECT_TEACHER, class_group=class_3b, subject_code="foreign_language_1")
    users["principal_b"] = make_user("principal_b", school=school_b)
    appoint(users["principal_b"], Role.PRINCIPAL, school=school_b)
    users["officer"] = make_user("officer")
    appoint(users["officer"], Role.UNIT_OFFICER, unit=commune1, valid_from=dt.date(2025, 7, 1))
    users["officer2"] = make_user("officer2")
    appoint(users["officer2"], Role.UNIT_OFFICER, unit=commune2, valid_from=dt.date(2025, 7, 1))
    users["district_officer"] = make_user("district_officer")
    appoint(
        users["district_officer"],
        Role.UNIT_OFFICER,
        unit=district,
        valid_from=dt.date(2020, 2, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    users["province_officer"] = make_user("province_officer")
    appoint(users["province_officer"], Role.UNIT_OFFICER, unit=province)
    users["stranger"] = make_user("stranger")
    users["operator"] = make_user("operator", superuser=True)
    return world


def give_second_factor(user: User) -> Any:
    """The user's confirmed authenticator app (a real django-otp TOTP device), created if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: Any) -> str:
    """The six digits the person's app would show, computed from the device's key: the current
    time step's, or a later one within the accepted tolerance when the current one was already
    used (each step's code is accepted once), waiting for the next step if needed."""
    import time

    from django_otp.oath import hotp

    device.refresh_from_db()
    while True:
        now_t = (int(time.time()) - device.t0) // device.step + device.drift
        target = max(now_t, device.last_t + 1)
        if target <= now_t + device.tolerance:
            return f"{hotp(device.bin_key, target, digits=device.digits):0{device.digits}d}"
        time.sleep(1)


def sign_in_verified(client: Any, user: User) -> Any:
    """Sign ``user`` in on a test client with a complete session: password and second factor
    (their real TOTP device marks the session verified, as django-otp does after a right code)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = give_second_factor(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
