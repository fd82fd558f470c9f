"""Starting a periodic report: the one write of the dashboards (the figures themselves are reads)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear
from hocbaso.reporting import figures, permissions
from hocbaso.reporting.models import ReportRun


def start_report(
    *,
    by: Any,
    school_year: SchoolYear,
    point: str = "year_end",
    unit: AdministrativeUnit | None = None,
    school: School | None = None,
    channel: str = "web",
) -> ReportRun:
    """Queue a unit's roll-up (``unit``) or a school's year-end summary (``school``) for
    ``school_year`` at ``point``; the task builds the .xlsx and the PDF after the commit.

    Refused: neither or both named, or an unknown point (``report_subject``, ``point_unknown``);
    ``by`` does not read those figures (``not_allowed``).
    """
    if (unit is None) == (school is None):
        raise ValidationFailed(_("Choose a unit or a school."), code="report_subject")
    if point not in figures.POINTS:
        raise ValidationFailed(_("Choose an assessment point."), code="point_unknown", field="point")
    allowed = (
        permissions.can_view_unit(by, unit, school_year)
        if unit is not None
        else permissions.can_view_school(by, school, school_year)  # type: ignore[arg-type]
    )
    if not allowed:
        raise PermissionRefused(_("You do not read the figures of this unit or school."), code="not_allowed")
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=ReportRun.Kind.UNIT_ROLLUP if unit is not None else ReportRun.Kind.SCHOOL_SUMMARY,
            unit=unit,
            school=school,
            school_year=school_year,
            point=point,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
            total=3,
            created_at=clock.now(),
        )
        audit.record(
            by=by,
            action="report.start",
            obj=run,
            school_id=school.pk if school is not None else None,
            changes={"kind": [None, run.kind], "year": [None, school_year.code], "point": [None, point]},
            channel=channel,
        )
        enqueue_on_commit("hocbaso.reporting.tasks.build_report", run.pk)
    return run
