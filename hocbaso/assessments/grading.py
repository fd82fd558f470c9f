"""Thông tư 27/2020 arithmetic as pure functions (no ORM): the year result from year-end
values, completion, remediation and award proposals.

- **Hoàn thành xuất sắc** (``htxs``): every subject/activity T, every quality and competency T,
  every year-end test ≥ 9.
- **Hoàn thành tốt** (``htt``): not the above; every subject T, every quality/competency T,
  every year-end test ≥ 7.
- **Hoàn thành** (``ht``): not the above; every subject T or H, every quality/competency T or Đ,
  every year-end test ≥ 5.
- **Chưa hoàn thành** (``cht``): every other case.

Only year-end (CN) values enter; after a summer re-assessment the result is recomputed with its
values laid over the year-end ones for the items re-assessed (both values stay stored and
printed side by side). A missing rating or required score blocks the computation with the cell
named. Students on an individual education plan are not classified automatically: the principal
records their completion (``plan_completed``). Grade 5 has no "lên lớp" (``check_decision``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

HTXS, HTT, HT, CHT, NOT_CLASSIFIED = "htxs", "htt", "ht", "cht", "not_classified"
COMPLETED = (HTXS, HTT, HT)
YEAR_END = "year_end"


class MissingCell(ValidationFailed):
    """A value the rule needs is missing; ``field`` names the cell as ``kind:code:field`` and
    ``params["point"]`` its assessment point (always ``year_end``: only CN values enter the rule)."""

    code = "cell_missing"


@dataclass(frozen=True)
class YearValues:
    """One student's year-end values and what the curriculum requires of them."""

    grade: int
    subjects: Sequence[str]  # every subject/activity the student is assessed in (optional ones taken included)
    tested: Sequence[str]  # subjects with a year-end test in this grade
    competencies: Sequence[str]
    subject_ratings: Mapping[str, str] = field(default_factory=dict)
    # code → score, or the attempts in order when there were retests (the last counts; all are kept)
    scores: Mapping[str, int | Sequence[int] | None] = field(default_factory=dict)
    competency_ratings: Mapping[str, str] = field(default_factory=dict)
    individual_plan: bool = False
    names: Mapping[str, str] = field(default_factory=dict)  # code → name, for messages


@dataclass(frozen=True)
class Outcome:
    """A year result, the lowest year-end score that entered it, and why it is not higher."""

    result: str
    lowest_score: int | None
    reasons: tuple[str, ...] = ()


def score_of(value: int | Sequence[int] | None) -> int | None:
    """The score that counts for a cell: the value itself, or the last attempt after retests."""
    if value is None or isinstance(value, int):
        return value
    return value[-1] if value else None


def _name(values: YearValues, code: str) -> str:
    return values.names.get(code, code)


def missing_cells(values: YearValues) -> list[MissingCell]:
    """Every missing value the rule needs, each naming its cell."""
    found: list[MissingCell] = []
    for code in values.subjects:
        if not values.subject_ratings.get(code):
            found.append(
                MissingCell(
                    _("%(name)s: the end-of-year rating is missing.") % {"name": _name(values, code)},
                    field=f"subject:{code}:rating",
                    point=YEAR_END,
                )
            )
    for code in values.tested:
        if score_of(values.scores.get(code)) is None:
            found.append(
                MissingCell(
                    _("%(name)s: the end-of-year test score is missing.") % {"name": _name(values, code)},
                    field=f"subject:{code}:score",
                    point=YEAR_END,
                )
            )
    for code in values.competencies:
        if not values.competency_ratings.get(code):
            found.append(
                MissingCell(
                    _("%(name)s: the end-of-year rating is missing.") % {"name": _name(values, code)},
                    field=f"competency:{code}:rating",
                    point=YEAR_END,
                )
            )
    return found


def year_result(values: YearValues) -> Outcome:
    """The year result (Điều 9) from year-end values; raises the first ``MissingCell`` when a
    needed value is absent. ``reasons`` name the values that kept the result below HTXS."""
    if values.individual_plan:
        return Outcome(NOT_CLASSIFIED, None, (str(_("Assessed on an individual education plan.")),))
    missing = missing_cells(values)
    if missing:
        raise missing[0]
    subject_ratings = values.subject_ratings
    competency_ratings = values.competency_ratings
    subjects = {subject_ratings[code] for code in values.subjects}
    competencies = {competency_ratings[code] for code in values.competencies}
    scores = {code: score_of(values.scores[code]) for code in values.tested}
    lowest = min((s for s in scores.values() if s is not None), default=None)
    floor = 10 if lowest is None else lowest
    if subjects <= {"T"} and competencies <= {"T"}:
        if floor >= 9:
            return Outcome(HTXS, lowest)
        result = HTT if floor >= 7 else HT if floor >= 5 else CHT
    elif subjects <= {"T", "H"} and competencies <= {"T", "Đ"} and floor >= 5:
        result = HT
    else:
        result = CHT
    return Outcome(result, lowest, _reasons(values, scores))


def _reasons(values: YearValues, scores: Mapping[str, int | None]) -> tuple[str, ...]:
    """Each year-end value below the top level, named (only for results below HTXS)."""
    found: list[str] = []
    for code in values.subjects:
        rating = values.subject_ratings[code]
        if rating != "T":
            found.append(
                str(
                    _("%(name)s: rated %(rating)s at the end of the year.")
                    % {"name": _name(values, code), "rating": rating}
                )
            )
    for code in values.competencies:
        rating = values.competency_ratings[code]
        if rating != "T":
            found.append(
                str(
                    _("%(name)s: rated %(rating)s at the end of the year.")
                    % {"name": _name(values, code), "rating": rating}
                )
            )
    for code, score in scores.items():
        if score is not None and score < 9:
            found.append(
                str(_("%(name)s: end-of-year test score %(score)d.") % {"name": _name(values, code), "score": score})
            )
    return tuple(found)


def with_reassessment(values: YearValues, summer: YearValues) -> YearValues:
    """Year-end values with the summer re-assessment's values laid over them (first values are
    kept by the caller; this only builds what the rule reads)."""
    return YearValues(
        grade=values.grade,
        subjects=values.subjects,
        tested=values.tested,
        competencies=values.competencies,
        subject_ratings={**values.subject_ratings, **{k: v for k, v in summer.subject_ratings.items() if v}},
        scores={**values.scores, **{k: v for k, v in summer.scores.items() if v is not None}},
        competency_ratings={**values.competency_ratings, **{k: v for k, v in summer.competency_ratings.items() if v}},
        individual_plan=values.individual_plan,
        names=values.names,
    )


@dataclass(frozen=True)
class Completion:
    """Section 6 of the year page (Điều 10-11 and the project's decisions).

    ``completed_primary`` is None below grade 5 (nothing about the primary programme is printed);
    ``promoted`` is None in grade 5 (there is no "lên lớp" after grade 5: a completer is admissible
    to grade 6, a non-completer stays in grade 5) and while a decision is pending."""

    completed_grade: bool
    completed_primary: bool | None
    promoted: bool | None
    text: str


PROMOTED, RETAINED = "promoted", "retained"


def completion(grade: int, result: str, decision: str = "", *, plan_completed: bool | None = None) -> Completion:
    """What section 6 says. For a student on an individual education plan (``not_classified``)
    the principal's ``plan_completed`` stands for the result (None: not decided yet)."""
    if result == NOT_CLASSIFIED:
        if plan_completed is None:
            return Completion(
                False,
                False if grade == 5 else None,
                None,
                "Đánh giá theo kế hoạch giáo dục cá nhân; chờ hiệu trưởng xác nhận",
            )
        completed = plan_completed
    else:
        completed = result in COMPLETED
    primary = "chương trình tiểu học" if grade == 5 else f"chương trình lớp {grade}"
    if completed:
        return Completion(True, True if grade == 5 else None, None if grade == 5 else True, f"Hoàn thành {primary}")
    not_primary = False if grade == 5 else None
    if decision == RETAINED:
        return Completion(
            False, not_primary, None if grade == 5 else False, f"Chưa hoàn thành {primary}; ở lại lớp {grade}"
        )
    if decision == PROMOTED and grade < 5:
        return Completion(False, None, True, f"Chưa hoàn thành {primary}; được lên lớp {grade + 1}")
    return Completion(False, not_primary, None, f"Chưa hoàn thành {primary}; rèn luyện trong hè")


def needs_decision(first_result: str, result: str, remediation_done: bool, plan_completed: bool | None = None) -> bool:
    """The principal decides "lên lớp" / "ở lại lớp": after CHT and the summer re-assessment,
    still not completed; or for a student on an individual plan whose completion was refused."""
    if result == NOT_CLASSIFIED:
        return plan_completed is False
    return first_result == CHT and remediation_done and result == CHT


def allowed_decisions(grade: int) -> tuple[str, ...]:
    """Grade 5 has no "lên lớp": the only decision for a non-completer is "ở lại lớp"."""
    return (RETAINED,) if grade == 5 else (PROMOTED, RETAINED)


def check_decision(grade: int, decision: str) -> None:
    """Refuse a decision the grade does not allow (``decision_invalid``; in grade 5,
    ``decision_no_promotion_after_grade_5`` for "promoted")."""
    if decision == PROMOTED and grade == 5:
        raise ValidationFailed(
            _(
                "There is no promotion after grade 5: a student who has not completed "
                "the primary programme stays in grade 5."
            ),
            code="decision_no_promotion_after_grade_5",
            field="decision",
        )
    if decision not in allowed_decisions(grade):
        raise ValidationFailed(_("Choose promoted or repeats the grade."), code="decision_invalid", field="decision")


def proposed_awards(result: str) -> list[str]:
    """Awards proposed automatically to the principal (who confirms or declines; the computation
    never grants one): only "Học sinh Xuất sắc", for HTXS. "Học sinh Tiêu biểu…" is never
    automatic: it needs the teacher's justification and the class's recognition."""
    return ["Học sinh Xuất sắc"] if result == HTXS else []


def can_be_outstanding(result: str, *, justification: str, recognised_by_class: bool) -> bool:
    """ "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện": HTT with a justification
    of outstanding achievement or clear progress, recognised by the class."""
    return result == HTT and bool(justification.strip()) and recognised_by_class


def last_score(attempts: Sequence[int]) -> int | None:
    """After retests the record shows the last score; every attempt stays in the history."""
    return attempts[-1] if attempts else None


@dataclass(frozen=True)
class PrincipalDecision:
    """After remediation, still not completed: the principal's decision, with who and when."""

    decision: str  # PROMOTED | RETAINED
    by: str
    at: datetime


@dataclass(frozen=True)
class StudentYearInput:
    """Everything the rules need for one student's year: year-end values, the summer
    re-assessment's values (only the items re-assessed) and the principal's decision."""

    key: Hashable
    values: YearValues
    reassessed: YearValues | None = None
    decision: PrincipalDecision | None = None
    plan_completed: bool | None = None  # individual plan: the principal's completion decision


@dataclass(frozen=True)
class YearOutcome:
    """The first result (year-end values) and, after a re-assessment, the re-assessed one.

    ``result`` is what the record shows; ``decision_needed`` is true while a student still not
    completing after remediation awaits the principal; ``completion`` is section 6's text."""

    first: Outcome
    reassessed: Outcome | None
    decision: PrincipalDecision | None
    decision_needed: bool
    completion: Completion
    proposed_awards: tuple[str, ...]

    @property
    def result(self) -> str:
        return (self.reassessed or self.first).result


def evaluate(student: StudentYearInput) -> YearOutcome:
    """One student's year: first result, re-assessment after CHT, principal decision, completion
    text and automatic award proposals. Raises ``MissingCell`` naming the first missing cell;
    raises ``ValidationFailed`` for a re-assessment or decision that the rules do not allow."""
    first = year_result(student.values)
    reassessed: Outcome | None = None
    if student.reassessed is not None:
        if first.result != CHT:
            raise ValidationFailed(
                _("Only a student not completing the year is re-assessed in the summer."),
                code="reassessment_not_allowed",
            )
        reassessed = year_result(with_reassessment(student.values, student.reassessed))
    result = (reassessed or first).result
    waiting = needs_decision(first.result, result, reassessed is not None, student.plan_completed)
    decision = student.decision
    if decision is not None:
        if not waiting:
            raise ValidationFailed(
                _("A promotion decision is only taken after remediation for a student still not completing."),
                code="decision_not_needed",
            )
        check_decision(student.values.grade, decision.decision)
    return YearOutcome(
        first=first,
        reassessed=reassessed,
        decision=decision,
        decision_needed=waiting and decision is None,
        completion=completion(
            student.values.grade,
            result,
            decision.decision if decision else "",
            plan_completed=student.plan_completed,
        ),
        proposed_awards=tuple(proposed_awards(result)),
    )


def school_results(students: Iterable[StudentYearInput]) -> dict[Hashable, YearOutcome | MissingCell]:
    """``evaluate`` for every student of a school: each key maps to its outcome, or to the
    ``MissingCell`` that blocks it (a blocked student never stops the others)."""
    outcomes: dict[Hashable, YearOutcome | MissingCell] = {}
    for student in students:
        try:
            outcomes[student.key] = evaluate(student)
        except MissingCell as missing:
            outcomes[student.key] = missing
    return outcomes


EXCELLENT, OUTSTANDING, ADHOC = "excellent", "outstanding", "adhoc"
OUTSTANDING_TITLE = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"


@dataclass(frozen=True)
class Award:
    """A principal's giấy khen: kind, title as printed, date and, for "outstanding", its grounds."""

    kind: str
    title: str
    awarded_on: date
    justification: str = ""
    recognised_by_class: bool = False


def excellent_award(result: str, on: date) -> Award | None:
    """The automatic proposal: "Học sinh Xuất sắc" for HTXS, nothing otherwise."""
    return Award(EXCELLENT, "Học sinh Xuất sắc", on) if result == HTXS else None


def outstanding_award(result: str, *, justification: str, recognised_by_class: bool, on: date) -> Award:
    """ "Học sinh Tiêu biểu…": only for HTT, with the teacher's justification and the class's
    recognition (never proposed automatically); refused with ``award_not_justified`` otherwise."""
    if not can_be_outstanding(result, justification=justification, recognised_by_class=recognised_by_class):
        raise ValidationFailed(
            _(
                "“Outstanding student” needs a “completed well” result, "
                "the teacher's justification and the class's recognition."
            ),
            code="award_not_justified",
            field="justification",
        )
    return Award(OUTSTANDING, OUTSTANDING_TITLE, on, justification.strip(), True)


def adhoc_award(title: str, on: date) -> Award:
    """An ad-hoc award (khen thưởng đột xuất) with its own text and date."""
    text = " ".join(title.split())
    if not text:
        raise ValidationFailed(_("An award needs a title."), code="award_title_missing", field="title")
    return Award(ADHOC, text, on)
