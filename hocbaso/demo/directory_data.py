"""The demo province's directory: Quảng Ngãi's units, six primary schools, two school years,
classes, about 2,000 students with enrolments, staff, appointments and demo logins.

Deterministic for a seed. Loaded in bulk (one audit event records the load) because it is
seeding, not a person's work.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from hocbaso.accounts.models import User
from hocbaso.demo import names
from hocbaso.directory import codes, naming
from hocbaso.directory import personal_id as pid
from hocbaso.directory.models import (
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    Role,
    School,
    SchoolAddress,
    SchoolUnitLink,
    SchoolYear,
    SchoolYearSetting,
    StaffMember,
    Student,
    UnitKind,
)

DEMO_PASSWORD = "hocbaso-demo"  # noqa: S105 - demo accounts only, printed by make demo
PROVINCE_CODE = "051"  # birth-registration code of Quảng Ngãi in personal IDs
REFORM = dt.date(2025, 7, 1)
LEGACY_END = dt.date(2025, 6, 30)

LEGACY_DISTRICTS = [
    ("TPQN", "Thành phố Quảng Ngãi"),
    ("DPH", "Thị xã Đức Phổ"),
    ("BTO", "Huyện Ba Tơ"),
    ("BSO", "Huyện Bình Sơn"),
    ("LSO", "Huyện Lý Sơn"),
    ("MLO", "Huyện Minh Long"),
    ("MDU", "Huyện Mộ Đức"),
    ("NHA", "Huyện Nghĩa Hành"),
    ("SHA", "Huyện Sơn Hà"),
    ("STA", "Huyện Sơn Tây"),
    ("STI", "Huyện Sơn Tịnh"),
    ("TBO", "Huyện Trà Bồng"),
    ("TNG", "Huyện Tư Nghĩa"),
]
# Current commune-level units of the demo schools (from 1/7/2025); the full list of 96 is
# loaded from the province's official file in a real deployment.
COMMUNES = [
    ("CTH", "Phường Cẩm Thành", UnitKind.WARD),
    ("NLO", "Phường Nghĩa Lộ", UnitKind.WARD),
    ("BSO", "Xã Bình Sơn", UnitKind.COMMUNE),
    ("LSO", "Đặc khu Lý Sơn", UnitKind.SPECIAL_ZONE),
    ("DPH", "Phường Đức Phổ", UnitKind.WARD),
    ("BTO", "Xã Ba Tơ", UnitKind.COMMUNE),
    ("MDU", "Xã Mộ Đức", UnitKind.COMMUNE),
    ("TNG", "Xã Tư Nghĩa", UnitKind.COMMUNE),
]


@dataclass(frozen=True)
class DemoSchool:
    code: str
    slug: str
    name: str
    address: str
    district: str
    commune: str
    paper_mode: bool = False
    ethnic_share: float = 0.0
    old_address: str = ""  # the address before the 2025 reform (district level, old commune)


SCHOOLS = [
    DemoSchool(
        "51000101",
        "letrungdinh",
        "Trường Tiểu học Lê Trung Đình",
        "12 Lê Trung Đình, phường Cẩm Thành, tỉnh Quảng Ngãi",
        "TPQN",
        "CTH",
        old_address="12 Lê Trung Đình, phường Trần Hưng Đạo, thành phố Quảng Ngãi, tỉnh Quảng Ngãi",
    ),
    DemoSchool(
        "51000102",
        "nghialo",
        "Trường Tiểu học Nghĩa Lộ",
        "45 Nguyễn Công Phương, phường Nghĩa Lộ, tỉnh Quảng Ngãi",
        "TPQN",
        "NLO",
        old_address="45 Nguyễn Công Phương, phường Nghĩa Lộ, thành phố Quảng Ngãi, tỉnh Quảng Ngãi",
    ),
    DemoSchool(
        "51000201",
        "binhson1",
        "Trường Tiểu học số 1 Bình Sơn",
        "Thôn Phước Hòa, xã Bình Sơn, tỉnh Quảng Ngãi",
        "BSO",
        "BSO",
        old_address="Thôn Phước Hòa, xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi",
    ),
    DemoSchool(
        "51000301",
        "anvinh",
        "Trường Tiểu học An Vĩnh",
        "Thôn Tây, đặc khu Lý Sơn, tỉnh Quảng Ngãi",
        "LSO",
        "LSO",
        paper_mode=True,
        old_address="Thôn Tây, xã An Vĩnh, huyện Lý Sơn, tỉnh Quảng Ngãi",
    ),
    DemoSchool(
        "51000401",
        "phoninh",
        "Trường Tiểu học Phổ Ninh",
        "Thôn Vĩnh Thạnh, phường Đức Phổ, tỉnh Quảng Ngãi",
        "DPH",
        "DPH",
        old_address="Thôn Vĩnh Thạnh, xã Phổ Ninh, thị xã Đức Phổ, tỉnh Quảng Ngãi",
    ),
    DemoSchool(
        "51000501",
        "bato",
        "Trường Tiểu học Ba Tơ",
        "Tổ dân phố Đồng Hoàng, xã Ba Tơ, tỉnh Quảng Ngãi",
        "BTO",
        "BTO",
        ethnic_share=0.6,
        old_address="Tổ dân phố Đồng Hoàng, thị trấn Ba Tơ, huyện Ba Tơ, tỉnh Quảng Ngãi",
    ),
]
YEARS = {
    "2024-2025": dict(
        start_date=dt.date(2024, 9, 5),
        end_date=dt.date(2025, 5, 31),
        mid_term1_date=dt.date(2024, 11, 4),
        end_term1_date=dt.date(2025, 1, 10),
        mid_term2_date=dt.date(2025, 3, 21),
        year_end_date=dt.date(2025, 5, 20),
        mid_term1_deadline=dt.date(2024, 11, 15),
        end_term1_deadline=dt.date(2025, 1, 20),
        mid_term2_deadline=dt.date(2025, 3, 31),
        year_end_deadline=dt.date(2025, 5, 30),
    ),
    "2025-2026": dict(
        start_date=dt.date(2025, 9, 5),
        end_date=dt.date(2026, 5, 31),
        mid_term1_date=dt.date(2025, 11, 3),
        end_term1_date=dt.date(2026, 1, 9),
        mid_term2_date=dt.date(2026, 3, 20),
        year_end_date=dt.date(2026, 5, 20),
        mid_term1_deadline=dt.date(2025, 11, 14),
        end_term1_deadline=dt.date(2026, 1, 19),
        mid_term2_deadline=dt.date(2026, 3, 31),
        year_end_deadline=dt.date(2026, 5, 30),
    ),
}
SUBJECT_TEACHERS = [
    ("foreign_language_1", (3, 4, 5)),
    ("informatics_technology", (3, 4, 5)),
    ("physical_education", (1, 2, 3, 4, 5)),
    ("music", (1, 2, 3, 4, 5)),
    ("fine_arts", (1, 2, 3, 4, 5)),
]
CLASSES_PER_GRADE = 2
STUDENTS_PER_CLASS = (28, 33)


@dataclass
class DemoAccounts:
    """One demo login per role, printed by ``hocbaso demo-data``."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, scope)


def _unit(
    code: str, name: str, kind: str, parent: AdministrativeUnit | None, start: dt.date, end: dt.date | None, office: str
) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code=code, name=name, kind=kind, parent=parent, valid_from=start, valid_to=end, education_office=office
    )


def _user(username: str, display: str, password_hash: str) -> User:
    return User.objects.create(username=username, display_name=display, password=password_hash)


def _staff(username: str, display: str, school: School | None, password_hash: str) -> StaffMember:
    return StaffMember.objects.create(user=_user(username, display, password_hash), full_name=display, school=school)


def load(seed: int = 1) -> DemoAccounts:
    """Create the demo directory; call once on an empty directory (the command checks)."""
    rng = random.Random(seed)
    password_hash = make_password(DEMO_PASSWORD)
    accounts = DemoAccounts()

    # The 2025 merger: Quảng Ngãi (1989-2025) and Kon Tum (1991-2025) became the new Quảng Ngãi on
    # 1/7/2025. The legacy districts hang under the old province, the communes under the new one.
    province = _unit(
        "51", "Tỉnh Quảng Ngãi", UnitKind.PROVINCE, None, REFORM, None, "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi"
    )
    old_province = _unit(
        "51-1989",
        "Tỉnh Quảng Ngãi",
        UnitKind.PROVINCE,
        None,
        dt.date(1989, 7, 1),
        LEGACY_END,
        "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi",
    )
    kon_tum = _unit(
        "62",
        "Tỉnh Kon Tum",
        UnitKind.PROVINCE,
        None,
        dt.date(1991, 8, 12),
        LEGACY_END,
        "Sở Giáo dục và Đào tạo tỉnh Kon Tum",
    )
    AdministrativeUnit.objects.filter(pk__in=[old_province.pk, kon_tum.pk]).update(merged_into=province)
    districts = {
        code: _unit(
            f"51-{code}",
            name,
            UnitKind.DISTRICT,
            old_province,
            dt.date(2020, 2, 1),
            LEGACY_END,
            f"Phòng Giáo dục và Đào tạo {naming.in_line(name)}",
        )
        for code, name in LEGACY_DISTRICTS
    }
    communes = {
        code: _unit(f"51-X-{code}", name, kind, province, REFORM, None, f"Ủy ban nhân dân {naming.in_line(name)}")
        for code, name, kind in COMMUNES
    }
    years = {code: SchoolYear.objects.create(code=code, **dates) for code, dates in YEARS.items()}

    admin = User.objects.create(
        username="admin", display_name="Quản trị hệ thống", password=password_hash, is_superuser=True, is_staff=True
    )
    accounts.rows.append(("Operator (superuser)", admin.username, "everything"))

    officer = _staff("so.chuyenvien", "Trần Minh Tâm", None, password_hash)
    Appointment.objects.create(staff=officer, role=Role.UNIT_OFFICER, unit=province, valid_from=dt.date(2020, 1, 1))
    accounts.rows.append(("Province officer (Sở)", officer.user.username, province.name))
    commune_officer = _staff("xa.camthanh", "Lê Thị Hồng Nhung", None, password_hash)
    Appointment.objects.create(staff=commune_officer, role=Role.UNIT_OFFICER, unit=communes["CTH"], valid_from=REFORM)
    accounts.rows.append(("Commune officer", commune_officer.user.username, communes["CTH"].name))
    district_officer = _staff("phong.tpqn", "Nguyễn Văn Hùng", None, password_hash)
    Appointment.objects.create(
        staff=district_officer,
        role=Role.UNIT_OFFICER,
        unit=districts["TPQN"],
        valid_from=dt.date(2020, 2, 1),
        valid_to=LEGACY_END,
    )
    accounts.rows.append(
        ("Legacy district officer (until 30/6/2025)", district_officer.user.username, districts["TPQN"].name)
    )

    students: list[Student] = []
    enrolments: list[Enrolment] = []
    serial = 100000
    for index, demo in enumerate(SCHOOLS):
        school = School.objects.create(
            code=demo.code, name=demo.name, address=demo.address, department_code="51", level_code="1"
        )
        SchoolAddress.objects.create(
            school=school, address=demo.old_address, valid_from=dt.date(2020, 2, 1), valid_to=LEGACY_END
        )
        SchoolAddress.objects.create(school=school, address=demo.address, valid_from=REFORM)
        SchoolUnitLink.objects.create(
            school=school, unit=districts[demo.district], valid_from=dt.date(2020, 2, 1), valid_to=LEGACY_END
        )
        SchoolUnitLink.objects.create(school=school, unit=communes[demo.commune], valid_from=REFORM)
        for year in years.values():
            SchoolYearSetting.objects.create(school=school, school_year=year, paper_mode=demo.paper_mode)

        def staff(role_slug: str, gender: int, _demo: DemoSchool = demo, _school: School = school) -> StaffMember:
            return _staff(f"{role_slug}.{_demo.slug}", names.adult_name(rng, gender), _school, password_hash)

        principal = staff("hieutruong", rng.choice((1, 2)))
        vice = staff("phohieutruong", rng.choice((1, 2)))
        clerk = staff("vanthu", 2)
        since = dt.date(2019, 8, 15)
        Appointment.objects.create(staff=principal, role=Role.PRINCIPAL, school=school, valid_from=since)
        Appointment.objects.create(staff=vice, role=Role.VICE_PRINCIPAL, school=school, valid_from=since)
        Appointment.objects.create(staff=clerk, role=Role.CLERK, school=school, valid_from=since)
        homeroom = {
            (grade, letter): staff(f"gv{grade}{letter.lower()}", rng.choice((1, 2, 2, 2)))
            for grade in range(1, 6)
            for letter in "AB"[:CLASSES_PER_GRADE]
        }
        specialists = {
            code: staff(f"gv.{code.replace('_', '')}", rng.choice((1, 2))) for code, _grades in SUBJECT_TEACHERS
        }
        if index == 0:
            accounts.rows += [
                ("Principal", principal.user.username, school.name),
                ("Vice-principal", vice.user.username, school.name),
                ("School clerk", clerk.user.username, school.name),
                ("Homeroom teacher of 3A", homeroom[(3, "A")].user.username, f"3A, {school.name}"),
                (
                    "Subject teacher (English)",
                    specialists["foreign_language_1"].user.username,
                    f"Ngoại ngữ 1, grades 3-5, {school.name}",
                ),
            ]

        moving_up: dict[tuple[int, str], list[Student]] = {}  # (grade next year, letter) → students
        for year_code, year in years.items():
            first_year = year_code == "2024-2025"
            year_dates = YEARS[year_code]
            ends = year_dates["end_date"] if first_year else None
            for grade in range(1, 6):
                for letter in "AB"[:CLASSES_PER_GRADE]:
                    class_group = ClassGroup.objects.create(
                        school=school, school_year=year, grade=grade, name=f"{grade}{letter}"
                    )
                    Appointment.objects.create(
                        staff=homeroom[(grade, letter)],
                        role=Role.HOMEROOM_TEACHER,
                        school=school,
                        class_group=class_group,
                        valid_from=year_dates["start_date"],
                        # The homeroom teacher stays responsible for signing the class's
                        # records until they are issued (the demo issues 2024-2025 today).
                        valid_to=None,
                    )
                    for code, grades in SUBJECT_TEACHERS:
                        if grade in grades:
                            Appointment.objects.create(
                                staff=specialists[code],
                                role=Role.SUBJECT_TEACHER,
                                school=school,
                                class_group=class_group,
                                subject_code=code,
                                valid_from=year_dates["start_date"],
                                valid_to=ends,
                            )
                    members = moving_up.get((grade, letter)) if not first_year else None
                    if members is None:
                        members = []
                        for _n in range(rng.randint(*STUDENTS_PER_CLASS)):
                            serial += 1
                            members.append(_new_student(rng, school, demo, grade, int(year_code[:4]), serial))
                        students.extend(members)
                    if first_year and grade < 5:
                        moving_up[(grade + 1, letter)] = members
                    for number, student in enumerate(members, start=1):
                        enrolments.append(
                            Enrolment(
                                student=student,
                                class_group=class_group,
                                school_year=year,
                                start_date=year_dates["start_date"],
                                end_date=ends,
                                register_number=f"{number:02d}/{class_group.name}-{year_code[:4]}",
                            )
                        )
        _save_students(students)
        students.clear()
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    return accounts


def _new_student(
    rng: random.Random, school: School, demo: DemoSchool, grade: int, entry_year: int, serial: int
) -> Student:
    gender = rng.choice((1, 2))
    birth_year = entry_year - 5 - grade
    born = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    ethnic = rng.random() < demo.ethnic_share
    family = "Đinh" if ethnic else names.surname(rng)
    father = names.adult_name(rng, 1, family)
    mother = names.adult_name(rng, 2)
    personal_id = pid.make_personal_id(province_code=PROVINCE_CODE, gender=gender, year=birth_year, serial=serial)
    roll = rng.random()
    if roll < 0.01:  # a few deliberately inconsistent IDs (gender digit), to show the warnings
        personal_id = personal_id[:3] + str(int(personal_id[3]) ^ 1) + personal_id[4:]
    elif roll < 0.02:
        personal_id = personal_id[:4] + f"{(birth_year + 1) % 100:02d}" + personal_id[6:]
    elif roll < 0.03:
        personal_id = ""  # not yet known: a warning elsewhere, never a block
    student = Student(
        school=school,
        full_name=names.full_name(rng, gender, family),
        gender=gender,
        date_of_birth=born,
        place_of_birth="Tỉnh Quảng Ngãi"
        if rng.random() < 0.9
        else rng.choice(["Thành phố Đà Nẵng", "Tỉnh Bình Định", "Tỉnh Kon Tum"]),
        ethnicity="Hrê" if ethnic else "Kinh",
        ethnicity_code=codes.ethnicity_code("Hrê" if ethnic else "Kinh"),
        nationality="Việt Nam",
        nationality_code="VN",
        policy_beneficiary="Học sinh dân tộc thiểu số" if ethnic else "",
        hometown="Tỉnh Quảng Ngãi",
        residence=demo.address.split(",", 1)[1].strip() if "," in demo.address else demo.address,
        father_name=father,
        mother_name=mother,
        personal_id=personal_id,
        sector_code=f"{demo.code}{serial:06d}",
        # a few on an individual education plan: by chance, and one in every 400 for sure
        individual_plan=rng.random() < 0.004 or serial % 400 == 7,
    )
    if student.individual_plan:
        student.disability = "Khuyết tật trí tuệ"
    warnings = pid.consistency_warnings(personal_id, gender=gender, date_of_birth=born)
    student.id_warnings = [{"code": w.code, "message": w.message} for w in warnings]
    return student


def _save_students(students: list[Student]) -> None:
    """bulk_create returns primary keys on both SQLite (3.35+) and PostgreSQL."""
    Student.objects.bulk_create(students, batch_size=500)
