"""Validating one cell write (pure: the catalogue comes from the data file, no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from hocbaso.assessments import cells
from hocbaso.core.errors import ValidationFailed
from hocbaso.curriculum.catalogue import GradeCatalogue
from hocbaso.curriculum.loading import catalogue_from_data, read

DATA = read("gdpt2018-primary")


def catalogue(grade: int) -> GradeCatalogue:
    return catalogue_from_data(DATA, grade)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, 0), (10, 10), (7, 7), ("8", 8), (" 9 ", 9), ("＋5", 5), ("１０", 10), (6.0, 6), ("0", 0)],
)
def test_scores_accepted(raw: Any, expected: int) -> None:
    assert cells.validate_score(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (8.5, "score_not_integer"),
        ("8.5", "score_not_integer"),
        ("8,5", "score_not_integer"),
        (",5", "score_not_integer"),
        ("abc", "score_not_integer"),
        ("--1", "score_not_integer"),
        ("½", "score_not_integer"),
        (True, "score_not_integer"),
        ([8], "score_not_integer"),
        (11, "score_out_of_range"),
        ("11", "score_out_of_range"),
        (-1, "score_out_of_range"),
        ("-1", "score_out_of_range"),
        (10.0 + 1, "score_out_of_range"),
    ],
)
def test_scores_refused(raw: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_score(raw, field="subject:math:score")
    assert caught.value.code == code
    assert caught.value.field == "subject:math:score"
    assert str(caught.value.message)


def test_decimal_message_names_the_value() -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        cells.validate_score("8,5")
    assert str(caught.value.message) == "The score must be a whole number (no decimals): 8,5."


@pytest.mark.parametrize(
    ("raw", "scale", "expected"),
    [
        ("T", "subject", "T"),
        ("t", "subject", "T"),
        (" h ", "subject", "H"),
        ("c", "subject", "C"),
        ("đ", "competency", "Đ"),
        ("D", "competency", "Đ"),
        ("d", "competency", "Đ"),
        ("Ð", "competency", "Đ"),
        ("t", "competency", "T"),
        ("C", "competency", "C"),
    ],
)
def test_ratings_normalised(raw: str, scale: str, expected: str) -> None:
    assert cells.validate_rating(raw, scale) == expected


@pytest.mark.parametrize(
    ("raw", "scale"),
    [("Đ", "subject"), ("D", "subject"), ("H", "competency"), ("A", "subject"), ("TT", "competency"), ("5", "subject")],
)
def test_ratings_refused(raw: str, scale: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_rating(raw, scale, field="x")
    assert (caught.value.code, caught.value.field) == ("rating_invalid", "x")


@pytest.mark.parametrize(
    ("grade", "kind", "code", "field", "point", "studies", "error"),
    [
        (3, "subject", "science", "score", "year_end", True, "subject_not_in_grade"),
        (3, "subject", "science", "rating", "year_end", True, "subject_not_in_grade"),
        (1, "subject", "history_geography", "rating", "end1", True, "subject_not_in_grade"),
        (4, "subject", "nature_society", "rating", "end1", True, "subject_not_in_grade"),
        (2, "competency", "informatics", "rating", "end1", True, "subject_not_in_grade"),
        (2, "subject", "vietnamese", "score", "mid1", True, "score_cell_not_in_matrix"),
        (3, "subject", "math", "score", "mid2", True, "score_cell_not_in_matrix"),
        (4, "subject", "science", "score", "mid1", True, "score_cell_not_in_matrix"),
        (5, "subject", "music", "score", "year_end", True, "score_cell_not_in_matrix"),
        (1, "subject", "foreign_language_1", "score", "year_end", True, "score_cell_not_in_matrix"),
        (5, "subject", "ethnic_language", "score", "end1", True, "score_cell_not_in_matrix"),
        (5, "competency", "language", "score", "year_end", True, "score_cell_not_in_matrix"),
        (1, "subject", "foreign_language_1", "rating", "end1", False, "subject_not_studied"),
        (4, "subject", "ethnic_language", "rating", "year_end", False, "subject_not_studied"),
        (4, "subject", "ethnic_language", "rating", "year_end", True, None),
        (1, "subject", "foreign_language_1", "rating", "end1", True, None),
        (3, "subject", "foreign_language_1", "rating", "end1", False, None),  # compulsory from grade 3
        (3, "subject", "informatics_technology", "score", "end1", True, None),
        (4, "subject", "math", "score", "mid1", True, None),
        (5, "subject", "science", "score", "year_end", True, None),
        (1, "subject", "vietnamese", "score", "end1", True, None),
        (3, "competency", "technology", "rating", "mid1", True, None),
    ],
)
def test_cell_in_catalogue(
    grade: int, kind: str, code: str, field: str, point: str, studies: bool, error: str | None
) -> None:
    if error is None:
        assert cells.check_cell(catalogue(grade), kind, code, field, point, studies=studies).code == code
        return
    with pytest.raises(ValidationFailed) as caught:
        cells.check_cell(catalogue(grade), kind, code, field, point, studies=studies)
    assert caught.value.code == error
    assert caught.value.field == f"{kind}:{code}:{field}"


@pytest.mark.parametrize(
    ("kind", "code", "field", "point", "raw", "expected"),
    [
        ("subject", "math", "score", "year_end", " 7", 7),
        ("subject", "math", "score", "year_end", "", None),
        ("subject", "math", "rating", "year_end", "h", "H"),
        ("subject", "math", "rating", "year_end", None, ""),
        ("competency", "honesty", "rating", "mid1", "d", "Đ"),
    ],
)
def test_validate_value(kind: str, code: str, field: str, point: str, raw: Any, expected: Any) -> None:
    assert cells.validate_value(catalogue(5), kind, code, field, point, raw) == expected


def test_validate_value_names_the_cell() -> None:
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_value(catalogue(5), "competency", "honesty", "rating", "mid1", "H")
    assert (caught.value.code, caught.value.field) == ("rating_invalid", "competency:honesty:rating")
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_value(catalogue(5), "subject", "math", "grade", "mid1", "H")
    assert caught.value.code == "field_unknown"


@pytest.mark.parametrize(
    ("raw", "expected"), [("8,0", 8), ("8.0", 8), (Decimal("7"), 7), (float("nan"), "score_not_integer")]
)
def test_primary_scale_edge_values(raw: Any, expected: int | str) -> None:
    if isinstance(expected, int):
        assert cells.validate_score(raw) == expected
        assert type(cells.validate_score(raw)) is int
        return
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_score(raw)
    assert caught.value.code == expected


ONE_DECIMAL = {"min": 0, "max": 10, "decimals": 1}  # as lower secondary would declare it in its data file


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8,5", Decimal("8.5")),
        (8.5, Decimal("8.5")),
        (8, Decimal("8.0")),
        ("10", Decimal("10.0")),
        ("8,55", "score_too_precise"),
        (10.5, "score_out_of_range"),
        ("abc", "score_not_integer"),
    ],
)
def test_a_decimal_scale_is_data(raw: Any, expected: Decimal | str) -> None:
    if isinstance(expected, Decimal):
        assert cells.validate_score(raw, scale=ONE_DECIMAL) == expected
        return
    with pytest.raises(ValidationFailed) as caught:
        cells.validate_score(raw, scale=ONE_DECIMAL)
    assert caught.value.code == expected
