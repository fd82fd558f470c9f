"""Demo assessments: a complete 2024-2025 (every result level, some remediation) and a partly
filled 2025-2026, generated deterministically and computed with the real grading rules.

Schools in paper mode get none (they keep paper records). Loaded in bulk as seeding.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from hocbaso.assessments import grading
from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import (
    AssessmentEntry,
    Award,
    AwardKind,
    AwardStatus,
    CommentBank,
    EntryWindow,
    OptionalSubject,
    Point,
    StudentYear,
)
from hocbaso.core import clock
from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, Role, SchoolYearSetting

PROFILES = [("htxs", 25), ("htt", 34), ("ht", 34), ("cht", 7)]
# The demo's 2024-2025 happened in 2025, whatever day the demo is set up: results confirmed at the
# end of May, awards confirmed the next day, summer re-assessments and decisions in August.
YEAR_END_AT = clock.at(2025, 5, 26, 16, 0)
AWARDS_AT = clock.at(2025, 5, 27, 8, 0)
SUMMER_AT = clock.at(2025, 8, 15, 9, 0)
PLAN_NOTE = "Hoàn thành các mục tiêu của kế hoạch giáo dục cá nhân năm học 2024-2025."
PLAN_ASSESSMENT = (
    "Đạt các mục tiêu của kế hoạch giáo dục cá nhân: đọc, viết câu ngắn, tính cộng trừ trong phạm vi 100; "
    "tự tin hơn khi giao tiếp với bạn."
)
COMMENTS = {
    "T": [
        "Hoàn thành tốt các nội dung học tập; tích cực, tự tin phát biểu xây dựng bài.",
        "Nắm vững kiến thức, vận dụng linh hoạt vào bài tập.",
        "Học tập chăm chỉ, kết quả tốt; trình bày bài sạch đẹp.",
    ],
    "H": [
        "Hoàn thành các nội dung học tập; cần cẩn thận hơn khi làm bài.",
        "Nắm được kiến thức cơ bản; cần mạnh dạn hơn trong học tập.",
        "Hoàn thành yêu cầu; cần luyện thêm kĩ năng trình bày.",
    ],
    "C": [
        "Chưa hoàn thành một số nội dung; cần được hướng dẫn thêm.",
        "Còn lúng túng khi làm bài; cần rèn luyện thêm trong hè.",
    ],
}
COMPETENCY_COMMENTS = {
    "T": ["Thực hiện tốt, là tấm gương cho các bạn.", "Biểu hiện rõ, tích cực."],
    "Đ": ["Thực hiện được; cần chủ động hơn.", "Có biểu hiện; cần phát huy thêm."],
    "C": ["Cần cố gắng rèn luyện thêm."],
}
GENERAL = {
    "htxs": "Em học tập xuất sắc, chăm ngoan, là tấm gương sáng của lớp.",
    "htt": "Em học tập tốt, ngoan ngoãn, tích cực tham gia các hoạt động.",
    "ht": "Em hoàn thành chương trình, cần cố gắng hơn ở một số môn.",
    "cht": "Em cần được giúp đỡ thêm; gia đình quan tâm kèm cặp trong hè.",
}


def _profile(rng: random.Random) -> str:
    names, weights = zip(*PROFILES, strict=True)
    return rng.choices(names, weights=weights)[0]


def _values_for(
    rng: random.Random, profile: str, catalogue: GradeCatalogue, point: str, taken: set[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Ratings, scores and comments of one student at one point, shaped by the profile."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    subjects = [i for i in catalogue.subjects if not i.optional or i.code in taken]
    weak = rng.choice(subjects).code if profile in ("ht", "cht") else ""
    for item in subjects:
        if profile in ("htxs", "htt"):
            rating = "T"
        elif item.code == weak:
            rating = "C" if profile == "cht" else "H"
        else:
            rating = rng.choice("TTH") if profile == "ht" else rng.choice("TH")
        score = None
        if catalogue.has_test(item.code, point):
            low = {"htxs": 9, "htt": 7, "ht": 5, "cht": 5}[profile]
            score = rng.randint(low, 10)
            if profile == "htt" and item.code == "math":
                score = rng.choice((7, 8))
            if profile == "cht" and item.code == weak:
                score = rng.randint(2, 4)
        cells[("subject", item.code)] = {"rating": rating, "score": score, "comment": rng.choice(COMMENTS[rating])}
    for item in catalogue.competencies:
        rating = "T" if profile in ("htxs", "htt") else rng.choice("TTĐ")
        cells[("competency", item.code)] = {
            "rating": rating,
            "score": None,
            "comment": rng.choice(COMPETENCY_COMMENTS[rating]),
        }
    return cells


def _grading_values(
    catalogue: GradeCatalogue, cells: dict[tuple[str, str], dict[str, Any]], taken: set[str]
) -> grading.YearValues:
    subjects = [i.code for i in catalogue.subjects if not i.optional or i.code in taken]
    return grading.YearValues(
        grade=catalogue.grade,
        subjects=subjects,
        tested=[c for c in subjects if catalogue.has_test(c, Point.YEAR_END)],
        competencies=[i.code for i in catalogue.competencies],
        subject_ratings={code: v["rating"] for (kind, code), v in cells.items() if kind == "subject"},
        scores={code: v["score"] for (kind, code), v in cells.items() if kind == "subject"},
        competency_ratings={code: v["rating"] for (kind, code), v in cells.items() if kind == "competency"},
    )


def load(seed: int = 1) -> dict[str, int]:
    """Generate and store the demo assessments; returns counts for the summary line."""
    rng = random.Random(seed * 7919)
    now = timezone.now()
    year_end_at, awards_at, summer_at = YEAR_END_AT, AWARDS_AT, SUMMER_AT
    paper = set(SchoolYearSetting.objects.filter(paper_mode=True).values_list("school_id", "school_year_id"))
    entries: list[AssessmentEntry] = []
    years: list[StudentYear] = []
    awards: list[Award] = []
    optionals: list[OptionalSubject] = []
    counts = {"htxs": 0, "htt": 0, "ht": 0, "cht": 0, "remediated": 0}
    classes = ClassGroup.objects.select_related("school", "school_year").order_by(
        "school__code", "school_year__code", "grade", "name"
    )
    for class_group in classes:
        if (class_group.school_id, class_group.school_year_id) in paper:
            continue
        complete_year = class_group.school_year.code == "2024-2025"
        catalogue = catalogue_for_class(class_group)
        principal = (
            Appointment.objects.filter(role=Role.PRINCIPAL, school=class_group.school)
            .select_related("staff__user")
            .first()
        )
        points = (
            [Point.MID1, Point.END1, Point.MID2, Point.YEAR_END]
            if complete_year
            else [Point.MID1, Point.END1, Point.MID2]
        )
        for enrolment in (
            Enrolment.objects.filter(class_group=class_group).select_related("student").order_by("student_id")
        ):
            student = enrolment.student
            taken: set[str] = set()
            if class_group.grade <= 2 and rng.random() < 0.7:
                taken.add("foreign_language_1")
                optionals.append(
                    OptionalSubject(
                        student=student, school_year=class_group.school_year, subject_code="foreign_language_1"
                    )
                )
            profile = _profile(rng)
            year_end: dict[tuple[str, str], dict[str, Any]] = {}
            for point in points:
                if point == Point.MID2 and not complete_year and class_group.grade >= 4 and rng.random() < 0.5:
                    continue  # 2025-2026 GHK2 still being entered in grades 4-5
                cells = _values_for(rng, profile, catalogue, point, taken)
                if point == Point.YEAR_END:
                    year_end = cells
                for (kind, code), value in cells.items():
                    entries.append(
                        AssessmentEntry(
                            student=student,
                            school_year=class_group.school_year,
                            class_group=class_group,
                            point=point,
                            item_kind=kind,
                            item_code=code,
                            updated_at=year_end_at if complete_year else now,
                            **value,
                        )
                    )
            if not complete_year:
                continue
            first = grading.year_result(_grading_values(catalogue, year_end, taken)).result
            year = StudentYear(
                student=student,
                school_year=class_group.school_year,
                class_group=class_group,
                height_cm=105 + 6 * class_group.grade + rng.randint(-5, 6),
                weight_kg=Decimal(17 + 2.5 * class_group.grade + rng.randint(-3, 5)).quantize(Decimal("0.1")),
                days_absent=rng.choice((0, 0, 0, 1, 1, 2, 3, 5)),
                general_comment=GENERAL[first],
                first_result=first,
                result=first,
                result_computed_at=year_end_at,
            )
            if student.individual_plan:
                # the homeroom teacher's assessment against the plan, the principal's decision
                year.result = year.first_result = grading.NOT_CLASSIFIED
                year.general_comment = "Em tiến bộ theo kế hoạch giáo dục cá nhân; gia đình phối hợp tốt."
                if principal is not None:
                    year.plan_assessment, year.plan_completed, year.plan_note = PLAN_ASSESSMENT, True, PLAN_NOTE
                    year.decided_by, year.decided_at = principal.staff.user, awards_at
            elif first == grading.CHT:
                year.remediation_done = True
                summer = {
                    key: dict(value)
                    for key, value in year_end.items()
                    if value["rating"] == "C" or (value["score"] or 10) < 5
                }
                improves = rng.random() < 0.75
                for (kind, code), value in summer.items():
                    value.update(
                        rating="H" if improves else "C",
                        score=(rng.randint(5, 7) if value["score"] is not None else None)
                        if improves
                        else value["score"],
                        comment="Đã tiến bộ sau thời gian rèn luyện trong hè."
                        if improves
                        else "Còn hạn chế sau rèn luyện hè.",
                    )
                    entries.append(
                        AssessmentEntry(
                            student=student,
                            school_year=class_group.school_year,
                            class_group=class_group,
                            point=Point.SUMMER,
                            item_kind=kind,
                            item_code=code,
                            updated_at=summer_at,
                            **value,
                        )
                    )
                merged = {**year_end, **summer}
                year.result = grading.year_result(_grading_values(catalogue, merged, taken)).result
                year.result_computed_at = summer_at  # recomputed after the summer: the page's date
                counts["remediated"] += 1
                if year.result == grading.CHT and principal is not None:
                    # grade 5 has no promotion: a non-completer stays in grade 5
                    year.decision = grading.RETAINED if class_group.grade == 5 else grading.PROMOTED
                    year.decided_by = principal.staff.user
                    year.decided_at = summer_at
            counts[year.result] = counts.get(year.result, 0) + 1
            years.append(year)
            confirmer = principal.staff.user if principal is not None else None
            for title in grading.proposed_awards(year.result):
                # proposed by the computation; the principal confirmed most (a few still wait)
                waiting = confirmer is None or student.pk % 10 == 0
                awards.append(
                    Award(
                        student=student,
                        school_year=class_group.school_year,
                        kind=AwardKind.EXCELLENT,
                        title=title,
                        awarded_on=dt.date(2025, 5, 26),
                        status=AwardStatus.PROPOSED if waiting else AwardStatus.CONFIRMED,
                        decided_by=None if waiting else confirmer,
                        decided_at=None if waiting else awards_at,
                    )
                )
            if year.result == grading.HTT and rng.random() < 0.08:
                awards.append(
                    Award(
                        student=student,
                        school_year=class_group.school_year,
                        kind=AwardKind.OUTSTANDING,
                        title="Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
                        justification="Tiến bộ rõ rệt trong môn Tiếng Việt; được tập thể lớp công nhận.",
                        recognised_by_class=True,
                        awarded_on=dt.date(2025, 5, 26),
                        status=AwardStatus.CONFIRMED,
                        decided_by=confirmer,
                        decided_at=awards_at,
                    )
                )
    AssessmentEntry.objects.bulk_create(entries, batch_size=2000)
    StudentYear.objects.bulk_create(years, batch_size=1000)
    Award.objects.bulk_create(awards, batch_size=1000)
    OptionalSubject.objects.bulk_create(optionals, batch_size=1000)
    _windows(now)
    _comment_bank()
    counts["entries"] = len(entries)
    return counts


def _windows(now: Any) -> None:
    """2024-2025 closed everywhere; 2025-2026: GHK1 and CHK1 closed, GHK2 open."""
    from hocbaso.directory.models import School, SchoolYear

    rows = []
    for school in School.objects.all():
        for year in SchoolYear.objects.all():
            for point in Point.values:
                is_open = year.code == "2025-2026" and point == Point.MID2
                rows.append(EntryWindow(school=school, school_year=year, point=point, is_open=is_open, changed_at=now))
    EntryWindow.objects.bulk_create(rows)


def _comment_bank() -> None:
    from hocbaso.directory.models import School

    rows = [
        CommentBank(school=school, item_code=code, text=text)
        for school in School.objects.all()
        for code in ("vietnamese", "math", "foreign_language_1", "science", "history_geography")
        for texts in COMMENTS.values()
        for text in texts
    ]
    CommentBank.objects.bulk_create(rows, ignore_conflicts=True)
