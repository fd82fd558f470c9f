"""Thông tư 27 year results over every boundary (table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from hocbaso.assessments import grading
from hocbaso.assessments.grading import CHT, HT, HTT, HTXS, NOT_CLASSIFIED, MissingCell, YearValues
from hocbaso.core.errors import ValidationFailed

G12_SUBJECTS = [
    "vietnamese",
    "math",
    "ethics",
    "nature_society",
    "physical_education",
    "music",
    "fine_arts",
    "experiential_activities",
]
G3_SUBJECTS = [*G12_SUBJECTS, "foreign_language_1", "informatics_technology"]
G45_SUBJECTS = [
    "vietnamese",
    "math",
    "foreign_language_1",
    "ethics",
    "history_geography",
    "science",
    "informatics_technology",
    "physical_education",
    "music",
    "fine_arts",
    "experiential_activities",
]
TESTED = {
    1: ["vietnamese", "math"],
    2: ["vietnamese", "math"],
    3: ["vietnamese", "math", "foreign_language_1", "informatics_technology"],
    4: ["vietnamese", "math", "foreign_language_1", "history_geography", "science", "informatics_technology"],
    5: ["vietnamese", "math", "foreign_language_1", "history_geography", "science", "informatics_technology"],
}
QUALITIES = [
    "patriotism",
    "kindness",
    "diligence",
    "honesty",
    "responsibility",
    "self_reliance",
    "communication",
    "problem_solving",
    "language",
    "numeracy",
    "scientific",
    "aesthetics",
    "physical",
]
EXTRA_G35 = ["technology", "informatics"]


def values(
    grade: int = 5,
    *,
    subject: dict[str, str] | None = None,
    scores: dict[str, int | list[int] | None] | None = None,
    competency: dict[str, str] | None = None,
    lowest: int = 10,
    optional: list[str] | None = None,
    **extra,
) -> YearValues:  # type: ignore[no-untyped-def]
    subjects = (G12_SUBJECTS if grade <= 2 else G3_SUBJECTS if grade == 3 else G45_SUBJECTS) + (optional or [])
    competencies = QUALITIES + (EXTRA_G35 if grade >= 3 else [])
    tested = TESTED[grade]
    all_scores: dict[str, int | list[int] | None] = dict.fromkeys(tested, 10)
    all_scores[tested[0]] = lowest
    all_scores.update(scores or {})
    return YearValues(
        grade=grade,
        subjects=subjects,
        tested=tested,
        competencies=competencies,
        subject_ratings=dict.fromkeys(subjects, "T") | (subject or {}),
        scores=all_scores,
        competency_ratings=dict.fromkeys(competencies, "T") | (competency or {}),
        **extra,
    )


@pytest.mark.parametrize(
    ("lowest", "expected"),
    [(10, HTXS), (9, HTXS), (8, HTT), (7, HTT), (6, HT), (5, HT), (4, CHT), (0, CHT)],
)
@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_lowest_score_boundaries(grade: int, lowest: int, expected: str) -> None:
    assert grading.year_result(values(grade, lowest=lowest)).result == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"subject": {"music": "H"}}, HT),
        ({"subject": {"music": "H"}, "lowest": 5}, HT),
        ({"subject": {"music": "H"}, "lowest": 4}, CHT),
        ({"subject": {"math": "C"}}, CHT),
        ({"competency": {"honesty": "Đ"}}, HT),
        ({"competency": {"honesty": "Đ"}, "lowest": 9}, HT),
        ({"competency": {"honesty": "C"}}, CHT),
        ({"competency": {"technology": "Đ"}}, HT),
        ({"subject": {"ethics": "H"}, "competency": {"diligence": "Đ"}, "lowest": 7}, HT),
    ],
)
def test_one_rating_below_top(case: dict, expected: str) -> None:  # type: ignore[type-arg]
    assert grading.year_result(values(5, **case)).result == expected


def test_optional_subject_taken_counts() -> None:
    taken = values(1, optional=["foreign_language_1"], subject={"foreign_language_1": "H"})
    assert grading.year_result(taken).result == HT
    assert grading.year_result(values(1)).result == HTXS


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": {"music": ""}}, "subject:music:rating"),
        ({"scores": {"science": None}}, "subject:science:score"),
        ({"competency": {"kindness": ""}}, "competency:kindness:rating"),
    ],
)
def test_a_missing_cell_is_named(change: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(MissingCell) as caught:
        grading.year_result(values(5, names={"music": "Âm nhạc"}, **change))
    assert caught.value.field == field
    assert caught.value.code == "cell_missing"
    assert caught.value.params == {"point": "year_end"}


def test_grade_1_2_has_no_informatics_competency_or_test() -> None:
    grade2 = values(2)
    assert "informatics" not in grade2.competencies
    assert grade2.tested == ["vietnamese", "math"]
    assert grading.year_result(grade2).result == HTXS


def test_individual_plan_is_not_classified() -> None:
    assert grading.year_result(values(4, subject={"math": "C"}, individual_plan=True)).result == NOT_CLASSIFIED


def test_remediation_recomputes_from_reassessed_values() -> None:
    first = values(3, subject={"math": "C"}, scores={"math": 3})
    assert grading.year_result(first).result == CHT
    summer = YearValues(
        grade=3,
        subjects=first.subjects,
        tested=first.tested,
        competencies=first.competencies,
        subject_ratings={"math": "H"},
        scores={"math": 6},
    )
    combined = grading.with_reassessment(first, summer)
    assert grading.year_result(combined).result == HT
    assert first.subject_ratings["math"] == "C"  # the first values are kept
    still = grading.with_reassessment(
        first, YearValues(grade=3, subjects=(), tested=(), competencies=(), scores={"math": 4})
    )
    assert grading.year_result(still).result == CHT
    assert grading.needs_decision(CHT, CHT, remediation_done=True)
    assert not grading.needs_decision(CHT, HT, remediation_done=True)
    assert not grading.needs_decision(CHT, CHT, remediation_done=False)


# (grade, result, decision, plan_completed) → (completed_grade, completed_primary, promoted, text)
COMPLETION = [
    (3, HTT, "", None, True, None, True, "Hoàn thành chương trình lớp 3"),
    (1, HT, "", None, True, None, True, "Hoàn thành chương trình lớp 1"),
    (5, HT, "", None, True, True, None, "Hoàn thành chương trình tiểu học"),
    (5, HTXS, "", None, True, True, None, "Hoàn thành chương trình tiểu học"),
    (4, CHT, "", None, False, None, None, "Chưa hoàn thành chương trình lớp 4; rèn luyện trong hè"),
    (4, CHT, "promoted", None, False, None, True, "Chưa hoàn thành chương trình lớp 4; được lên lớp 5"),
    (4, CHT, "retained", None, False, None, False, "Chưa hoàn thành chương trình lớp 4; ở lại lớp 4"),
    # grade 5: no "lên lớp"; a non-completer stays in grade 5, the primary programme not completed
    (5, CHT, "", None, False, False, None, "Chưa hoàn thành chương trình tiểu học; rèn luyện trong hè"),
    (5, CHT, "retained", None, False, False, None, "Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"),
    (5, CHT, "promoted", None, False, False, None, "Chưa hoàn thành chương trình tiểu học; rèn luyện trong hè"),
    # individual education plan: the principal's decision stands for the result
    (
        2,
        NOT_CLASSIFIED,
        "",
        None,
        False,
        None,
        None,
        "Đánh giá theo kế hoạch giáo dục cá nhân; chờ hiệu trưởng xác nhận",
    ),
    (2, NOT_CLASSIFIED, "", True, True, None, True, "Hoàn thành chương trình lớp 2"),
    (2, NOT_CLASSIFIED, "retained", False, False, None, False, "Chưa hoàn thành chương trình lớp 2; ở lại lớp 2"),
    (2, NOT_CLASSIFIED, "promoted", False, False, None, True, "Chưa hoàn thành chương trình lớp 2; được lên lớp 3"),
    (5, NOT_CLASSIFIED, "", True, True, True, None, "Hoàn thành chương trình tiểu học"),
    (5, NOT_CLASSIFIED, "retained", False, False, False, None, "Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"),
]


@pytest.mark.parametrize(
    ("grade", "result", "decision", "plan", "completed", "primary", "promoted", "text"), COMPLETION
)
def test_completion(
    grade: int,
    result: str,
    decision: str,
    plan: bool | None,
    completed: bool,
    primary: bool | None,
    promoted: bool | None,
    text: str,
) -> None:
    done = grading.completion(grade, result, decision, plan_completed=plan)
    assert (done.completed_grade, done.completed_primary, done.promoted, done.text) == (
        completed,
        primary,
        promoted,
        text,
    )
    assert "tiểu học" not in done.text or grade == 5  # grades 1-4 never speak of the primary programme
    assert "lên lớp" not in done.text or grade < 5  # there is no lên lớp after grade 5


@pytest.mark.parametrize(
    ("grade", "decision", "code"),
    [
        (5, "promoted", "decision_no_promotion_after_grade_5"),
        (5, "maybe", "decision_invalid"),
        (4, "", "decision_invalid"),
    ],
)
def test_decisions_refused(grade: int, decision: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        grading.check_decision(grade, decision)
    assert caught.value.code == code


@pytest.mark.parametrize(("grade", "decision"), [(5, "retained"), (4, "promoted"), (4, "retained"), (1, "promoted")])
def test_decisions_allowed(grade: int, decision: str) -> None:
    grading.check_decision(grade, decision)
    assert decision in grading.allowed_decisions(grade)


@pytest.mark.parametrize(
    ("first", "result", "remediated", "plan", "needed"),
    [
        (CHT, CHT, True, None, True),
        (CHT, HT, True, None, False),
        (CHT, CHT, False, None, False),
        (NOT_CLASSIFIED, NOT_CLASSIFIED, False, None, False),
        (NOT_CLASSIFIED, NOT_CLASSIFIED, False, True, False),
        (NOT_CLASSIFIED, NOT_CLASSIFIED, False, False, True),
    ],
)
def test_who_needs_a_decision(first: str, result: str, remediated: bool, plan: bool | None, needed: bool) -> None:
    assert grading.needs_decision(first, result, remediated, plan) is needed


@pytest.mark.parametrize(
    ("result", "justification", "recognised", "outstanding"),
    [
        (HTT, "Tiến bộ rõ rệt môn Toán", True, True),
        (HTT, "", True, False),
        (HTT, "Giải Nhì", False, False),
        (HTXS, "Giải Nhất", True, False),
        (HT, "Tiến bộ", True, False),
    ],
)
def test_awards(result: str, justification: str, recognised: bool, outstanding: bool) -> None:
    assert (
        grading.can_be_outstanding(result, justification=justification, recognised_by_class=recognised) is outstanding
    )
    assert grading.proposed_awards(result) == (["Học sinh Xuất sắc"] if result == HTXS else [])


def test_retests_keep_the_last_score() -> None:
    assert grading.last_score([4, 6]) == 6
    assert grading.last_score([]) is None


def test_reasons_name_what_kept_the_result_down() -> None:
    with translation.override("en"):
        outcome = grading.year_result(values(5, subject={"music": "H"}, lowest=8, names={"music": "Âm nhạc"}))
    assert outcome.result == HT
    assert outcome.lowest_score == 8
    assert outcome.reasons == ("Âm nhạc: rated H at the end of the year.", "vietnamese: end-of-year test score 8.")
    assert grading.year_result(values(5)).reasons == ()


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [([4, 9], HTXS), ([9, 4], CHT), ([3, 5, 7], HTT), ([8], HTT), ([], None)],
)
def test_retests_the_last_attempt_counts(attempts: list[int], expected: str | None) -> None:
    retested = values(4, scores={"math": attempts})
    if expected is None:
        with pytest.raises(MissingCell) as caught:
            grading.year_result(retested)
        assert caught.value.field == "subject:math:score"
        return
    assert grading.year_result(retested).result == expected
    assert retested.scores["math"] == attempts  # every attempt stays


NOW = datetime(2026, 8, 10, 9, 0, tzinfo=UTC)
SUMMER_OK = YearValues(
    grade=3, subjects=(), tested=(), competencies=(), subject_ratings={"math": "H"}, scores={"math": 6}
)
SUMMER_BAD = YearValues(
    grade=3, subjects=(), tested=(), competencies=(), subject_ratings={"math": "H"}, scores={"math": 4}
)
PROMOTE = grading.PrincipalDecision(grading.PROMOTED, "Hiệu trưởng Lê Văn A", NOW)
RETAIN = grading.PrincipalDecision(grading.RETAINED, "Hiệu trưởng Lê Văn A", NOW)


@pytest.mark.parametrize(
    ("summer", "decision", "first", "final", "waiting", "text"),
    [
        (None, None, CHT, CHT, False, "Chưa hoàn thành chương trình lớp 3; rèn luyện trong hè"),
        (SUMMER_OK, None, CHT, HT, False, "Hoàn thành chương trình lớp 3"),
        (SUMMER_BAD, None, CHT, CHT, True, "Chưa hoàn thành chương trình lớp 3; rèn luyện trong hè"),
        (SUMMER_BAD, PROMOTE, CHT, CHT, False, "Chưa hoàn thành chương trình lớp 3; được lên lớp 4"),
        (SUMMER_BAD, RETAIN, CHT, CHT, False, "Chưa hoàn thành chương trình lớp 3; ở lại lớp 3"),
    ],
)
def test_remediation_sequences(
    summer: YearValues | None,
    decision: grading.PrincipalDecision | None,
    first: str,
    final: str,
    waiting: bool,
    text: str,
) -> None:
    year = values(3, subject={"math": "C"}, scores={"math": 3})
    outcome = grading.evaluate(grading.StudentYearInput("s1", year, summer, decision))
    assert outcome.first.result == first
    assert outcome.result == final
    assert (outcome.reassessed is not None) == (summer is not None)
    assert outcome.decision_needed is waiting
    assert outcome.completion.text == text
    assert outcome.decision == decision
    assert outcome.proposed_awards == ()


@pytest.mark.parametrize(
    ("year", "summer", "decision", "code"),
    [
        (values(3), SUMMER_OK, None, "reassessment_not_allowed"),
        (values(3, subject={"math": "C"}), SUMMER_OK, PROMOTE, "decision_not_needed"),
        (values(3, subject={"math": "C"}), None, PROMOTE, "decision_not_needed"),
        (
            values(3, subject={"math": "C"}),
            SUMMER_BAD,
            grading.PrincipalDecision("maybe", "x", NOW),
            "decision_invalid",
        ),
    ],
)
def test_remediation_refusals(
    year: YearValues, summer: YearValues | None, decision: grading.PrincipalDecision | None, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        grading.evaluate(grading.StudentYearInput("s", year, summer, decision))
    assert caught.value.code == code


def test_grade_5_non_completer_stays_in_grade_5() -> None:
    year = values(5, subject={"math": "C"}, scores={"math": 3})
    summer = YearValues(grade=5, subjects=(), tested=(), competencies=(), scores={"math": 4})
    with pytest.raises(ValidationFailed) as caught:
        grading.evaluate(grading.StudentYearInput("s", year, summer, PROMOTE))
    assert caught.value.code == "decision_no_promotion_after_grade_5"
    outcome = grading.evaluate(grading.StudentYearInput("s", year, summer, RETAIN))
    assert (outcome.result, outcome.completion.completed_primary, outcome.completion.promoted) == (CHT, False, None)
    assert outcome.completion.text == "Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"


def test_school_results_keeps_going_past_a_blocked_student() -> None:
    students = [
        grading.StudentYearInput(1, values(5)),
        grading.StudentYearInput(2, values(1, competency={"kindness": ""})),
        grading.StudentYearInput(3, values(2, subject={"math": "C"}, individual_plan=True)),
        grading.StudentYearInput(4, values(4, lowest=7)),
    ]
    outcomes = grading.school_results(students)
    assert isinstance(outcomes[1], grading.YearOutcome)
    assert outcomes[1].result == HTXS
    assert outcomes[1].proposed_awards == ("Học sinh Xuất sắc",)
    assert outcomes[1].completion.text == "Hoàn thành chương trình tiểu học"
    assert isinstance(outcomes[2], MissingCell)
    assert outcomes[2].field == "competency:kindness:rating"
    assert isinstance(outcomes[3], grading.YearOutcome)
    assert outcomes[3].result == NOT_CLASSIFIED
    assert isinstance(outcomes[4], grading.YearOutcome)
    assert (outcomes[4].result, outcomes[4].completion.text, outcomes[4].proposed_awards) == (
        HTT,
        "Hoàn thành chương trình lớp 4",
        (),
    )


def test_award_constructors() -> None:
    on = date(2026, 5, 25)
    assert grading.excellent_award(HTXS, on) == grading.Award(grading.EXCELLENT, "Học sinh Xuất sắc", on)
    assert grading.excellent_award(HTT, on) is None
    award = grading.outstanding_award(HTT, justification=" Tiến bộ rõ rệt môn Toán ", recognised_by_class=True, on=on)
    assert (award.kind, award.title, award.justification, award.recognised_by_class) == (
        grading.OUTSTANDING,
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
        "Tiến bộ rõ rệt môn Toán",
        True,
    )
    for result, justification, recognised in [(HTT, "", True), (HTT, "Giỏi", False), (HTXS, "Giỏi", True)]:
        with pytest.raises(ValidationFailed) as caught:
            grading.outstanding_award(result, justification=justification, recognised_by_class=recognised, on=on)
        assert caught.value.code == "award_not_justified"
    assert grading.adhoc_award("  Giải Nhất   Hội khỏe Phù Đổng ", on).title == "Giải Nhất Hội khỏe Phù Đổng"
    with pytest.raises(ValidationFailed) as caught:
        grading.adhoc_award("  ", on)
    assert caught.value.code == "award_title_missing"


@pytest.mark.parametrize(
    ("subject", "competency", "expected"),
    [({}, {}, HTXS), ({"math": "H"}, {}, HT), ({}, {"honesty": "Đ"}, HT), ({"math": "C"}, {}, CHT)],
)
def test_no_tested_subject_means_no_score_limit(
    subject: dict[str, str], competency: dict[str, str], expected: str
) -> None:
    year = YearValues(
        grade=1,
        subjects=["math", "music"],
        tested=[],
        competencies=["honesty"],
        subject_ratings={"math": "T", "music": "T"} | subject,
        competency_ratings={"honesty": "T"} | competency,
    )
    outcome = grading.year_result(year)
    assert (outcome.result, outcome.lowest_score) == (expected, None)
