"""The class entry grid (keyboard-first, each cell saved as it is left) and entry windows.

The grid page renders one section of one point for a class; each cell posts to ``cell_save``
(htmx) and gets back the cell with a saved or refused state. Nothing here decides validity:
``actions.save_cells`` does, for the grid, the import and the API alike.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hocbaso.assessments import actions, importing, windows
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.layout import columns_for
from hocbaso.assessments.models import (
    PERIODIC_POINTS,
    AssessmentEntry,
    CommentBank,
    EntryWindow,
    OptionalSubject,
    Point,
)
from hocbaso.assessments.permissions import can_manage_windows, is_teacher, write_scope
from hocbaso.core.errors import DomainError, InvalidInput
from hocbaso.core.permissions import requires
from hocbaso.directory.models import ClassGroup, Enrolment
from hocbaso.directory.permissions import visible_classes, visible_schools


def _class_or_404(request: HttpRequest, pk: int) -> ClassGroup:
    return get_object_or_404(visible_classes(request.user).select_related("school", "school_year"), pk=pk)


def _point_or_404(point: str) -> str:
    if point not in Point.values:
        raise Http404
    return point


def _sections(catalogue: Any, scope: Any) -> list[tuple[str, str]]:
    sections = [("subjects", _("All subjects"))]
    if scope.whole_class:
        sections.append(("competencies", _("Qualities and competencies")))
    sections += [(f"item:{item.code}", item.name) for item in catalogue.items if scope.allows(item.kind, item.code)]
    return sections


@requires(is_teacher)
def grid(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    catalogue = catalogue_for_class(class_group)
    scope = write_scope(request.user, class_group)
    section = request.GET.get("section", "subjects")
    columns = [
        c
        for c in columns_for(section, items=catalogue.items, point=point, test_cells=catalogue.test_cells)
        if scope.allows(c.kind, c.code) or not scope.any
    ]
    enrolments = list(Enrolment.objects.filter(class_group=class_group).select_related("student"))
    enrolments.sort(key=lambda e: (e.student.given_name, e.student.full_name))
    taken = set(
        OptionalSubject.objects.filter(
            school_year_id=class_group.school_year_id, student__in=[e.student_id for e in enrolments]
        ).values_list("student_id", "subject_code")
    )
    optional = {i.code for i in catalogue.items if i.optional}
    columns = [c for c in columns if c.code not in optional or any(code == c.code for _s, code in taken)]
    entries = {
        (e.student_id, e.item_kind, e.item_code): e
        for e in AssessmentEntry.objects.filter(
            school_year_id=class_group.school_year_id, point=point, student_id__in=[e.student_id for e in enrolments]
        )
    }
    rows = []
    empty = 0
    for enrolment in enrolments:
        cells = []
        for column in columns:
            entry = entries.get((enrolment.student_id, column.kind, column.code))
            value = getattr(entry, column.field) if entry else None
            value = "" if value is None else value
            studies = column.code not in optional or (enrolment.student_id, column.code) in taken
            if value == "" and studies:
                empty += 1
            cells.append(
                {
                    "column": column,
                    "value": value if studies else "—",
                    "editable": studies and scope.allows(column.kind, column.code),
                }
            )
        rows.append({"student": enrolment.student, "cells": cells})
    codes = {c.code for c in columns}
    bank = (
        CommentBank.objects.filter(school=class_group.school, item_code__in=codes)
        if section.startswith("item:")
        else []
    )
    return render(
        request,
        "assessments/grid.html",
        {
            "class_group": class_group,
            "point": point,
            "point_label": Point(point).label,
            "points": [(p.value, p.label) for p in PERIODIC_POINTS],
            "section": section,
            "sections": _sections(catalogue, scope)
            if scope.any
            else _sections(catalogue, scope.__class__(True, frozenset())),
            "columns": columns,
            "rows": rows,
            "empty": empty,
            "is_open": windows.is_open(class_group.school_id, class_group.school_year_id, point),
            "can_write": scope.any,
            "bank": bank,
        },
    )


@requires(is_teacher)
@require_POST
def cell_save(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """Save one cell; respond with the cell re-rendered as saved, or refused with the reason."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    try:
        write = actions.CellWrite(
            student_id=int(request.POST.get("student", "0")),
            item_kind=request.POST.get("kind", ""),
            item_code=request.POST.get("code", ""),
            field=request.POST.get("field", ""),
            value=request.POST.get("value", ""),
        )
    except ValueError:
        raise Http404 from None
    context: dict[str, Any] = {"write": write, "point": point, "class_group": class_group, "value": write.value}
    try:
        [result] = actions.save_cells(
            by=request.user, class_group=class_group, point=point, writes=[write], channel="grid"
        )
    except InvalidInput as exc:
        context.update(state="refused", message=str(exc.errors[0].message), code=exc.errors[0].code)
        return render(request, "assessments/_cell.html", context, status=422)
    except DomainError as exc:
        context.update(state="refused", message=str(exc.message), code=exc.code)
        return render(request, "assessments/_cell.html", context, status=exc.status if exc.status != 400 else 422)
    context.update(state="saved", value="" if result.value is None else result.value)
    return render(request, "assessments/_cell.html", context)


@requires(is_teacher)
def windows_page(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = get_object_or_404(visible_schools(request.user), pk=school_pk)
    if not can_manage_windows(request.user, school):
        raise Http404
    from hocbaso.directory.models import SchoolYear

    error = ""
    if request.method == "POST":
        year = get_object_or_404(SchoolYear, pk=request.POST.get("year"))
        try:
            windows.set_window(
                by=request.user,
                school=school,
                school_year=year,
                point=_point_or_404(request.POST.get("point", "")),
                open_=request.POST.get("open") == "1",
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            return redirect("assessments:windows", school_pk=school.pk)
    years = SchoolYear.objects.order_by("-code")
    states = {(w.school_year_id, w.point): w for w in EntryWindow.objects.filter(school=school)}
    table = [
        {
            "year": y,
            "points": [{"code": p.value, "label": p.label, "window": states.get((y.pk, p.value))} for p in Point],
        }
        for y in years
    ]
    return render(request, "assessments/windows.html", {"school": school, "table": table, "error": error})


@requires(is_teacher)
def import_template(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """The .xlsx template of the class for this point, listing its students, pre-filled."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    content = importing.template_for(class_group, point, str(Point(point).label))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{class_group.school.code}-{class_group.name}-{class_group.school_year.code}-{point}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(is_teacher)
def import_upload(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """Upload → preview (every error located) → apply all or nothing."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    context: dict[str, Any] = {"class_group": class_group, "point": point, "point_label": Point(point).label}
    if request.method == "POST":
        try:
            if "token" in request.POST:
                content = importing.load_upload(request.POST["token"])
                if content is None:
                    raise Http404
                changed = importing.apply(
                    by=request.user,
                    class_group=class_group,
                    point=point,
                    content=content,
                    filename=request.POST.get("filename", ""),
                )
                context["applied"] = changed
            else:
                upload = request.FILES.get("file")
                content = upload.read() if upload else b""
                filename = upload.name if upload else ""
                result = importing.preview(
                    by=request.user, class_group=class_group, point=point, content=content, filename=filename
                )
                context.update(preview=result, filename=filename)
                if result.ok:
                    context["token"] = importing.keep_upload(content)
        except DomainError as exc:
            context["error"] = str(exc.message)
    return render(request, "assessments/import.html", context)
