"""Year results: what the rules of ``grading`` read for one student (the writes that compute,
decide and award are in ``actions``)."""

from __future__ import annotations

from dataclasses import dataclass

from hocbaso.assessments import grading
from hocbaso.assessments.catalogue import GradeCatalogue
from hocbaso.assessments.models import AssessmentEntry, Point


@dataclass(frozen=True)
class Computed:
    student_id: int
    result: str  # "" when blocked
    missing: list[str]  # messages naming the missing cells
    missing_cells: tuple[str, ...] = ()  # the same cells as "kind:code:field", in the same order


def year_values(
    catalogue: GradeCatalogue, entries: dict[tuple[str, str], AssessmentEntry], taken: set[str], individual_plan: bool
) -> grading.YearValues:
    subjects = [i.code for i in catalogue.subjects if not i.optional or i.code in taken]
    return grading.YearValues(
        grade=catalogue.grade,
        subjects=subjects,
        tested=[code for code in subjects if catalogue.has_test(code, Point.YEAR_END)],
        competencies=[i.code for i in catalogue.competencies],
        subject_ratings={code: e.rating for (kind, code), e in entries.items() if kind == "subject"},
        scores={code: e.score for (kind, code), e in entries.items() if kind == "subject"},
        competency_ratings={code: e.rating for (kind, code), e in entries.items() if kind == "competency"},
        individual_plan=individual_plan,
        names={i.code: i.name for i in catalogue.items},
    )
