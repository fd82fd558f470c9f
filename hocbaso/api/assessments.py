"""API v1: a class's assessments for a point — read them, write them (all or nothing).

The same action as the grid validates every cell; refusals come back as
``{"code": "invalid", "message", "field", "errors": [{"code", "message", "field"}]}`` with
``field = "<student>:<kind>:<code>:<field>"`` naming the cell.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema

from hocbaso.accounts.acting import acting_user
from hocbaso.assessments import actions
from hocbaso.assessments.models import AssessmentEntry, Point
from hocbaso.core.error_schema import documented, errors
from hocbaso.core.errors import NotFound
from hocbaso.directory.models import Enrolment
from hocbaso.directory.roles import Permission, classes_where

router = Router(tags=["assessments"])


class CellIn(Schema):
    student_id: int
    kind: str
    code: str
    field: str
    value: str | int | float | None = None


class WriteIn(Schema):
    cells: list[CellIn]


class CellOut(Schema):
    student_id: int
    kind: str
    code: str
    rating: str
    score: int | None
    comment: str


class ClassPointOut(Schema):
    class_id: int
    point: str
    students: list[int]
    cells: list[CellOut]


class WriteOut(Schema):
    saved: int
    changed: int


def _class(request: HttpRequest, class_id: int) -> Any:
    scope = classes_where(request.user, Permission.VIEW_ASSESSMENTS)  # never officers: children's ratings
    found = scope.select_related("school", "school_year").filter(pk=class_id).first()
    if found is None:
        raise NotFound("No class with this id is visible to you.", code="not_found", field="class_id")
    return found


def _point(point: str) -> str:
    if point not in Point.values:
        raise NotFound("Unknown assessment point.", code="point_unknown", field="point")
    return point


# Documented, not enforced by the framework: another value is the domain's 404 ``point_unknown``.
PointCode = Annotated[str, documented("string", enum=list(Point.values), description="Assessment point")]


@router.get("/classes/{class_id}/assessments/{point}", response={200: ClassPointOut, **errors(404)})
def read_class_point(request: HttpRequest, class_id: int, point: PointCode) -> dict[str, Any]:
    class_group = _class(request, class_id)
    point = _point(point)
    students = list(Enrolment.objects.filter(class_group=class_group).values_list("student_id", flat=True))
    entries = AssessmentEntry.objects.filter(
        school_year_id=class_group.school_year_id, point=point, student_id__in=students
    )
    return {
        "class_id": class_group.pk,
        "point": point,
        "students": students,
        "cells": [
            {
                "student_id": e.student_id,
                "kind": e.item_kind,
                "code": e.item_code,
                "rating": e.rating,
                "score": e.score,
                "comment": e.comment,
            }
            for e in entries.order_by("student_id", "item_kind", "item_code")
        ],
    }


@router.put("/classes/{class_id}/assessments/{point}", response={200: WriteOut, **errors(400, 403, 404, 409)})
def write_class_point(request: HttpRequest, class_id: int, payload: WriteIn, point: PointCode) -> dict[str, int]:
    class_group = _class(request, class_id)
    point = _point(point)
    writes = [actions.CellWrite(c.student_id, c.kind, c.code, c.field, c.value) for c in payload.cells]
    results = actions.save_cells(
        by=acting_user(request), class_group=class_group, point=point, writes=writes, channel="api"
    )
    return {"saved": len(results), "changed": sum(1 for r in results if r.changed)}
