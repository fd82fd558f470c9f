"""The class entry grid (keyboard-first, each cell saved as it is left) and entry windows.

The grid page renders one section of one point for a class; each cell posts to ``cell_save``
(htmx) and gets back the cell with a saved or refused state. Nothing here decides validity:
``actions.save_cells`` does, for the grid, the import and the API alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hocbaso.accounts.acting import acting_user
from hocbaso.assessments import actions, grading, importing, paste, progress, summary, windows
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.layout import Column, cell_label, columns_for, item_title
from hocbaso.assessments.models import (
    PERIODIC_POINTS,
    AssessmentEntry,
    Award,
    CommentBank,
    EntryChange,
    EntryWindow,
    OptionalSubject,
    Point,
    PromotionDecision,
    StudentYear,
)
from hocbaso.assessments.permissions import can_manage_windows, is_teacher, write_scope
from hocbaso.assessments.spreadsheets import MAX_BYTES as IMPORT_MAX_BYTES
from hocbaso.core import labels
from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import DomainError, InvalidInput
from hocbaso.core.permissions import requires
from hocbaso.core.text import ascii_slug
from hocbaso.directory.models import ClassGroup, Enrolment
from hocbaso.directory.permissions import visible_schools
from hocbaso.directory.roles import Permission, classes_where, students_where


def _class_or_404(request: HttpRequest, pk: int) -> ClassGroup:
    scope = classes_where(request.user, Permission.VIEW_ASSESSMENTS)
    return get_object_or_404(scope.select_related("school", "school_year"), pk=pk)


def _point_or_404(point: str) -> str:
    if point not in Point.values:
        raise Http404
    return point


def _section_groups(catalogue: Any, scope: Any, taken_codes: set[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The grid's sections, grouped for one drop-down: the overviews, then one entry per item the
    user may write (subjects, qualities, general and specific competencies); an optional subject
    only when some student of the class takes it. Every label is unique ("Năng lực khoa học" is
    not "Khoa học")."""
    overview = [("subjects", _("All subjects"))]
    if scope.whole_class:
        overview.append(("competencies", _("Qualities and competencies")))
    titles = {
        "subject": _("Subjects and activities"),
        "quality": _("Qualities"),
        "general": _("General competencies"),
        "specific": _("Specific competencies"),
    }
    groups: dict[str, list[tuple[str, str]]] = {key: [] for key in titles}
    for item in catalogue.items:
        if scope.allows(item.kind, item.code) and (not item.optional or item.code in taken_codes):
            group = "subject" if item.kind == "subject" else (item.group or "general")
            groups.setdefault(group, []).append((f"item:{item.code}", item_title(item)))
    return [(_("Overview"), overview)] + [(titles.get(k, k), v) for k, v in groups.items() if v]


def _cell(
    *, student_id: int, student_name: str, column: Any, item: Any, value: Any, saved: Any, editable: bool = True
) -> dict[str, Any]:
    """What ``_cell.html`` shows of one cell: the value in the input, the value stored (restored
    after a refusal, counted by the page), and its accessible name."""
    return {
        "student_id": student_id,
        "kind": column.kind,
        "code": column.code,
        "field": column.field,
        "value": "" if value is None else value,
        "saved": "" if saved is None else saved,
        "label": f"{cell_label(item, column.field) if item else column.label} — {student_name}",
        "editable": editable,
    }


@requires(is_teacher)
def grid_current(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's grid at the point open now (the latest open, else the latest ever opened)."""
    class_group = _class_or_404(request, pk)
    point = windows.current_point(class_group.school_id, class_group.school_year_id)
    return redirect("assessments:grid", pk=class_group.pk, point=point)


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
    enrolments = sort_students(Enrolment.objects.members_of(class_group).select_related("student"))
    taken = set(
        OptionalSubject.objects.filter(
            school_year_id=class_group.school_year_id, student__in=[e.student_id for e in enrolments]
        ).values_list("student_id", "subject_code")
    )
    optional = {i.code for i in catalogue.items if i.optional}
    taken_codes = {code for _student, code in taken}
    columns = [c for c in columns if c.code not in optional or c.code in taken_codes]
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
            if value == "" and studies and column.field != "comment":
                empty += 1
            cells.append(
                _cell(
                    student_id=enrolment.student_id,
                    student_name=enrolment.student.full_name,
                    column=column,
                    item=catalogue.item(column.kind, column.code),
                    value=value if studies else "—",
                    saved=value,
                    editable=studies and scope.allows(column.kind, column.code),
                )
            )
        rows.append({"student": enrolment.student, "cells": cells})
    codes = {c.code for c in columns}
    bank = (
        CommentBank.objects.filter(school=class_group.school, item_code__in=codes)
        if section.startswith("item:")
        else []
    )
    headers = [
        {"column": c, "title": cell_label(item, c.field) if (item := catalogue.item(c.kind, c.code)) else c.label}
        for c in columns
    ]
    is_open = windows.is_open(class_group.school_id, class_group.school_year_id, point)
    return render(
        request,
        "assessments/grid.html",
        {
            "class_group": class_group,
            "point": point,
            "point_label": Point(point).label,
            "points": [(p.value, p.label) for p in PERIODIC_POINTS],
            "section": section,
            "section_groups": _section_groups(
                catalogue, scope if scope.any else scope.__class__(True, frozenset()), taken_codes
            ),
            "headers": headers,
            "rows": rows,
            "empty": empty,
            "is_open": is_open,
            "open_points": [
                p for p in PERIODIC_POINTS if windows.is_open(class_group.school_id, class_group.school_year_id, p)
            ]
            if not is_open
            else [],
            "can_write": scope.any,
            "bank": bank,
        },
    )


def _stored_value(class_group: ClassGroup, point: str, write: actions.CellWrite) -> Any:
    entry = AssessmentEntry.objects.filter(
        school_year_id=class_group.school_year_id,
        point=point,
        student_id=write.student_id,
        item_kind=write.item_kind,
        item_code=write.item_code,
    ).first()
    return getattr(entry, write.field, None) if entry and write.field in actions.FIELDS else None


@requires(is_teacher)
@require_POST
def cell_save(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """Save one cell; respond with the cell re-rendered as saved, or refused with the reason and
    the value still stored (which the grid counts and can restore)."""
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
    member = Enrolment.objects.members_of(class_group).filter(student_id=write.student_id).select_related("student")
    enrolment = member.first()
    catalogue = catalogue_for_class(class_group)

    def cell(value: Any, saved: Any) -> dict[str, Any]:
        column = Column(write.item_kind, write.item_code, write.field, write.item_code)
        return _cell(
            student_id=write.student_id,
            student_name=enrolment.student.full_name if enrolment else "",
            column=column,
            item=catalogue.item(write.item_kind, write.item_code),
            value=value,
            saved=saved,
        )

    context: dict[str, Any] = {"point": point, "class_group": class_group}
    try:
        [result] = actions.save_cells(
            by=acting_user(request), class_group=class_group, point=point, writes=[write], channel="grid"
        )
    except DomainError as exc:
        error = exc.errors[0] if isinstance(exc, InvalidInput) else exc
        status = 422 if isinstance(exc, InvalidInput) or exc.status == 400 else exc.status
        saved = _stored_value(class_group, point, write) if enrolment else None
        context.update(cell=cell(write.value, saved), state="refused", message=str(error.message), code=error.code)
        return render(request, "assessments/_cell.html", context, status=status)
    context.update(cell=cell(result.value, result.value), state="saved")
    return render(request, "assessments/_cell.html", context)


def _batch_writes(body: dict[str, Any]) -> tuple[list[actions.CellWrite], int]:
    """The writes of a batch: a pasted block laid from the focused cell, or explicit writes (an undo)."""
    if "text" in body:
        block = paste.parse_block(str(body["text"]))
        students = [int(s) for s in body.get("students", [])][: paste.MAX_ROWS]
        columns = [str(c) for c in body.get("columns", [])][: paste.MAX_COLUMNS]
        placed, outside = paste.place(block, students, columns)
        writes = []
        for one in placed:
            kind, code, field = ([*one.column.split(":"), "", "", ""])[:3]
            writes.append(actions.CellWrite(one.student_id, kind, code, field, one.value))
        return writes, outside
    writes = [
        actions.CellWrite(int(w["student"]), str(w["kind"]), str(w["code"]), str(w["field"]), w.get("value", ""))
        for w in body.get("writes", [])[: paste.MAX_ROWS * paste.MAX_COLUMNS]
    ]
    return writes, 0


@requires(is_teacher)
@require_POST
def cells_batch(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """A block of cells (a paste from a spreadsheet, or the undo of the last paste or edit): each
    cell validated and saved on its own; the answer names every cell saved or refused, with the
    values the saved ones held before (for the undo)."""
    import json

    from django.http import JsonResponse

    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
        writes, outside = _batch_writes(body)
        saved, refused, before = actions.save_valid_cells(
            by=acting_user(request), class_group=class_group, point=point, writes=writes, channel="grid"
        )
        typed = {w.key: str(w.value) for w in writes}
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"code": "invalid", "message": _("The pasted data could not be read.")}, status=400)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status if exc.status != 400 else 422)
    return JsonResponse(
        {
            "saved": [
                {"key": r.write.key, "value": "" if r.value is None else r.value, "before": before.get(r.write.key, "")}
                for r in saved
            ],
            "refused": [
                {"key": e.field, "code": e.code, "message": str(e.message), "value": typed.get(str(e.field), "")}
                for e in refused
            ],
            "outside": outside,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _progress_by_point(classes: list[ClassGroup]) -> dict[str, dict[int, progress.Tally]]:
    """Per point, per class: entered / expected over every item."""
    found: dict[str, dict[int, progress.Tally]] = {}
    for point in PERIODIC_POINTS:
        per_class = progress.classes_progress(classes, point)
        found[point] = {pk: progress.total(items.values()) for pk, items in per_class.items()}
    return found


def _windows_post(request: HttpRequest, school: Any) -> dict[str, Any] | None:
    """One change of the windows page; a close asks for confirmation first (returned to show)."""
    from hocbaso.directory.models import SchoolYear

    year = get_object_or_404(SchoolYear, pk=request.POST.get("year"))
    point = _point_or_404(request.POST.get("point", ""))
    if request.POST.get("action") == "deadline":
        day = windows.parse_day(request.POST.get("deadline", ""))
        actions.set_deadline(by=acting_user(request), school=school, school_year=year, point=point, deadline=day)
        return None
    open_ = request.POST.get("open") == "1"
    if not open_ and request.POST.get("confirm") != "1":
        classes = progress.classes_of(school, year)
        figures = progress.total(_progress_by_point(classes)[point].values()) if classes else progress.EMPTY
        return {"year": year, "point": point, "label": Point(point).label, "classes": len(classes), "tally": figures}
    actions.set_window(
        by=acting_user(request),
        school=school,
        school_year=year,
        point=point,
        open_=open_,
        reason=request.POST.get("reason", ""),
    )
    return None


@requires(is_teacher)
def windows_page(request: HttpRequest, school_pk: int) -> HttpResponse:
    """The principal opens and closes entry per point (closing asks for confirmation, since it locks
    every class of the school), sets each point's deadline, and sees how complete each class is."""
    school = get_object_or_404(visible_schools(request.user), pk=school_pk)
    if not can_manage_windows(request.user, school):
        raise Http404
    error = ""
    confirm = None
    if request.method == "POST":
        try:
            confirm = _windows_post(request, school)
        except DomainError as exc:
            error = str(exc.message)
        else:
            if confirm is None:
                return redirect("assessments:windows", school_pk=school.pk)
    years = progress.school_years(school)
    states = {(w.school_year_id, w.point): w for w in EntryWindow.objects.filter(school=school)}
    current = progress.current_year(years)
    classes = progress.classes_of(school, current)
    figures = _progress_by_point(classes) if classes else {}
    table = [
        {
            "year": y,
            "current": y == current,
            "points": [
                {
                    "code": p.value,
                    "label": p.label,
                    "window": states.get((y.pk, p.value)),
                    "calendar": windows.calendar_deadline(y, p.value),
                    "tally": progress.total(figures.get(p.value, {}).values()) if y == current else None,
                }
                for p in PERIODIC_POINTS
            ],
        }
        for y in years
    ]
    class_rows = [{"class_group": c, "cells": [figures[p.value][c.pk] for p in PERIODIC_POINTS]} for c in classes]
    return render(
        request,
        "assessments/windows.html",
        {
            "school": school,
            "table": table,
            "error": error,
            "confirm": confirm,
            "class_rows": class_rows,
            "point_labels": [p.label for p in PERIODIC_POINTS],
            "current": current,
        },
    )


@requires(is_teacher)
def progress_page(request: HttpRequest, school_pk: int) -> HttpResponse:
    """School-wide entry progress for one point: per class and subject, cells entered / expected."""
    school = get_object_or_404(visible_schools(request.user), pk=school_pk)
    if not can_manage_windows(request.user, school):
        raise Http404
    years = progress.school_years(school)
    year = next((y for y in years if str(y.pk) == request.GET.get("year")), progress.current_year(years))
    point = request.GET.get("point") or (windows.current_point(school.pk, year.pk) if year else "mid1")
    point = _point_or_404(point)
    classes = progress.classes_of(school, year)
    per_class = progress.classes_progress(classes, point)
    # one column per item that some class assesses, in curriculum order (subjects, then competencies)
    items: dict[tuple[str, str], str] = {}
    for c in classes:
        for item in catalogue_for_class(c).items:
            items.setdefault((item.kind, item.code), item_title(item))
    ordered = sorted(items, key=lambda k: (k[0] != "subject",))
    totals = {c.pk: progress.total(per_class[c.pk].values()) for c in classes}
    window = EntryWindow.objects.filter(school=school, school_year=year, point=point).first() if year else None
    rows = [
        {"class_group": c, "cells": [per_class[c.pk].get(key) for key in ordered], "total": totals[c.pk]}
        for c in classes
    ]
    return render(
        request,
        "assessments/progress.html",
        {
            "school": school,
            "years": years,
            "year": year,
            "point": point,
            "points": [(p.value, p.label) for p in PERIODIC_POINTS],
            "columns": [items[k] for k in ordered],
            "rows": rows,
            "total": progress.total(totals.values()),
            "window": window,
            "deadline": windows.deadline_of(year, point, window) if year else None,
        },
    )


def _point_slug(point: str) -> str:
    """The point in a file name, in Vietnamese without marks: ``year_end`` → ``cuoi-nam-hoc``."""
    return ascii_slug(
        labels.label("point", point) if labels.label("point", point) != point else str(Point(point).label)
    )


@requires(is_teacher)
def import_template(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """The .xlsx template of the class for this point, listing its students, pre-filled."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    content = importing.template_for(class_group, point, str(Point(point).label))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{class_group.school.code}-{class_group.name}-{class_group.school_year.code}-{_point_slug(point)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(is_teacher)
@accepts_upload(IMPORT_MAX_BYTES, field="file")
def import_upload(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """Upload → preview (every error located) → apply all or nothing."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    context: dict[str, Any] = {"class_group": class_group, "point": point, "point_label": Point(point).label}
    if request.method == "POST":
        try:
            if "token" in request.POST:
                context["applied"] = actions.apply_upload(
                    by=acting_user(request),
                    class_group=class_group,
                    point=point,
                    token=request.POST["token"],
                    filename=request.POST.get("filename", ""),
                )
            else:
                upload = request.FILES.get("file")
                content = upload.read() if upload else b""
                filename = (upload.name or "") if upload else ""
                result = importing.preview(
                    by=request.user, class_group=class_group, point=point, content=content, filename=filename
                )
                context.update(preview=result, filename=filename)
                if result.ok:
                    context["token"] = actions.keep_upload(content)
        except DomainError as exc:
            context["error"] = str(exc.message)
    return render(request, "assessments/import.html", context)


def _summary_rows(class_group: ClassGroup, point: str) -> list[summary.StudentRow]:
    enrolments = sort_students(Enrolment.objects.members_of(class_group).select_related("student"))
    entries: dict[int, list[AssessmentEntry]] = {}
    for entry in AssessmentEntry.objects.filter(class_group=class_group, point=point):
        entries.setdefault(entry.student_id, []).append(entry)
    results = (
        dict(StudentYear.objects.filter(class_group=class_group).values_list("student_id", "result"))
        if point == "year_end"
        else {}
    )
    return [
        summary.StudentRow(
            e.student_id,
            e.student.full_name,
            {x.item_code: x.rating for x in entries.get(e.student_id, []) if x.rating},
            {x.item_code: x.score for x in entries.get(e.student_id, []) if x.item_kind == "subject"},
            results.get(e.student_id, ""),
        )
        for e in enrolments
    ]


@requires(is_teacher)
def summary_page(request: HttpRequest, pk: int, point: str) -> HttpResponse:
    """The class summary table for a point, on screen or (``?format=xlsx``) as the official form."""
    class_group = _class_or_404(request, pk)
    point = _point_or_404(point)
    catalogue = catalogue_for_class(class_group)
    rows = _summary_rows(class_group, point)
    totals = summary.summarise(catalogue, point, rows)
    if request.GET.get("format") == "xlsx":
        year = class_group.school_year.code
        title = f"{class_group.school.name} — Lớp {class_group.name} — Năm học {year} — {Point(point).label}"
        content = summary.export_xlsx(title=title, catalogue=catalogue, point=point, rows=rows, summary=totals)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = f"tong-hop-{class_group.name}-{_point_slug(point)}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    tested = [s for s in catalogue.subjects if catalogue.has_test(s.code, point)]
    return render(
        request,
        "assessments/summary.html",
        {
            "class_group": class_group,
            "point": point,
            "point_label": Point(point).label,
            "points": [(p.value, p.label) for p in PERIODIC_POINTS],
            "items": [(i, totals.ratings[i.code]) for i in catalogue.items],
            "bands": [(s, [totals.bands[s.code].get(b[0], 0) for b in summary.SCORE_BANDS]) for s in tested],
            "band_labels": [b[0] for b in summary.SCORE_BANDS],
            "results": [(label, totals.results.get(code, 0)) for code, label in summary.RESULTS]
            if point == "year_end"
            else [],
            "students": totals.students,
        },
    )


def _results_post(request: HttpRequest, class_group: ClassGroup) -> list[Any]:
    """One write of the results page, by the button pressed; each goes through its action."""
    post = request.POST
    if "decide" in post:
        year = get_object_or_404(StudentYear, pk=post["decide"], class_group=class_group)
        actions.decide_promotion(by=acting_user(request), student_year=year, decision=post.get("decision", ""))
    elif "plan_assess" in post:
        year = get_object_or_404(StudentYear, pk=post["plan_assess"], class_group=class_group)
        actions.record_plan_assessment(by=acting_user(request), student_year=year, text=post.get("assessment", ""))
    elif "plan_decide" in post:
        year = get_object_or_404(StudentYear, pk=post["plan_decide"], class_group=class_group)
        actions.decide_plan_completion(
            by=acting_user(request),
            student_year=year,
            completed=post.get("completed") == "1",
            note=post.get("note", ""),
            decision=post.get("decision", ""),
        )
    elif "award" in post:
        award = get_object_or_404(
            Award,
            pk=post["award"],
            school_year_id=class_group.school_year_id,
            student__enrolments__class_group=class_group,
        )
        actions.decide_award(by=acting_user(request), award=award, confirm=post.get("verdict") == "confirm")
    else:
        if not _year_end_started(class_group):
            raise windows.WindowClosed(_YEAR_END_NOT_STARTED, field="point")
        return [o for o in actions.compute_year_results(by=acting_user(request), class_group=class_group) if o.missing]
    return []


_YEAR_END_NOT_STARTED = gettext_lazy(
    "Year results are computed from the end-of-year values: the end-of-year entry window has not been opened yet."
)


def _year_end_started(class_group: ClassGroup) -> bool:
    """Whether end-of-year entry has begun (its window is open or was opened once)."""
    return (
        EntryWindow.objects.filter(
            school_id=class_group.school_id, school_year_id=class_group.school_year_id, point=Point.YEAR_END
        )
        .filter(Q(is_open=True) | Q(changed_at__isnull=False))
        .exists()
    )


def _missing_summary(class_group: ClassGroup, outcome: list[Any], names: dict[int, str]) -> list[dict[str, Any]]:
    """The cells blocking the year results, grouped by item and field: how many students, who
    (the first few), and a link to the end-of-year grid at that item."""
    from django.urls import reverse

    catalogue = catalogue_for_class(class_group)
    grid_url = reverse("assessments:grid", args=[class_group.pk, Point.YEAR_END])
    groups: dict[str, list[str]] = {}
    for one in outcome:
        for cell in one.missing_cells:
            groups.setdefault(cell, []).append(names.get(one.student_id, ""))
    summary_rows = []
    for cell, students in groups.items():
        kind, code, field = ([*cell.split(":"), "", "", ""])[:3]
        item = catalogue.item(kind, code)
        summary_rows.append(
            {
                "label": cell_label(item, field) if item else cell,
                "count": len(students),
                "students": students[:5],
                "more": max(0, len(students) - 5),
                "url": f"{grid_url}?section=item:{code}",
            }
        )
    return summary_rows


@requires(is_teacher)
def results_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Year results of the class: compute them, see blocked students with the cells named; the
    homeroom teacher records the assessment of students on an individual plan; the principal
    decides promotion (grade 5: only "repeats the grade"), completion on an individual plan,
    and confirms or declines the proposed awards."""
    class_group = _class_or_404(request, pk)
    outcome: list[Any] = []
    error = ""
    if request.method == "POST":
        try:
            outcome = _results_post(request, class_group)
        except DomainError as exc:
            error = str(exc.message)
    years = {y.student_id: y for y in StudentYear.objects.filter(class_group=class_group).select_related("decided_by")}
    enrolments = sort_students(Enrolment.objects.members_of(class_group).select_related("student"))
    names = {e.student_id: e.student.full_name for e in enrolments}
    awards: dict[int, list[Award]] = {}
    for award in Award.objects.filter(school_year_id=class_group.school_year_id, student_id__in=list(names)).order_by(
        "awarded_on", "pk"
    ):
        awards.setdefault(award.student_id, []).append(award)
    rows = [
        {
            "student": e.student,
            "year": (y := years.get(e.student_id)),
            "awards": awards.get(e.student_id, []),
            "on_plan": y is not None and y.result == grading.NOT_CLASSIFIED,
            "needs_decision": y is not None
            and grading.needs_decision(y.first_result, y.result, y.remediation_done, y.plan_completed)
            and not y.decision,
        }
        for e in enrolments
    ]
    decisions = [
        (d, label) for d, label in PromotionDecision.choices if d in grading.allowed_decisions(class_group.grade)
    ]
    return render(
        request,
        "assessments/results.html",
        {
            "class_group": class_group,
            "rows": rows,
            "blocked": [(names.get(o.student_id, ""), o.missing) for o in outcome],
            "missing_summary": _missing_summary(class_group, outcome, names),
            "missing_cells": sum(len(o.missing_cells) for o in outcome),
            "year_end_started": _year_end_started(class_group),
            "error": error,
            "can_decide": can_manage_windows(request.user, class_group.school),
            "is_homeroom": write_scope(request.user, class_group).whole_class,
            "decisions": decisions,
        },
    )


@requires(is_teacher)
def student_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to a student's ratings, scores and comments: who, when, old → new, channel."""
    from hocbaso.audit import actions as audit

    student = get_object_or_404(students_where(request.user, Permission.VIEW_ASSESSMENTS), pk=pk)
    audit.record(by=request.user, action="student.history.read", obj=student, school_id=student.school_id)
    changes = (
        EntryChange.objects.filter(entry__student=student)
        .select_related("entry__class_group__school_year", "by")
        .order_by("-at", "-pk")[:1000]
    )
    names: dict[int, dict[str, str]] = {}
    rows = []
    for change in changes:
        entry = change.entry
        if entry.class_group_id not in names:
            names[entry.class_group_id] = {i.code: i.name for i in catalogue_for_class(entry.class_group).items}
        item = names[entry.class_group_id].get(entry.item_code, entry.item_code)
        rows.append(
            {
                "change": change,
                "item": item,
                "point": Point(entry.point).label,
                "year": entry.class_group.school_year.code,
            }
        )
    return render(request, "assessments/history.html", {"student": student, "rows": rows})


@requires(is_teacher)
def comment_bank(request: HttpRequest, school_pk: int) -> HttpResponse:
    """The school's bank of common comments: teachers add and remove entries per subject."""
    school = get_object_or_404(visible_schools(request.user), pk=school_pk)
    error = ""
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                actions.remove_bank_comment(
                    by=acting_user(request), school=school, comment_id=int(request.POST["delete"])
                )
            else:
                actions.add_bank_comment(
                    by=acting_user(request),
                    school=school,
                    item_code=request.POST.get("item_code", ""),
                    text=request.POST.get("text", ""),
                )
        except (DomainError, ValueError) as exc:
            error = str(getattr(exc, "message", exc))
        else:
            return redirect("assessments:comment_bank", school_pk=school.pk)
    from hocbaso.curriculum.models import Subject

    subjects = Subject.objects.order_by("order").values_list("code", "name").distinct()
    return render(
        request,
        "assessments/comment_bank.html",
        {
            "school": school,
            "comments": CommentBank.objects.filter(school=school),
            "subjects": list(dict(subjects).items()),
            "error": error,
        },
    )


YEAR_DETAIL_FIELDS = ("days_absent", "height_cm", "weight_kg", "general_comment")


@requires(is_teacher)
def year_details_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Days absent, height, weight and the general comment of every student, saved all at once."""
    from django.contrib import messages

    class_group = _class_or_404(request, pk)
    enrolments = sort_students(Enrolment.objects.members_of(class_group).select_related("student"))
    years = {
        y.student_id: y
        for y in StudentYear.objects.filter(
            school_year=class_group.school_year_id, student_id__in=[e.student_id for e in enrolments]
        )
    }
    posted: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        rows: dict[int, dict[str, Any]] = {}
        for e in enrolments:
            for field in YEAR_DETAIL_FIELDS:
                key = f"{e.student_id}:{field}"
                if key in request.POST:
                    posted[key] = request.POST[key]
                    rows.setdefault(e.student_id, {})[field] = request.POST[key]
        try:
            changed = actions.save_year_details(by=acting_user(request), class_group=class_group, rows=rows)
        except InvalidInput as exc:
            errors = {str(err.field): str(err.message) for err in exc.errors}
        except DomainError as exc:
            errors = {"": str(exc.message)}
        else:
            messages.success(request, _("Saved: %(n)d students changed.") % {"n": changed})
            return redirect("assessments:year_details", pk=class_group.pk)

    def value(student_id: int, field: str) -> str:
        key = f"{student_id}:{field}"
        if key in posted:
            return posted[key]
        stored = getattr(years.get(student_id), field, None)
        return "" if stored is None else str(stored)

    labels = {f: getattr(StudentYear._meta.get_field(f), "verbose_name", f) for f in YEAR_DETAIL_FIELDS}
    rows_out = [
        {
            "student": e.student,
            "cells": [
                {
                    "name": f"{e.student_id}:{f}",
                    "field": f,
                    "label": labels[f],
                    "value": value(e.student_id, f),
                    "error": errors.get(f"{e.student_id}:{f}", ""),
                }
                for f in YEAR_DETAIL_FIELDS
            ],
        }
        for e in enrolments
    ]
    return render(
        request,
        "assessments/year_details.html",
        {
            "class_group": class_group,
            "rows": rows_out,
            "error_count": len(errors),
            "general_error": errors.get(""),
            "can_write": write_scope(request.user, class_group).whole_class
            or can_manage_windows(request.user, class_group.school),
        },
    )
