"""The year page's other facts, as the homeroom teacher types them: days absent, height, weight and
the general comment (Thông tư 27, Phụ lục 1: "Số ngày nghỉ", "Chiều cao", "Cân nặng", "Nhận xét").

Pure rules, no database: each ``parse_*`` takes the text of one input and returns the value to
store (None for an empty input) or raises ``ValidationFailed`` with a stable code:

- days absent: a whole number 0-``MAX_DAYS_ABSENT`` (``days_absent_invalid``); a school year has
  at most 35 weeks of five days;
- height: whole centimetres ``HEIGHT_CM`` (``height_invalid``);
- weight: kilograms with at most one decimal, comma or point, ``WEIGHT_KG`` (``weight_invalid``);
- general comment: at most ``COMMENT_MAX`` characters after NFC (``general_comment_too_long``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed
from hocbaso.core.text import nfc

MAX_DAYS_ABSENT = 175
HEIGHT_CM = (60, 200)
WEIGHT_KG = (Decimal("10.0"), Decimal("120.0"))
COMMENT_MAX = 1000


def _text(value: object) -> str:
    return nfc(str(value if value is not None else "")).strip()


def parse_days_absent(value: object) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_DAYS_ABSENT:
        raise ValidationFailed(
            _("Days absent is a whole number from 0 to %(max)d.") % {"max": MAX_DAYS_ABSENT},
            code="days_absent_invalid",
        )
    return int(text)


def parse_height(value: object) -> int | None:
    text = _text(value)
    if not text:
        return None
    low, high = HEIGHT_CM
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationFailed(
            _("Height is whole centimetres from %(low)d to %(high)d.") % {"low": low, "high": high},
            code="height_invalid",
        )
    return int(text)


def parse_weight(value: object) -> Decimal | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    low, high = WEIGHT_KG
    try:
        weight = Decimal(text)
    except InvalidOperation:
        weight = None
    if (
        weight is None
        or not weight.is_finite()
        or weight != weight.quantize(Decimal("0.1"))
        or not low <= weight <= high
    ):
        raise ValidationFailed(
            _("Weight is kilograms with at most one decimal, from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="weight_invalid",
        )
    return weight.quantize(Decimal("0.1"))


def parse_comment(value: object) -> str:
    text = _text(value)
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("The general comment has at most %(n)d characters.") % {"n": COMMENT_MAX},
            code="general_comment_too_long",
        )
    return text


PARSERS = {
    "days_absent": parse_days_absent,
    "height_cm": parse_height,
    "weight_kg": parse_weight,
    "general_comment": parse_comment,
}
