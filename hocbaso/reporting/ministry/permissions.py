"""Who may prepare, send and follow a Sở's batches: an officer of the province itself, on the day
(``submit_to_ministry`` asked with ``unit=`` the province, ``directory.roles``). A commune's or a
legacy district's officer, school staff, another province's officer and the operator never do;
the operator sets the Sở up (its code) from the command line."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hocbaso.directory import roles
from hocbaso.reporting.ministry.models import Department, Submission


def departments_for(user: Any) -> list[Department]:
    """The Sở for which ``user`` may act today."""
    if not getattr(user, "is_authenticated", False) or roles.is_operator(user):
        return []
    return [
        department
        for department in Department.objects.select_related("unit", "seal")
        if roles.holds(user, roles.Permission.SUBMIT_TO_MINISTRY, unit=department.unit)
    ]


def may_submit(user: Any, department: Department) -> bool:
    return roles.holds(user, roles.Permission.SUBMIT_TO_MINISTRY, unit=department.unit)


def is_department_officer(user: Any) -> bool:
    """URL rule: an officer who may act for at least one Sở."""
    return bool(departments_for(user))


def department_or_404(user: Any, pk: int) -> Department:
    found = next((d for d in departments_for(user) if d.pk == pk), None)
    if found is None:
        raise Http404
    return found


def submission_or_404(user: Any, pk: int) -> Submission:
    ids = [d.pk for d in departments_for(user)]
    found = Submission.objects.filter(department_id__in=ids, pk=pk).select_related("department", "school_year").first()
    if found is None:
        raise Http404
    return found
