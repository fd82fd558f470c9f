"""The demo's families: one guardian already signed up, one letter waiting, one consent request.

:func:`ensure` runs on every ``hocbaso demo-data`` (safe to repeat): the guardian ``phuhuynh.demo``
(password ``hocbaso-demo``) of the first child of 3A 2024-2025 at Lê Trung Đình — whose records
``demo-issue`` signs among the first — is created through a real letter and activation; a fresh
letter for the class's second child is printed on the console each time (its code exists in clear
only there: older unused letters of that child are revoked); the schools get a made-up phone and
e-mail (the family page shows the school's contact); Nghĩa Lộ asks the family's consent to
receive the child. Everything goes through the portal's and the directory's actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from hocbaso.accounts.models import User
from hocbaso.demo import directory_data
from hocbaso.directory import consent
from hocbaso.directory.models import Appointment, ClassGroup, ConsentKind, ConsentRequest, Role, School, Student
from hocbaso.portal import actions, codes
from hocbaso.portal.models import GuardianAccess

FAMILY_LOGIN = "phuhuynh.demo"


@dataclass(frozen=True)
class FamilyDemo:
    login: str
    child: Student
    letter_code: str
    letter_child: Student


def _principal(school: School) -> User:
    appointment = Appointment.objects.filter(role=Role.PRINCIPAL, school=school).select_related("staff__user").first()
    assert appointment is not None, f"the demo has no principal at {school}"
    return appointment.staff.user


def _contacts() -> None:
    for number, demo in enumerate(directory_data.SCHOOLS, start=1):
        School.objects.filter(code=demo.code, phone="").update(
            phone=f"0255 3800 {100 + number:03d}", email=f"th.{demo.slug}@demo.hocbaso.vn"
        )


def ensure() -> FamilyDemo:
    _contacts()
    school = School.objects.get(code=directory_data.SCHOOLS[0].code)
    principal = _principal(school)
    class_group = ClassGroup.objects.get(school=school, school_year__code="2024-2025", name="3A")
    child, letter_child = actions.class_students(class_group)[:2]
    if not GuardianAccess.objects.filter(user__username=FAMILY_LOGIN, state=GuardianAccess.State.ACTIVE).exists():
        letter = actions.issue_letter(by=principal, student=child)
        actions.activate(
            by=None,
            code=letter.code,
            date_of_birth=child.date_of_birth,
            username=FAMILY_LOGIN,
            password=directory_data.DEMO_PASSWORD,
            display_name=f"Phụ huynh em {child.full_name}",
            client="demo-data",
        )
    for stale in GuardianAccess.objects.filter(student=letter_child, state=GuardianAccess.State.PENDING):
        actions.revoke_access(by=principal, access=stale, reason="thư thử mới cho lần chạy demo này")
    waiting = actions.issue_letter(by=principal, student=letter_child)
    asking = School.objects.get(code=directory_data.SCHOOLS[1].code)
    if not ConsentRequest.objects.filter(student=child, requesting_school=asking).exists():
        consent.request_consent(
            by=_principal(asking),
            student=child,
            requesting_school=asking,
            kind=ConsentKind.TRANSFER,
            purpose="Gia đình chuyển nơi ở về phường Nghĩa Lộ (dữ liệu thử).",
        )
    return FamilyDemo(FAMILY_LOGIN, child, codes.printed(waiting.code), letter_child)
