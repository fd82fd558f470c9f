"""Pieces of a record's data that come from the directory: the student page, the learning
history, the school and its units as named on a date, and who signs.

Each function returns plain JSON-able data in the shape of ``records/samples.py``; names are
copied as they were on ``on`` (the assembly date), so a 2024 page keeps "Huyện Bình Sơn".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from hocbaso.directory.models import (
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    PriorSchooling,
    Role,
    School,
    Student,
    UnitKind,
)


def student_page(student: Student) -> dict[str, Any]:
    return {
        "full_name": student.full_name,
        "gender": student.gender,
        "date_of_birth": student.date_of_birth.isoformat(),
        "place_of_birth": student.place_of_birth,
        "ethnicity": student.ethnicity,
        "nationality": student.nationality,
        "hometown": student.hometown,
        "residence": student.residence,
        "father_name": student.father_name,
        "mother_name": student.mother_name,
        "guardian_name": student.guardian_name,
        "ethnicity_code": student.ethnicity_code,
        "nationality_code": student.nationality_code,
        "personal_id": student.personal_id,
        "sector_code": student.sector_code,
        "policy_beneficiary": student.policy_beneficiary,
        "disability": student.disability,
    }


def school_as_on(school: School, on: dt.date) -> dict[str, Any]:
    """The school with its address, managing units and province as they were on ``on``."""
    units: list[dict[str, str]] = []
    province = ""
    for link in school.unit_links.active_on(on).select_related("unit__parent"):
        unit: AdministrativeUnit | None = link.unit
        while unit is not None:
            if unit.kind == UnitKind.PROVINCE:
                province = unit.name
            else:
                units.append({"kind": unit.kind, "name": unit.name})
            unit = unit.parent
    return {
        "code": school.code,
        "department_code": school.department_code,
        "level_code": school.level_code,
        "name": school.name,
        "address": school.address_on(on),
        "province": province,
        "units": units,
    }


def learning_history(student: Student, *, up_to: dt.date) -> list[dict[str, Any]]:
    """One row per school year the student was enrolled, up to the year containing ``up_to``:
    first the schooling before this system (carried by a transfer bundle), then the enrolments."""
    rows = [
        {
            "school_year": prior.school_year,
            "class_name": prior.class_name,
            "school_name": prior.school_name,
            "register_number": prior.register_number,
            "start_date": prior.start_date.isoformat(),
        }
        for prior in PriorSchooling.objects.filter(student=student, start_date__lte=up_to).order_by(
            "school_year", "start_date"
        )
    ]
    enrolments = (
        Enrolment.objects.filter(student=student, school_year__start_date__lte=up_to)
        .select_related("class_group__school", "school_year")
        .order_by("school_year__code", "start_date")
    )
    for enrolment in enrolments:
        rows.append(
            {
                "school_year": enrolment.school_year.code,
                "class_name": enrolment.class_group.name,
                "school_name": enrolment.class_group.school.name,
                "register_number": enrolment.register_number,
                "start_date": enrolment.start_date.isoformat(),
            }
        )
    return rows


def _holder(
    role: str, *, class_group: ClassGroup | None = None, school: School | None = None, on: dt.date
) -> Appointment | None:
    appointments = Appointment.objects.filter(role=role).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
    )
    if class_group is not None:
        appointments = appointments.filter(class_group=class_group)
    if school is not None:
        appointments = appointments.filter(school=school)
    return appointments.select_related("staff").order_by("valid_from").last()


def expected_signers(class_group: ClassGroup, *, on: dt.date) -> dict[str, dict[str, str]]:
    """Who is expected to sign, as known on ``on``: the class's homeroom teacher, the principal
    (or, without one, a vice-principal signing "KT. Hiệu trưởng"), and the school itself."""
    homeroom = _holder(Role.HOMEROOM_TEACHER, class_group=class_group, on=on)
    principal = _holder(Role.PRINCIPAL, school=class_group.school, on=on)
    if principal is not None:
        head = {"name": principal.staff.full_name, "title": "Hiệu trưởng"}
    else:
        vice = _holder(Role.VICE_PRINCIPAL, school=class_group.school, on=on)
        head = {"name": vice.staff.full_name if vice else "", "title": "KT. Hiệu trưởng\nPhó Hiệu trưởng"}
    return {
        "homeroom": {"name": homeroom.staff.full_name if homeroom else ""},
        "principal": head,
        "school": {"name": class_group.school.name},
    }
