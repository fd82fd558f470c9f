"""The curriculum catalogue for a class (grade and the version in force for its year)."""

from __future__ import annotations

from hocbaso.curriculum.catalogue import GradeCatalogue, Item, catalogue_for, version_for_year
from hocbaso.directory.models import ClassGroup

__all__ = ["GradeCatalogue", "Item", "catalogue_for_class", "grade_catalogue"]


def grade_catalogue(school_year: str, grade: int) -> GradeCatalogue:
    return catalogue_for(version_for_year(school_year), grade)


def catalogue_for_class(class_group: ClassGroup) -> GradeCatalogue:
    return grade_catalogue(class_group.school_year.code, class_group.grade)
