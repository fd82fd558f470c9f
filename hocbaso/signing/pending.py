"""Read models of signing: what waits for whose signature, and which credentials a signer may use.

Scoped by construction: only the user's own appointments (``directory.roles``) open anything.
Pending versions come in class roll order (``core.collation.roll_key``), grouped by (role, class).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from hocbaso.core import clock
from hocbaso.core.collation import roll_key
from hocbaso.directory.models import ClassGroup, SchoolYearSetting
from hocbaso.directory.roles import Permission, appointments_granting, schools_where, staff_of
from hocbaso.records.models import Origin, RecordVersion, Status
from hocbaso.signing.models import SignatureEvent, SignatureRole, SigningCredential
from hocbaso.signing.order import PERSONAL_SIGNATURES, REQUIRED_STATUS, SIGNATURE_PERMISSIONS


@dataclass
class PendingGroup:
    role: str
    class_group: ClassGroup
    versions: list[RecordVersion]


def pending_for(user: Any, *, on: dt.date | None = None) -> list[PendingGroup]:
    """Versions waiting for ``user``'s signature, grouped by (role, class), by appointments valid on ``on``.

    Homeroom teachers see the frozen versions of their classes; principals and vice-principals the
    versions their school's homeroom teachers signed; principals and clerks the versions waiting
    for the school seal. Scoped by construction: only the user's own appointments open anything.
    """
    staff = staff_of(user)
    if staff is None:
        return []
    day = on or clock.today()
    conditions: dict[str, Q] = {}
    homeroom_classes = list(
        appointments_granting(staff, Permission.SIGN_AS_HOMEROOM, on=day).values_list("class_group_id", flat=True)
    )
    if homeroom_classes:
        conditions[SignatureRole.HOMEROOM] = Q(class_group_id__in=homeroom_classes)
    for school_role in (SignatureRole.PRINCIPAL, SignatureRole.SCHOOL):
        granting = appointments_granting(staff, SIGNATURE_PERMISSIONS[school_role], on=day)
        schools = list(granting.values_list("school_id", flat=True))
        if schools:
            conditions[school_role] = Q(school_id__in=schools)
    groups: list[PendingGroup] = []
    for role, condition in conditions.items():
        waiting = Q(status=REQUIRED_STATUS[role], origin=Origin.DIGITAL)
        if role == SignatureRole.SCHOOL:  # digitised copies wait for the seal alone
            waiting |= Q(status=Status.FROZEN, origin=Origin.DIGITISED)
        versions = RecordVersion.objects.filter(condition, waiting).exclude(signature_events__role=role)
        paper_years = SchoolYearSetting.objects.filter(
            paper_mode=True, school_id=OuterRef("school_id"), school_year_id=OuterRef("school_year_id")
        )
        # a paper year's record is signed by hand, never here; the copies digitised from its paper
        # books are what the seal certifies here
        versions = versions.exclude(Exists(paper_years), origin=Origin.DIGITAL)
        if role in PERSONAL_SIGNATURES:  # not what this person already signed in the other personal role
            versions = versions.exclude(
                pk__in=SignatureEvent.objects.filter(signer=staff, role__in=PERSONAL_SIGNATURES).values("version_id")
            )
        versions = versions.select_related("class_group__school_year", "record__student", "school")
        current: PendingGroup | None = None
        ordered = sorted(
            versions,
            key=lambda v: roll_key(
                v.class_group.name, v.record.student.full_name, v.pk, scope=(v.class_group.school_year.code,)
            ),
        )
        for version in ordered:
            if current is None or current.class_group.pk != version.class_group_id:
                current = PendingGroup(role, version.class_group, [])
                groups.append(current)
            current.versions.append(version)
    return groups


def credentials_for(user: Any, role: str) -> QuerySet[SigningCredential]:
    """Active credentials ``user`` may use for ``role``: their own personal ones, or their schools' seals."""
    staff = staff_of(user)
    if staff is None:
        return SigningCredential.objects.none()
    now = clock.now()
    usable = SigningCredential.objects.filter(active=True, not_after__gt=now)
    if role == SignatureRole.SCHOOL:
        schools = schools_where(user, Permission.APPLY_SCHOOL_SEAL)
        return usable.filter(for_organisation=True, school_id__in=schools.values("pk")).order_by("label")
    return usable.filter(staff=staff, for_organisation=False).order_by("label")
