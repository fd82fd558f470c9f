import datetime as dt

import pytest

from hocbaso.core.errors import ValidationFailed
from hocbaso.directory import personal_id as pid


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("05121800147", "personal_id_format"),  # 11 digits
        ("0512180014712", "personal_id_format"),  # 13 digits
        ("05121800147A", "personal_id_format"),  # a letter
        ("051-218-001-471", "personal_id_format"),  # dashes are not digits
        ("000218001471", "personal_id_province"),
    ],
)
def test_malformed_ids_are_refused(raw: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        pid.validate_format(raw)
    assert caught.value.code == code
    assert caught.value.field == "personal_id"


@pytest.mark.parametrize(
    ("raw", "expected"), [("051218001471", "051218001471"), (" 0512 1800 1471 ", "051218001471"), ("", "")]
)
def test_well_formed_ids_are_normalised(raw: str, expected: str) -> None:
    assert pid.validate_format(raw) == expected


@pytest.mark.parametrize(
    ("personal_id", "gender", "born", "codes"),
    [
        ("051218001471", 1, dt.date(2018, 4, 1), []),
        ("051318001471", 2, dt.date(2018, 4, 1), []),
        ("051318001471", 1, dt.date(2018, 4, 1), ["personal_id_gender"]),
        ("051218001471", 2, dt.date(2018, 4, 1), ["personal_id_gender"]),
        ("051219001471", 1, dt.date(2018, 4, 1), ["personal_id_birth_year"]),
        ("051018001471", 1, dt.date(2018, 4, 1), ["personal_id_century"]),
        ("051118001471", 1, dt.date(2018, 4, 1), ["personal_id_gender", "personal_id_century"]),
        ("051218001471", 0, dt.date(2018, 4, 1), []),  # unknown gender: nothing to compare
        ("", 1, dt.date(2018, 4, 1), []),
    ],
)
def test_consistency_warnings(personal_id: str, gender: int, born: dt.date, codes: list[str]) -> None:
    assert [w.code for w in pid.consistency_warnings(personal_id, gender=gender, date_of_birth=born)] == codes


@pytest.mark.parametrize(("gender", "year"), [(1, 2018), (2, 2016), (1, 1999), (2, 2000)])
def test_made_ids_are_consistent(gender: int, year: int) -> None:
    made = pid.make_personal_id(province_code="051", gender=gender, year=year, serial=42)
    assert len(made) == 12
    assert pid.consistency_warnings(made, gender=gender, date_of_birth=dt.date(year, 6, 1)) == []
