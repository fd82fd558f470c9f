"""Issuing the demo province's 2024-2025 records: freeze every complete student's year, then
sign each class (homeroom teacher), each school (principal) and apply each school's seal, with
the demo PKI. Safe to run again: frozen and signed versions are skipped.

Runs in the background after ``make demo`` starts serving (``hocbaso demo-issue``); the home
page shows how far it is (``progress``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count

from hocbaso.core import clock
from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, Role, School, SchoolYear, SchoolYearSetting
from hocbaso.records import tasks as record_tasks
from hocbaso.records.models import AssemblyRun, RecordVersion, Status
from hocbaso.signing import actions, pending, providers, trust
from hocbaso.signing.models import SignatureRole

YEAR = "2024-2025"
# The demo assembles its 2024-2025 records on days of 2025 (the clock pinned), never on the day the
# demo is set up: most in June, before the 2025 reform (their pages keep "huyện …" and the old
# address); those whose year was confirmed after the summer, in late August (new names).
ASSEMBLY_DAYS = (clock.at(2025, 6, 20, 8, 0), clock.at(2025, 8, 25, 8, 0))


@dataclass(frozen=True)
class Progress:
    students: int
    frozen: int
    issued: int

    @property
    def done(self) -> bool:
        return self.students > 0 and self.issued >= self.frozen and self.frozen > 0


def digital_schools(year: str = YEAR) -> list[School]:
    paper = SchoolYearSetting.objects.filter(school_year__code=year, paper_mode=True).values("school_id")
    return list(School.objects.exclude(pk__in=paper).order_by("code"))


def progress(year: str = YEAR) -> Progress:
    schools = digital_schools(year)
    students = Enrolment.objects.filter(school_year__code=year, class_group__school__in=schools).count()
    counts = dict(
        RecordVersion.objects.filter(school_year__code=year, school__in=schools)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    frozen = sum(n for status, n in counts.items() if status not in (Status.DRAFT, Status.SUPERSEDED, Status.REVOKED))
    return Progress(students, frozen, counts.get(Status.ISSUED, 0))


def _sign(user: object, role: str, version_ids: list[int], key: str) -> None:
    if not version_ids:
        return
    credential = pending.credentials_for(user, role).first()
    if credential is None:
        return
    source = providers.source_for(credential, trust.demo_pkcs12_password())
    actions.sign_batch(
        by=user,
        version_ids=version_ids,
        role=role,
        signer_source=source,
        idempotency_key=key,
        credential=credential,
        channel="cli",
    )


def issue(year: str = YEAR, *, say: Callable[[str], None] = print) -> Progress:
    """Freeze and sign every digital school's records of ``year``."""
    for school in digital_schools(year):
        for day in ASSEMBLY_DAYS:
            with clock.pinned(day):
                run = AssemblyRun.objects.create(school=school, school_year=SchoolYear.objects.get(code=year))
                record_tasks.execute(run.pk)
        say(f"{school.name}: {progress(year)}")
        for class_group in ClassGroup.objects.filter(school=school, school_year__code=year).order_by("grade", "name"):
            homeroom = (
                Appointment.objects.filter(role=Role.HOMEROOM_TEACHER, class_group=class_group)
                .select_related("staff__user")
                .first()
            )
            ids = list(
                RecordVersion.objects.filter(class_group=class_group, status=Status.FROZEN).values_list("pk", flat=True)
            )
            if homeroom is not None:
                _sign(homeroom.staff.user, SignatureRole.HOMEROOM, ids, f"demo-{class_group.pk}-homeroom")
        principal = Appointment.objects.filter(role=Role.PRINCIPAL, school=school).select_related("staff__user").first()
        ids = list(
            RecordVersion.objects.filter(
                school=school, school_year__code=year, status=Status.SIGNED_HOMEROOM
            ).values_list("pk", flat=True)
        )
        if principal is not None:
            _sign(principal.staff.user, SignatureRole.PRINCIPAL, ids, f"demo-{school.pk}-{year}-principal")
        ids = list(
            RecordVersion.objects.filter(
                school=school, school_year__code=year, status=Status.SIGNED_PRINCIPAL
            ).values_list("pk", flat=True)
        )
        for holder in Appointment.objects.filter(role__in=[Role.CLERK, Role.PRINCIPAL], school=school).select_related(
            "staff__user"
        ):
            if pending.credentials_for(holder.staff.user, SignatureRole.SCHOOL).exists():
                _sign(holder.staff.user, SignatureRole.SCHOOL, ids, f"demo-{school.pk}-{year}-seal")
                break
        say(f"{school.name}: {progress(year)}")
    return progress(year)
