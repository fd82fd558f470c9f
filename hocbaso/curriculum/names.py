"""Names of subjects and assessment points straight from the curriculum data files (part of the
code, so no query is needed): what pages show instead of ``math`` or ``year_end``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def _names() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {"subject": {}, "point": {}, "point_short": {}, "competency": {}}
    for path in sorted(DATA.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for subject in data.get("subjects", []):
            found["subject"].setdefault(subject["code"], subject["name"])
        for point in data.get("points", []):
            found["point"].setdefault(point["code"], point["name"])
            found["point_short"].setdefault(point["code"], point.get("short") or point["name"])
        for competency in data.get("competencies", []):
            found["competency"].setdefault(competency["code"], competency["name"])
    return found


def subject_name(code: str) -> str | None:
    """ "Toán" for ``math``; None for a code no curriculum has."""
    return _names()["subject"].get(code)


def point_name(code: str) -> str | None:
    """ "Cuối năm học" for ``year_end``."""
    return _names()["point"].get(code)


def competency_name(code: str) -> str | None:
    return _names()["competency"].get(code)
