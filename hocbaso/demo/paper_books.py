"""Demo paper mode: An Vĩnh (the demo's paper school, on Lý Sơn island) keeps paper records. Its
2024-2025 gets what a paper school enters — year-end ratings, results, days absent, a general
comment (its pages print with them) — and, for every class, the paper books recorded as signed
by hand and stamped on 30/5/2025 (book numbers, the homeroom teacher and the principal as printed),
written through ``records.actions.record_paper_books`` by the school's clerk, so the audit trail
has them as a real school would.

Owned by paper mode (docs/paper-and-digitising.md); the digitising demo keeps its own module.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from hocbaso.accounts.models import User
from hocbaso.assessments import grading
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.models import AssessmentEntry, Point, StudentYear
from hocbaso.core import clock
from hocbaso.demo.assessments_data import GENERAL, YEAR_END_AT, _grading_values, _profile, _values_for
from hocbaso.demo.directory_data import SCHOOLS
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolYearSetting
from hocbaso.records import actions, assembly_parts

SCHOOL_SLUG = "anvinh"
YEAR = "2024-2025"
SIGNED_ON = dt.date(2025, 5, 30)
REASON = (
    "Trường ở đặc khu Lý Sơn chưa đủ thiết bị và chứng thư số cho giáo viên: năm học 2024-2025 dùng sổ học bạ giấy."
)


def _summary(class_group: ClassGroup, rng: random.Random) -> int:
    """Year-end cells and the computed year of every student of the class (bulk, as the demo seeds)."""
    catalogue = catalogue_for_class(class_group)
    computed_at = YEAR_END_AT
    entries, years = [], []
    for enrolment in Enrolment.objects.filter(class_group=class_group).select_related("student").order_by("student_id"):
        cells = _values_for(rng, _profile(rng), catalogue, Point.YEAR_END, set())
        for (kind, code), value in cells.items():
            entries.append(
                AssessmentEntry(
                    student=enrolment.student,
                    school_year=class_group.school_year,
                    class_group=class_group,
                    point=Point.YEAR_END,
                    item_kind=kind,
                    item_code=code,
                    updated_at=computed_at,
                    **value,
                )
            )
        result = grading.year_result(_grading_values(catalogue, cells, set())).result
        years.append(
            StudentYear(
                student=enrolment.student,
                school_year=class_group.school_year,
                class_group=class_group,
                height_cm=105 + 6 * class_group.grade + rng.randint(-5, 6),
                weight_kg=Decimal(17 + 2.5 * class_group.grade + rng.randint(-3, 5)).quantize(Decimal("0.1")),
                days_absent=rng.choice((0, 0, 1, 2)),
                general_comment=GENERAL[result],
                first_result=result,
                result=result,
                result_computed_at=computed_at,
            )
        )
    AssessmentEntry.objects.bulk_create(entries, batch_size=2000)
    StudentYear.objects.bulk_create(years, batch_size=1000)
    return len(years)


def load(seed: int = 1) -> dict[str, int]:
    """An Vĩnh's paper year with its books recorded; returns counts for the summary line."""
    school = School.objects.get(code=next(s.code for s in SCHOOLS if s.slug == SCHOOL_SLUG))
    setting = SchoolYearSetting.objects.select_related("school_year").get(school=school, school_year__code=YEAR)
    officer = User.objects.filter(username="so.chuyenvien").first()
    setting.paper_mode_reason, setting.paper_mode_changed_by = REASON, officer
    setting.paper_mode_changed_at = clock.at(2024, 8, 15, 9, 0)
    setting.save(update_fields=["paper_mode_reason", "paper_mode_changed_by", "paper_mode_changed_at"])
    clerk = User.objects.get(username=f"vanthu.{SCHOOL_SLUG}")
    rng = random.Random(seed * 104729)
    counts = {"students": 0, "books": 0}
    number = 0
    classes = ClassGroup.objects.filter(school=school, school_year=setting.school_year).order_by("grade", "name")
    for class_group in classes:
        counts["students"] += _summary(class_group, rng)
        signers = assembly_parts.expected_signers(class_group, on=SIGNED_ON)
        books = {}
        for student_id in (
            Enrolment.objects.filter(class_group=class_group)
            .order_by("student_id")
            .values_list("student_id", flat=True)
        ):
            number += 1
            books[student_id] = f"{number:03d}/AV"
        if not books or not signers["homeroom"]["name"] or not signers["principal"]["name"]:
            continue
        written = actions.record_paper_books(
            by=clerk,
            class_group=class_group,
            signed_on=SIGNED_ON,
            homeroom_name=signers["homeroom"]["name"],
            principal_name=signers["principal"]["name"],
            principal_title=signers["principal"]["title"].split("\n")[0],
            books=books,
            channel="cli",
        )
        counts["books"] += len(written)
    return counts
