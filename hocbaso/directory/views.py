"""Directory pages: schools → classes → students, and the forms that change them.

Each view carries a URL rule (``requires``/``login_required``) and fetches objects only through
``visible_*`` querysets, so anything outside the user's scope is a 404. Opening a student's
page is a staff read of a child's data and is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hocbaso.accounts.acting import acting_user
from hocbaso.audit import actions as audit
from hocbaso.audit.models import AuditEvent
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory import actions
from hocbaso.directory.forms import AppointmentForm, EnrolmentForm, StudentForm
from hocbaso.directory.models import Appointment, Enrolment, School, Student
from hocbaso.directory.permissions import (
    can_manage_school,
    can_read_school_audit,
    is_school_manager,
    is_staff_member,
    may_appoint,
    may_read_audit,
    visible_classes,
    visible_schools,
    visible_students,
)
from hocbaso.directory.roles import Permission, holds


def _school_or_404(request: HttpRequest, pk: int) -> School:
    return get_object_or_404(visible_schools(request.user), pk=pk)


def _managed_school_or_404(request: HttpRequest, pk: int) -> School:
    school = _school_or_404(request, pk)
    if not can_manage_school(request.user, school):
        raise Http404
    return school


@requires(is_staff_member)
def school_list(request: HttpRequest) -> HttpResponse:
    schools = visible_schools(request.user).prefetch_related("unit_links__unit").order_by("name")
    return render(request, "directory/school_list.html", {"schools": schools})


@requires(is_staff_member)
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = _school_or_404(request, pk)
    classes = (
        visible_classes(request.user)
        .filter(school=school)
        .select_related("school_year")
        .annotate(student_count=Count("enrolments"))
        .order_by("-school_year__code", "grade", "name")
    )
    manager = can_manage_school(request.user, school)
    can_appoint = holds(request.user, Permission.APPOINT_STAFF, school=school)
    appointments = (
        Appointment.objects.filter(school=school)
        .select_related("staff", "class_group__school_year")
        .order_by("role", "staff__full_name")
        if manager
        else Appointment.objects.none()
    )
    return render(
        request,
        "directory/school_detail.html",
        {
            "school": school,
            "classes": classes,
            "units": school.managing_units(),
            "all_links": school.unit_links.select_related("unit").order_by("valid_from"),
            "can_manage": manager,
            "can_appoint": can_appoint,
            "can_read_audit": can_read_school_audit(request.user, school),
            "appointments": appointments,
        },
    )


@requires(is_staff_member)
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = get_object_or_404(visible_classes(request.user).select_related("school", "school_year"), pk=pk)
    student_scope = visible_students(request.user)
    enrolments = Enrolment.objects.filter(class_group=class_group, student__in=student_scope).select_related("student")
    rows = sort_students(enrolments)
    teachers = Appointment.objects.filter(class_group=class_group).select_related("staff").order_by("role")
    return render(
        request,
        "directory/class_detail.html",
        {
            "class_group": class_group,
            "enrolments": rows,
            "student_count": class_group.enrolments.count(),
            "shows_students": bool(rows) or not class_group.enrolments.exists(),
            "teachers": teachers,
            "can_manage": can_manage_school(request.user, class_group.school),
            "manages_entry": holds(request.user, Permission.MANAGE_ENTRY, school=class_group.school),
        },
    )


@requires(is_staff_member)
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(visible_students(request.user).select_related("school"), pk=pk)
    audit.record(by=request.user, action="student.read", obj=student, school_id=student.school_id)
    enrolments = student.enrolments.select_related("class_group__school", "school_year").order_by("school_year__code")
    return render(
        request,
        "directory/student_detail.html",
        {"student": student, "enrolments": enrolments, "can_manage": can_manage_school(request.user, student.school)},
    )


@requires(is_school_manager)
def student_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _managed_school_or_404(request, school_pk)
    form = StudentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            student = actions.create_student(by=acting_user(request), school=school, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Student %(name)s added.") % {"name": student.full_name})
            return redirect("directory:student", pk=student.pk)
    return render(request, "directory/student_form.html", {"form": form, "school": school, "student": None})


@requires(is_school_manager)
def student_edit(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(visible_students(request.user).select_related("school"), pk=pk)
    if not can_manage_school(request.user, student.school):
        raise Http404
    form = StudentForm(request.POST or None, instance=Student.objects.get(pk=student.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_student(by=acting_user(request), student=student, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("directory:student", pk=student.pk)
    return render(request, "directory/student_form.html", {"form": form, "school": student.school, "student": student})


@requires(is_school_manager)
def enrolment_create(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(visible_students(request.user).select_related("school"), pk=pk)
    if not can_manage_school(request.user, student.school):
        raise Http404
    form = EnrolmentForm(request.POST or None, school=student.school)
    if request.method == "POST" and form.is_valid():
        try:
            actions.enrol_student(by=acting_user(request), student=student, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Enrolment saved."))
            return redirect("directory:student", pk=student.pk)
    return render(request, "directory/enrolment_form.html", {"form": form, "student": student})


@requires(may_appoint)
def appointment_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _school_or_404(request, school_pk)
    if not holds(request.user, Permission.APPOINT_STAFF, school=school):
        raise Http404
    form = AppointmentForm(request.POST or None, school=school, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.appoint(by=acting_user(request), school=school, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Appointment saved."))
            return redirect("directory:school", pk=school.pk)
    return render(request, "directory/appointment_form.html", {"form": form, "school": school})


AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_MAX = 5000  # an export is bounded; narrow the filters for more


def _audit_filters(request: HttpRequest, school: School) -> tuple[Any, dict[str, Any]]:
    """The school's events narrowed by the page's filters: dates (inclusive), person, kind of
    action, class or student (the student's own page, enrolments, records, transfers …)."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone
    from django.utils.http import urlencode

    from hocbaso.audit import presentation

    events = AuditEvent.objects.filter(school_id=school.pk)
    chosen: dict[str, Any] = {
        k: request.GET.get(k, "").strip() for k in ("from", "to", "who", "kind", "class", "student")
    }
    for name, bound in (("from", "gte"), ("to", "lt")):
        try:
            day = dt.date.fromisoformat(chosen[name]) if chosen[name] else None
        except ValueError:
            day = None
            chosen[name] = ""
        if day is not None:
            start = dt.datetime.combine(day + dt.timedelta(days=1 if name == "to" else 0), dt.time.min)
            events = events.filter(**{f"at__{bound}": timezone.make_aware(start)})
    if chosen["who"].isdigit():
        events = events.filter(actor_id=int(chosen["who"]))
    if chosen["kind"] in presentation.GROUPS:
        condition = Q()
        for prefix in presentation.group_prefixes(chosen["kind"]):
            condition |= Q(action__startswith=f"{prefix}.")
        events = events.filter(condition)
    student_ids: list[int] = []
    classes = visible_classes(request.user).filter(school=school).select_related("school_year")
    if chosen["class"].isdigit():
        class_group = classes.filter(pk=int(chosen["class"])).first()
        if class_group is not None:
            student_ids = list(Enrolment.objects.filter(class_group=class_group).values_list("student_id", flat=True))
            condition = Q(object_type="directory.classgroup", object_id=str(class_group.pk))
            for object_type, ids in presentation.related_to_students(student_ids).items():
                condition |= Q(object_type=object_type, object_id__in=ids)
            events = events.filter(condition)
    if chosen["student"]:
        found = visible_students(request.user).filter(school=school)
        found = (
            found.filter(pk=int(chosen["student"]))
            if chosen["student"].isdigit()
            else found.filter(full_name__icontains=chosen["student"])
        )
        student_ids = list(found.values_list("pk", flat=True)[:50])
        condition = Q(pk__in=[])
        for object_type, ids in presentation.related_to_students(student_ids).items():
            condition |= Q(object_type=object_type, object_id__in=ids)
        events = events.filter(condition)
    actors = (
        AuditEvent.objects.filter(school_id=school.pk, actor__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    from hocbaso.accounts.models import User

    people = sorted(((u.pk, str(u)) for u in User.objects.filter(pk__in=list(actors))), key=lambda p: p[1])
    options = {
        "people": people,
        "kinds": [(key, str(label)) for key, (label, _prefixes) in presentation.GROUPS.items()],
        "classes": list(classes.order_by("-school_year__code", "name")),
        "chosen": chosen,
        "query": urlencode({k: v for k, v in chosen.items() if v}),
    }
    return events.select_related("actor").order_by("-id"), options


@requires(may_read_audit)
def school_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's audit trail, readable and filterable; ``?format=xlsx`` exports what is shown
    (at most ``AUDIT_EXPORT_MAX`` events)."""
    from hocbaso.audit import presentation
    from hocbaso.core import labels

    school = _school_or_404(request, pk)
    if not can_read_school_audit(request.user, school):
        raise Http404
    events, options = _audit_filters(request, school)
    if request.GET.get("format") == "xlsx":
        return _audit_xlsx(school, presentation.rows_of(events[:AUDIT_EXPORT_MAX], labels.label))
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = presentation.rows_of(page.object_list, labels.label)
    return render(request, "directory/school_audit.html", {"school": school, "page": page, "rows": rows, **options})


def _audit_xlsx(school: School, rows: list[Any]) -> HttpResponse:
    import io

    from openpyxl import Workbook

    from hocbaso.core.xlsx_cells import put

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Audit log")[:31]
    headers = [_("Time"), _("Who"), _("Action"), _("Object"), _("Changes"), _("Channel"), _("Event hash")]
    for column, header in enumerate(headers, start=1):
        put(sheet, 1, column, header)
    for number, row in enumerate(rows, start=2):
        changes = "; ".join(
            f"{c.field}: {c.after}" if c.single else f"{c.field}: {c.before} → {c.after}" for c in row.changes
        )
        values = [row.when.strftime("%d/%m/%Y %H:%M"), row.who, row.what, row.target.text, changes, row.channel]
        for column, value in enumerate([*values, row.event.hash], start=1):
            put(sheet, number, column, value)
    for letter, width in zip("ABCDEFG", (17, 24, 36, 40, 60, 14, 66), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{school.code}.xlsx"'
    return response
