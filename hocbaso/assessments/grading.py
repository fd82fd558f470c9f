"""Thông tư 27/2020 arithmetic as pure functions (no ORM): the year result from year-end
values, completion, remediation and award proposals.

- **Hoàn thành xuất sắc** (``htxs``): every subject/activity T, every quality and competency T,
  every year-end test ≥ 9.
- **Hoàn thành tốt** (``htt``): not the above; every subject T, every quality/competency T,
  every year-end test ≥ 7.
- **Hoàn thành** (``ht``): not the above; every subject T or H, every quality/competency T or Đ,
  every year-end test ≥ 5.
- **Chưa hoàn thành** (``cht``): every other case.

Only year-end (CN) values enter; after a summer re-assessment its values replace the year-end
ones for the items re-assessed. A missing rating or required score blocks the computation with
the cell named. Students on an individual education plan are not classified automatically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

HTXS, HTT, HT, CHT, NOT_CLASSIFIED = "htxs", "htt", "ht", "cht", "not_classified"
COMPLETED = (HTXS, HTT, HT)


class MissingCell(ValidationFailed):
    """A value the rule needs is missing; ``field`` names the cell as ``kind:code:field``."""

    code = "cell_missing"


@dataclass(frozen=True)
class YearValues:
    """One student's year-end values and what the curriculum requires of them."""

    grade: int
    subjects: Sequence[str]  # every subject/activity the student is assessed in (optional ones taken included)
    tested: Sequence[str]  # subjects with a year-end test in this grade
    competencies: Sequence[str]
    subject_ratings: Mapping[str, str] = field(default_factory=dict)
    scores: Mapping[str, int | None] = field(default_factory=dict)
    competency_ratings: Mapping[str, str] = field(default_factory=dict)
    individual_plan: bool = False
    names: Mapping[str, str] = field(default_factory=dict)  # code → name, for messages


@dataclass(frozen=True)
class Outcome:
    result: str
    lowest_score: int | None


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
                )
            )
    for code in values.tested:
        if values.scores.get(code) is None:
            found.append(
                MissingCell(
                    _("%(name)s: the end-of-year test score is missing.") % {"name": _name(values, code)},
                    field=f"subject:{code}:score",
                )
            )
    for code in values.competencies:
        if not values.competency_ratings.get(code):
            found.append(
                MissingCell(
                    _("%(name)s: the end-of-year rating is missing.") % {"name": _name(values, code)},
                    field=f"competency:{code}:rating",
                )
            )
    return found


def year_result(values: YearValues) -> Outcome:
    """The year result; raises the first ``MissingCell`` when a needed value is absent."""
    if values.individual_plan:
        return Outcome(NOT_CLASSIFIED, None)
    missing = missing_cells(values)
    if missing:
        raise missing[0]
    subjects = {values.subject_ratings[code] for code in values.subjects}
    competencies = {values.competency_ratings[code] for code in values.competencies}
    scores = [values.scores[code] for code in values.tested]
    lowest = min((s for s in scores if s is not None), default=None)
    floor = 10 if lowest is None else lowest
    if subjects <= {"T"} and competencies <= {"T"}:
        if floor >= 9:
            return Outcome(HTXS, lowest)
        if floor >= 7:
            return Outcome(HTT, lowest)
    if subjects <= {"T", "H"} and competencies <= {"T", "Đ"} and floor >= 5:
        return Outcome(HT, lowest)
    return Outcome(CHT, lowest)


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


def completion(grade: int, result: str, decision: str = "") -> str:
    """Section 6 of the year page (Điều 10-11): what the student completed or what was decided."""
    if result in COMPLETED:
        return "Hoàn thành chương trình tiểu học" if grade == 5 else f"Hoàn thành chương trình lớp {grade}"
    if result == NOT_CLASSIFIED:
        return "Đánh giá theo kế hoạch giáo dục cá nhân"
    if decision == "promoted":
        return "Được lên lớp"
    if decision == "retained":
        return "Ở lại lớp"
    return "Chưa hoàn thành chương trình lớp học; rèn luyện trong hè"


def needs_decision(first_result: str, result: str, remediation_done: bool) -> bool:
    """After CHT and the summer re-assessment, still not completed: the principal decides."""
    return first_result == CHT and remediation_done and result == CHT


def proposed_awards(result: str) -> list[str]:
    """Awards proposed automatically: only "Học sinh Xuất sắc", for HTXS. "Học sinh Tiêu biểu…"
    is never automatic: it needs the teacher's justification and the class's recognition."""
    return ["Học sinh Xuất sắc"] if result == HTXS else []


def can_be_outstanding(result: str, *, justification: str, recognised_by_class: bool) -> bool:
    """ "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện": HTT with a justification
    of outstanding achievement or clear progress, recognised by the class."""
    return result == HTT and bool(justification.strip()) and recognised_by_class


def last_score(attempts: Sequence[int]) -> int | None:
    """After retests the record shows the last score; every attempt stays in the history."""
    return attempts[-1] if attempts else None
