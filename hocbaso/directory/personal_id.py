"""Mã định danh cá nhân (personal ID) rules, as pure functions (domain.md §3).

Twelve digits: province code of birth registration (3) + century-and-gender digit (1) + last
two digits of the birth year (2) + six random digits. There is no check digit. A malformed
value is refused; a value that disagrees with the student's gender or birth year is accepted
with warnings, because the registry, not our data entry, is the authority on the number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

_PATTERN = re.compile(r"^\d{12}$")

# Century-and-gender digit: (first year of century, gender code per QCVN 109: 1 male, 2 female).
CENTURY_GENDER: dict[int, tuple[int, int]] = {
    0: (1900, 1),
    1: (1900, 2),
    2: (2000, 1),
    3: (2000, 2),
    4: (2100, 1),
    5: (2100, 2),
    6: (2200, 1),
    7: (2200, 2),
    8: (2300, 1),
    9: (2300, 2),
}


@dataclass(frozen=True)
class IdWarning:
    """A stored, visible warning; ``code`` is stable, ``message`` translated."""

    code: str
    message: str


def normalise(raw: str | None) -> str:
    """The ID with spaces removed; '' when absent."""
    return "".join((raw or "").split())


def validate_format(raw: str | None) -> str:
    """Return the normalised ID or raise ``ValidationFailed`` (code ``personal_id_format``)."""
    value = normalise(raw)
    if not value:
        return ""
    if not _PATTERN.match(value):
        raise ValidationFailed(
            _("The personal ID must be exactly 12 digits (you entered %(length)d characters: %(value)s).")
            % {"length": len(value), "value": value},
            code="personal_id_format",
            field="personal_id",
        )
    if int(value[:3]) == 0:
        raise ValidationFailed(
            _("The personal ID cannot start with 000: the first three digits are the province code."),
            code="personal_id_province",
            field="personal_id",
        )
    return value


def consistency_warnings(personal_id: str, *, gender: int, date_of_birth: dt.date | None) -> list[IdWarning]:
    """Warnings for a well-formed ID that disagrees with gender, century or birth year."""
    if not personal_id:
        return []
    warnings: list[IdWarning] = []
    century_start, id_gender = CENTURY_GENDER[int(personal_id[3])]
    if gender in (1, 2) and gender != id_gender:
        warnings.append(
            IdWarning(
                "personal_id_gender",
                str(_("The 4th digit of the personal ID indicates a different gender from the student's.")),
            )
        )
    if date_of_birth is not None:
        id_year = century_start + int(personal_id[4:6])
        if date_of_birth.year - date_of_birth.year % 100 != century_start:
            warnings.append(
                IdWarning(
                    "personal_id_century",
                    str(
                        _("The 4th digit of the personal ID indicates a birth century other than %(year)d's.")
                        % {"year": date_of_birth.year}
                    ),
                )
            )
        elif id_year != date_of_birth.year:
            warnings.append(
                IdWarning(
                    "personal_id_birth_year",
                    str(
                        _(
                            "Digits 5-6 of the personal ID give birth year %(id_year)d, "
                            "but the student was born in %(year)d."
                        )
                        % {"id_year": id_year, "year": date_of_birth.year}
                    ),
                )
            )
    return warnings


def make_personal_id(*, province_code: str, gender: int, year: int, serial: int) -> str:
    """Build a consistent ID (used by demo data and tests)."""
    century = year - year % 100
    digit = next(d for d, (c, g) in CENTURY_GENDER.items() if c == century and g == (gender if gender in (1, 2) else 1))
    return f"{province_code}{digit}{year % 100:02d}{serial:06d}"
