"""How the audit page names record versions and records (the student, the school year, the version
number, with a link), and which of them concern given students; registered in ``apps.ready``."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.audit.presentation import Described, register_object, register_related
from hocbaso.records.models import Record, RecordVersion


def _ids(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def versions(ids: Sequence[str]) -> dict[str, Described]:
    found = RecordVersion.objects.filter(pk__in=_ids(ids)).select_related("record__student", "school_year")
    return {
        str(v.pk): Described(
            _("Record of %(student)s, %(year)s (version %(number)s)")
            % {"student": v.record.student.full_name, "year": v.school_year.code, "number": v.number},
            reverse("records:version", args=[v.pk]),
        )
        for v in found
    }


def records(ids: Sequence[str]) -> dict[str, Described]:
    return {
        str(r.pk): Described(
            _("Records of %(student)s") % {"student": r.student.full_name},
            reverse("records:record", args=[r.student_id]),
        )
        for r in Record.objects.filter(pk__in=_ids(ids)).select_related("student")
    }


def related(student_ids: Sequence[int]) -> dict[str, list[str]]:
    return {
        "records.recordversion": [
            str(i)
            for i in RecordVersion.objects.filter(record__student_id__in=student_ids).values_list("pk", flat=True)
        ],
        "records.record": [
            str(i) for i in Record.objects.filter(student_id__in=student_ids).values_list("pk", flat=True)
        ],
    }


def register() -> None:
    register_object("records.recordversion", versions)
    register_object("records.record", records)
    register_related(related)
