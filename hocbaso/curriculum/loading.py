"""Loading curriculum data files into the tables, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hocbaso.curriculum.catalogue import GradeCatalogue, Item, PointInfo

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str) -> dict[str, Any]:
    """The data file ``data/<name>.json`` (e.g. ``read("gdpt2018-primary")``)."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def catalogue_from_data(data: dict[str, Any], grade: int) -> GradeCatalogue:
    """The catalogue of ``grade`` built straight from a data file, without the database: the same
    value ``catalogue_for`` returns once the file is loaded (tests and benchmarks use it)."""
    items = [
        Item("subject", s["code"], s["name"], s["short"], grade in s.get("optional_grades", []))
        for s in data["subjects"]
        if grade in s.get("grades", []) or grade in s.get("optional_grades", [])
    ]
    items += [
        Item("competency", c["code"], c["name"], c["short"], group=c["group"])
        for c in data["competencies"]
        if grade in c["grades"]
    ]
    tests = frozenset(
        (code, point)
        for rule in data["tests"]
        if grade in rule["grades"]
        for point in rule["points"]
        for code in rule["subjects"]
    )
    points = tuple(PointInfo(p["code"], p["name"], p["short"]) for p in data["points"])
    return GradeCatalogue(data["code"], grade, tuple(items), tests, dict(data["scales"]), points=points)


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
    points = {}
    for order, spec in enumerate(data["points"], start=1):
        models.AssessmentPoint.objects.filter(version=version, order=order).exclude(code=spec["code"]).delete()
        points[spec["code"]], _created = models.AssessmentPoint.objects.update_or_create(
            version=version,
            code=spec["code"],
            defaults={"name": spec["name"], "short_name": spec["short"], "order": order},
        )
    models.AssessmentPoint.objects.filter(version=version).exclude(code__in=list(points)).delete()
    wanted_cells = {
        (code, grade, point)
        for rule in data["tests"]
        for grade in rule["grades"]
        for point in rule["points"]
        for code in rule["subjects"]
    }
    existing = {
        (cell.subject.code, cell.grade, cell.point.code): cell.pk
        for cell in models.TestCell.objects.filter(subject__version=version).select_related("subject", "point")
    }
    models.TestCell.objects.filter(pk__in=[pk for key, pk in existing.items() if key not in wanted_cells]).delete()
    models.TestCell.objects.bulk_create(
        [
            models.TestCell(subject=subjects[code], grade=grade, point=points[point])
            for code, grade, point in sorted(wanted_cells - set(existing))
        ]
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
    """Load every data file (idempotent: running it again changes nothing)."""
    for path in sorted(DATA_DIR.glob("*.json")):
        load(read(path.stem), models)


def load_curriculum() -> None:
    """Load (or refresh) every curriculum data file into the tables and drop cached catalogues."""
    from hocbaso.curriculum.catalogue import clear_cache

    load_all()
    clear_cache()
