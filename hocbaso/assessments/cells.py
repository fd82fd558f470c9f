"""Validating one cell's value, as pure functions (no ORM): ratings and test scores.

Each refusal is a ``ValidationFailed`` with a stable code and a message for the teacher.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

if TYPE_CHECKING:
    from hocbaso.curriculum.catalogue import GradeCatalogue, Item

RATINGS = {"subject": ("T", "H", "C"), "competency": ("T", "Đ", "C")}
_ALIASES = {"D": "Đ", "Ð": "Đ"}  # a plain D, or the Icelandic eth some keyboards produce
# Thông tư 27 Điều 7: "cho điểm theo thang điểm 10, không cho điểm thập phân". Unlike Thông tư
# 22/2016 it does not forbid a 0, so the scale is 0..10 (the data file's "score" scale says so too).
SCORE_MIN, SCORE_MAX = 0, 10
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*[.,][0-9]+")


def validate_rating(raw: Any, scale: str, *, field: str | None = None) -> str:
    """The rating letter for ``scale`` ("subject": T/H/C, "competency": T/Đ/C), upper-cased."""
    text = unicodedata.normalize("NFC", str(raw)).strip().upper()
    if scale == "competency":
        text = _ALIASES.get(text, text)
    allowed = RATINGS[scale]
    if text not in allowed:
        raise ValidationFailed(
            _("Rating “%(value)s” is not allowed here; use %(allowed)s.")
            % {"value": raw, "allowed": "/".join(allowed)},
            code="rating_invalid",
            field=field,
        )
    return text


def validate_score(raw: Any, *, field: str | None = None) -> int:
    """A periodic test score: a whole number from 0 to 10 (Thông tư 27: no decimals). Accepts an
    int, an integral float, or text like " 8 "; refuses 8.5, "8,5", 11, -1, "abc", True."""
    if isinstance(raw, bool):
        raise ValidationFailed(
            _("The score must be a whole number from 0 to 10."), code="score_not_integer", field=field
        )
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValidationFailed(
                _("The score must be a whole number (no decimals): %(value)s.") % {"value": raw},
                code="score_not_integer",
                field=field,
            )
        raw = int(raw)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()  # NFKC: full-width digits become ASCII
        if not _INTEGER.fullmatch(text):
            message: str | Promise
            if _DECIMAL.fullmatch(text):
                message = _("The score must be a whole number (no decimals): %(value)s.") % {"value": text}
            else:
                message = _("The score must be a whole number from 0 to 10.")
            raise ValidationFailed(message, code="score_not_integer", field=field)
        raw = int(text)
    if not isinstance(raw, int):
        raise ValidationFailed(
            _("The score must be a whole number from 0 to 10."), code="score_not_integer", field=field
        )
    if not SCORE_MIN <= raw <= SCORE_MAX:
        raise ValidationFailed(
            _("The score must be between 0 and 10 (got %(value)d).") % {"value": raw},
            code="score_out_of_range",
            field=field,
        )
    return raw


def check_cell(
    catalogue: GradeCatalogue, kind: str, code: str, field: str, point: str, *, studies: bool = True
) -> Item:
    """The curriculum item a write to ``kind:code:field`` at ``point`` targets, or a refusal:
    ``subject_not_in_grade`` (not assessed in this grade), ``subject_not_studied`` (an optional
    subject the student does not take: pass ``studies=False``), ``score_cell_not_in_matrix`` (a
    score where the test matrix has no cell, e.g. Khoa học in grade 3 or GHK1 in grade 2)."""
    name = f"{kind}:{code}:{field}"
    item = catalogue.item(kind, code)
    if item is None:
        raise ValidationFailed(
            _("%(code)s is not assessed in grade %(grade)d.") % {"code": code, "grade": catalogue.grade},
            code="subject_not_in_grade",
            field=name,
        )
    if item.optional and not studies:
        raise ValidationFailed(
            _("This student does not take the optional subject %(name)s.") % {"name": item.name},
            code="subject_not_studied",
            field=name,
        )
    if field == "score" and (kind != "subject" or not catalogue.has_test(code, point)):
        raise ValidationFailed(
            _("There is no periodic test for %(name)s at this point in grade %(grade)d.")
            % {"name": item.name, "grade": catalogue.grade},
            code="score_cell_not_in_matrix",
            field=name,
        )
    return item


def validate_value(
    catalogue: GradeCatalogue, kind: str, code: str, field: str, point: str, raw: Any, *, studies: bool = True
) -> Any:
    """One rating or score write, checked against the catalogue and normalised (rating letter or
    integer score); an empty value clears the cell (``""`` for a rating, ``None`` for a score)."""
    item = check_cell(catalogue, kind, code, field, point, studies=studies)
    name = f"{kind}:{code}:{field}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None if field == "score" else ""
    if field == "score":
        return validate_score(raw, field=name)
    if field == "rating":
        return validate_rating(raw, "subject" if item.kind == "subject" else "competency", field=name)
    raise ValidationFailed(_("Unknown field %(field)s.") % {"field": field}, code="field_unknown", field=name)
