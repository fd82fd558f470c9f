"""The demo's transfers, made through the real actions once the 2024-2025 records are issued:

- a finished transfer inside the province during 2025-2026 (from 5/1/2026: the assessments entered
  so far stay with the sending school and show in the receiving class);
- a finished transfer at the change of year (from 8/9/2025, the 2024-2025 record attached to the
  signed decision);
- one transfer waiting for the receiving principal's answer.

Decisions are signed with the sending principal's demo certificate. Safe to run again: nothing
is made when the demo already has transfers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hocbaso.accounts.models import User
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, Role, School
from hocbaso.signing import pending, trust
from hocbaso.signing.models import SignatureRole
from hocbaso.transfers import actions
from hocbaso.transfers.models import Transfer

YEAR = "2025-2026"
PLANS = [
    (dt.date(2026, 1, 5), "Gia đình chuyển nơi ở sang phường khác", "Nguyễn Thị Hoa (mẹ)", True),
    (dt.date(2025, 9, 8), "Gần nơi làm việc của cha mẹ từ năm học mới", "Trần Văn Sơn (cha)", True),
    (dt.date(2026, 2, 2), "Gia đình về quê ngoại", "Lê Thị Mai (mẹ)", False),
]


def _head(school: School) -> User | None:
    found = Appointment.objects.filter(role=Role.PRINCIPAL, school=school).select_related("staff__user").first()
    return found.staff.user if found else None


def make(schools: list[School], *, say: Callable[[str], None] = print) -> int:
    """Make the demo transfers between the first two digital schools; returns how many were made."""
    if Transfer.objects.exists() or len(schools) < 2:
        return 0
    sending, receiving = schools[0], schools[1]
    sender, receiver = _head(sending), _head(receiving)
    if sender is None or receiver is None:
        return 0
    credential = pending.credentials_for(sender, SignatureRole.PRINCIPAL).first()
    if credential is None:
        return 0
    password = trust.demo_pkcs12_password()
    made = 0
    used: set[int] = set()
    for day, reason, family, finish in PLANS:
        enrolment = (
            Enrolment.objects.filter(
                class_group__school=sending, school_year__code=YEAR, end_date__isnull=True, start_date__lt=day
            )
            .exclude(student_id__in=used)
            .exclude(student__transfers__isnull=False)
            .select_related("student", "class_group")
            .order_by("class_group__grade", "class_group__name", "student__full_name")
            .filter(class_group__grade__gte=2)
            .first()
        )
        if enrolment is None:
            continue
        target = ClassGroup.objects.filter(
            school=receiving, school_year__code=YEAR, grade=enrolment.class_group.grade
        ).first()
        if target is None:
            continue
        used.add(enrolment.student_id)
        try:
            transfer = actions.request_transfer(
                by=sender,
                student=enrolment.student,
                to_school=receiving,
                school_year=YEAR,
                desired_date=day,
                reason=reason,
                requested_by_family=family,
                channel="cli",
            )
            actions.decide_transfer(
                by=sender, transfer=transfer, credential=credential, authorisation=password, channel="cli"
            )
            if finish:
                actions.accept_transfer(by=receiver, transfer=transfer, to_class=target, channel="cli")
        except DomainError as exc:
            say(f"demo transfer of {enrolment.student.full_name} not made: {exc.code}")
            continue
        made += 1
        state = "accepted" if finish else "waiting for the receiving principal"
        say(f"demo transfer: {enrolment.student.full_name}, {sending.name} → {receiving.name} ({day}, {state})")
    return made
