"""Paper book pages of a class kept on paper: the roll with each book recorded, the pages printed
(one student, or the whole class in one PDF, roll order), and the record that the books were
signed by hand and stamped (``actions.record_paper_books``).

Scope: printing needs ``PRINT_PAPER_BOOKS`` on the class (its homeroom teacher; the school's
principal, vice-principal and clerk), recording ``RECORD_PAPER_BOOKS`` on the school (clerk,
principal); other classes are a 404. Every print is a staff read of the children's records and
is audited (``record.paper_print``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from hocbaso.accounts.acting import acting_user
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory import paper as paper_years
from hocbaso.directory.models import ClassGroup
from hocbaso.directory.roles import Permission, classes_where, holds, rule
from hocbaso.records import actions, assembly_parts, paper
from hocbaso.records.views import _pdf_response

is_paper_staff = rule(Permission.PRINT_PAPER_BOOKS, Permission.RECORD_PAPER_BOOKS, name="is_paper_staff")


def paper_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes whose paper pages the user may print or whose books they may record."""
    return (
        classes_where(user, Permission.PRINT_PAPER_BOOKS) | classes_where(user, Permission.RECORD_PAPER_BOOKS)
    ).distinct()


class BooksForm(forms.Form):
    signed_on = forms.DateField(
        label=gettext_lazy("Signed and stamped on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    homeroom_name = forms.CharField(label=gettext_lazy("Homeroom teacher (as printed)"), max_length=200)
    principal_name = forms.CharField(label=gettext_lazy("Principal (as printed)"), max_length=200)
    principal_title = forms.CharField(label=gettext_lazy("Principal's title (as printed)"), max_length=100)
    reason = forms.CharField(
        label=gettext_lazy("Reason (when changing a book already recorded)"), max_length=1000, required=False
    )


def _class_or_404(request: HttpRequest, pk: int) -> ClassGroup:
    return get_object_or_404(
        paper_classes(request.user).select_related("school", "school_year"),
        pk=pk,
    )


def _initial(class_group: ClassGroup) -> dict[str, Any]:
    signers = assembly_parts.expected_signers(class_group, on=paper.printed_on(class_group))
    return {
        "signed_on": min(clock.today(), class_group.school_year.end_date),
        "homeroom_name": signers["homeroom"]["name"],
        "principal_name": signers["principal"]["name"],
        "principal_title": signers["principal"]["title"].split("\n")[0],
    }


@requires(is_paper_staff)
def paper_class(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the class's roll with each book recorded; POST: record the books signed and stamped."""
    class_group = _class_or_404(request, pk)
    may_record = holds(request.user, Permission.RECORD_PAPER_BOOKS, school=class_group.school)
    is_paper = paper_years.is_paper_year(class_group.school_id, class_group.school_year_id)
    students = paper.roll(class_group)
    form = BooksForm(request.POST or None, initial=_initial(class_group))
    numbers = {s.pk: request.POST.get(f"book_{s.pk}", "") for s in students} if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        if not may_record:
            return HttpResponse(status=403)
        if form.is_valid():
            entered = {pk: number for pk, number in numbers.items() if number.strip()}
            try:
                written = actions.record_paper_books(
                    by=acting_user(request),
                    class_group=class_group,
                    books=entered,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("%(count)d paper book(s) recorded.") % {"count": len(written)})
                return redirect("records:paper_class", pk=class_group.pk)
        status = 400
    books = paper.books_of_class(class_group)
    rows = [
        {
            "student": s,
            "book": books.get(s.pk),
            "number": numbers.get(s.pk, books[s.pk].book_number if s.pk in books else ""),
        }
        for s in students
    ]
    return render(
        request,
        "records/paper_class.html",
        {
            "class_group": class_group,
            "is_paper": is_paper,
            "rows": rows,
            "form": form,
            "may_record": may_record and is_paper,
            "may_print": holds(request.user, Permission.PRINT_PAPER_BOOKS, class_group=class_group) and is_paper,
            "recorded": len(books),
        },
        status=status,
    )


def _audit_print(request: HttpRequest, class_group: ClassGroup, students: list[Any]) -> None:
    audit.record(
        by=request.user,
        action="record.paper_print",
        obj=class_group,
        school_id=class_group.school_id,
        changes={"year": class_group.school_year.code, "students": [s.pk for s in students]},
    )


@requires(is_paper_staff)
@require_GET
def class_pages(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The whole class's paper pages in one PDF, roll order."""
    class_group = _class_or_404(request, pk)
    if not holds(request.user, Permission.PRINT_PAPER_BOOKS, class_group=class_group):
        return HttpResponse(status=403)
    try:
        content, students = paper.class_pages(class_group)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:paper_class", pk=class_group.pk)
    _audit_print(request, class_group, students)
    name = f"hoc-ba-giay-{class_group.school.code}-{class_group.name}-{class_group.school_year.code}.pdf"
    return _pdf_response(content, name, inline=False)


@requires(is_paper_staff)
@require_GET
def student_pages(request: HttpRequest, pk: int, student_pk: int) -> HttpResponseBase:
    """One student's paper pages."""
    class_group = _class_or_404(request, pk)
    if not holds(request.user, Permission.PRINT_PAPER_BOOKS, class_group=class_group):
        return HttpResponse(status=403)
    student = next((s for s in paper.roll(class_group) if s.pk == student_pk), None)
    if student is None:
        return HttpResponse(status=404)
    try:
        content = paper.student_pages(student, class_group)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:paper_class", pk=class_group.pk)
    _audit_print(request, class_group, [student])
    return _pdf_response(content, f"hoc-ba-giay-{class_group.school_year.code}-{student.pk}.pdf", inline=False)
