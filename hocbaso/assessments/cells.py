"""Validating one cell's value, as pure functions (no ORM): ratings and test scores.

Each refusal is a ``ValidationFailed`` with a stable code and a message for the teacher.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

if TYPE_CHECKING:
    from hocbaso.curriculum.catalogue import GradeCatalogue, Item

RATINGS = {"subject": ("T", "H", "C"), "competency": ("T", "Đ", "C")}
_ALIASES = {"D": "Đ", "Ð": "Đ"}  # a plain D, or the Icelandic eth some keyboards produce
# Thông tư 27 Điều 7: "cho điểm theo thang điểm 10, không cho điểm thập phân". Unlike Thông tư
# 22/2016 it does not forbid a 0, so the primary scale is 0..10 with no decimals — the data file's
# "score" scale, which a later level (lower secondary: one decimal) changes as data.
PRIMARY_SCORE_SCALE: Mapping[str, int] = {"min": 0, "max": 10, "decimals": 0}
SCORE_MIN, SCORE_MAX = PRIMARY_SCORE_SCALE["min"], PRIMARY_SCORE_SCALE["max"]
_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[0-9]*[.,][0-9]+)")


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


def validate_score(raw: Any, *, field: str | None = None, scale: Mapping[str, int] | None = None) -> int | Decimal:
    """A periodic test score on ``scale`` (default the primary one: a whole number from 0 to 10).

    Accepts an int, a float or Decimal, or text like " 8 ", "８" or "8,0" (NFKC-normalised); with
    ``decimals == 0`` returns an int and refuses 8.5 / "8,5" (``score_not_integer``); otherwise returns
    a Decimal with that many places and refuses more (``score_too_precise``). Refuses text that is
    not a number, booleans and other types (``score_not_integer``) and values outside
    ``min..max`` (``score_out_of_range``)."""
    scale = scale or PRIMARY_SCORE_SCALE
    low, high, decimals = scale["min"], scale["max"], scale.get("decimals", 0)
    not_number = ValidationFailed(
        _("The score must be a number from %(min)s to %(max)s.") % {"min": low, "max": high},
        code="score_not_integer",
        field=field,
    )
    value: Decimal
    if isinstance(raw, bool):
        raise not_number
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float | Decimal):
        value = Decimal(str(raw)) if isinstance(raw, float) else raw
        if not value.is_finite():
            raise not_number
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()  # NFKC: full-width digits become ASCII
        if not _NUMBER.fullmatch(text):
            raise not_number
        value = Decimal(text.replace(",", "."))
    else:
        raise not_number
    step = Decimal(1).scaleb(-decimals)
    if value != value.quantize(step):
        if decimals == 0:
            raise ValidationFailed(
                _("The score must be a whole number (no decimals): %(value)s.") % {"value": raw},
                code="score_not_integer",
                field=field,
            )
        raise ValidationFailed(
            _("The score has at most %(n)d decimal places: %(value)s.") % {"n": decimals, "value": raw},
            code="score_too_precise",
            field=field,
        )
    if not low <= value <= high:
        raise ValidationFailed(
            _("The score must be between %(min)s and %(max)s (got %(value)s).")
            % {"min": low, "max": high, "value": raw},
            code="score_out_of_range",
            field=field,
        )
    return int(value) if decimals == 0 else value.quantize(step)


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
        return validate_score(raw, field=name, scale=catalogue.scales.get("score"))
    if field == "rating":
        return validate_rating(raw, "subject" if item.kind == "subject" else "competency", field=name)
    raise ValidationFailed(_("Unknown field %(field)s.") % {"field": field}, code="field_unknown", field=name)
