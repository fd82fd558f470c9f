"""Loading curriculum data files into the tables, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def load(data: dict[str, Any], models: Any = None) -> None:
    """Create or update one version from its data (``models`` lets migrations pass historical models)."""
    if models is None:
        from hocbaso.curriculum import models as current

        models = current
    version, _created = models.CurriculumVersion.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "level": data["level"],
            "valid_from_year": data["valid_from_year"],
            "scales": data["scales"],
        },
    )
    subjects = {}
    for order, spec in enumerate(data["subjects"], start=1):
        subject, _created = models.Subject.objects.update_or_create(
            version=version,
            code=spec["code"],
            defaults={"name": spec["name"], "short_name": spec["short"], "kind": spec["kind"], "order": order},
        )
        subjects[spec["code"]] = subject
        wanted = dict.fromkeys(spec.get("grades", []), False) | dict.fromkeys(spec.get("optional_grades", []), True)
        models.GradeSubject.objects.filter(subject=subject).exclude(grade__in=list(wanted)).delete()
        for grade, optional in wanted.items():
            models.GradeSubject.objects.update_or_create(subject=subject, grade=grade, defaults={"optional": optional})
    cells = {
        (code, grade, point)
        for rule in data["tests"]
        for grade in rule["grades"]
        for point in rule["points"]
        for code in rule["subjects"]
    }
    models.TestCell.objects.filter(subject__version=version).delete()
    models.TestCell.objects.bulk_create(
        [models.TestCell(subject=subjects[code], grade=grade, point=point) for code, grade, point in sorted(cells)]
    )
    for order, spec in enumerate(data["competencies"], start=1):
        models.Competency.objects.update_or_create(
            version=version,
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "short_name": spec["short"],
                "group": spec["group"],
                "grades": spec["grades"],
                "order": order,
            },
        )


def load_all(models: Any = None) -> None:
    for path in sorted(DATA_DIR.glob("*.json")):
        load(read(path.stem), models)
