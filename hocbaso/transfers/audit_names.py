"""How the audit page names transfers (the student, the schools), and which concern given
students; registered in ``apps.ready``."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from hocbaso.audit.presentation import Described, register_object, register_related
from hocbaso.transfers.models import Transfer


def transfers(ids: Sequence[str]) -> dict[str, Described]:
    found = Transfer.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]).select_related(
        "student", "from_school"
    )
    return {str(t.pk): Described(_("Transfer of %(student)s") % {"student": t.student.full_name}) for t in found}


def related(student_ids: Sequence[int]) -> dict[str, list[str]]:
    ids = Transfer.objects.filter(student_id__in=student_ids).values_list("pk", flat=True)
    return {"transfers.transfer": [str(i) for i in ids]}


def register() -> None:
    register_object("transfers.transfer", transfers)
    register_related(related)
