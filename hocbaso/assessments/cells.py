"""Validating one cell's value, as pure functions (no ORM): ratings and test scores.

Each refusal is a ``ValidationFailed`` with a stable code and a message for the teacher.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

RATINGS = {"subject": ("T", "H", "C"), "competency": ("T", "Đ", "C")}
_ALIASES = {"D": "Đ", "Ð": "Đ"}  # a plain D, or the Icelandic eth some keyboards produce
SCORE_MIN, SCORE_MAX = 0, 10


def validate_rating(raw: Any, scale: str) -> str:
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
        )
    return text


def validate_score(raw: Any) -> int:
    """A periodic test score: a whole number from 0 to 10 (Thông tư 27: no decimals)."""
    if isinstance(raw, bool):
        raise ValidationFailed(_("The score must be a whole number from 0 to 10."), code="score_not_integer")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValidationFailed(
                _("The score must be a whole number (no decimals): %(value)s.") % {"value": raw},
                code="score_not_integer",
            )
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if not text.lstrip("-").isdigit():
            code = "score_not_integer"
            if text.replace(",", ".").replace(".", "", 1).lstrip("-").isdigit():
                message = _("The score must be a whole number (no decimals): %(value)s.") % {"value": text}
            else:
                message = _("The score must be a whole number from 0 to 10.")
            raise ValidationFailed(message, code=code)
        raw = int(text)
    if not isinstance(raw, int):
        raise ValidationFailed(_("The score must be a whole number from 0 to 10."), code="score_not_integer")
    if not SCORE_MIN <= raw <= SCORE_MAX:
        raise ValidationFailed(
            _("The score must be between 0 and 10 (got %(value)d).") % {"value": raw}, code="score_out_of_range"
        )
    return raw
