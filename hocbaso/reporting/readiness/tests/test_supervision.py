"""Supervision visits and follow-ups: who records, the date rules, who sees, who moves a follow-up,
corrections that are never silent. Today is 15/10/2025 (conftest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, InvalidInput, PermissionRefused, ValidationFailed
from hocbaso.reporting.readiness import actions, scope
from hocbaso.reporting.readiness.models import FollowUp, FollowUpEvent, SupervisionVisit, VisitCorrection
from hocbaso.testing import VIETNAM, World

from .conftest import DAY

DUE = DAY + dt.timedelta(days=20)


def visit(
    world: World,
    persona: str = "officer",
    *,
    on: dt.date = DAY - dt.timedelta(days=3),
    school: Any = None,
    **extra: Any,
) -> SupervisionVisit:
    return actions.record_visit(
        by=world.users[persona],
        school=school or world.school_a,
        visited_on=on,
        findings=extra.pop("findings", "Đã nhập đủ điểm GHK1; thiếu chứng thư số của 2 giáo viên."),
        follow_ups=extra.pop("follow_ups", [("Đăng ký chứng thư số cho 2 giáo viên", DUE)]),
    )


@pytest.mark.django_db
def test_the_commune_officer_records_a_visit_with_follow_ups(world: World) -> None:
    made = visit(
        world, follow_ups=[("Đăng ký chứng thư số", DUE), ("Tập huấn giáo viên mới", DUE + dt.timedelta(days=10))]
    )
    assert made.unit == world.commune1
    assert made.recorded_by == world.users["officer"]
    assert [f.state for f in made.follow_ups.all()] == ["open", "open"]
    event = AuditEvent.objects.get(action="supervision.visit_recorded")
    assert event.school_id == world.school_a.pk
    assert event.changes["visited_on"] == "2025-10-12"
    assert len(event.changes["follow_ups"]) == 2


@pytest.mark.django_db
def test_the_province_officer_records_for_any_school_of_the_province(world: World) -> None:
    assert visit(world, "province_officer", school=world.school_b).unit == world.province


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    [
        "officer2",  # another commune: school A is outside its scope
        "district_officer",  # the district was abolished on 30/6/2025
        "principal",
        "vice",
        "clerk",
        "homeroom",
        "teacher",
        "principal_b",
        "stranger",
        "operator",  # reads everything, records nothing of an officer's
    ],
)
def test_nobody_else_records_a_visit_to_school_a(world: World, persona: str) -> None:
    with pytest.raises(PermissionRefused) as refused:
        visit(world, persona)
    assert refused.value.code in {"visit_out_of_scope", "forbidden"}
    assert not SupervisionVisit.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "code"),
    [
        (DAY + dt.timedelta(days=1), "visit_in_future"),
        (DAY - dt.timedelta(days=31), "visit_backdated"),
        (dt.date(2024, 1, 1), "visit_backdated"),
    ],
)
def test_a_visit_date_in_the_future_or_backdated_is_refused(world: World, on: dt.date, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        visit(world, on=on)
    assert code in {e.code for e in refused.value.errors}
    assert not SupervisionVisit.objects.exists()


@pytest.mark.django_db
def test_thirty_days_back_is_the_limit(world: World) -> None:
    assert visit(world, on=DAY - dt.timedelta(days=30)).visited_on == dt.date(2025, 9, 15)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("follow_ups", "code"),
    [
        ([("Việc", DAY - dt.timedelta(days=1))], "follow_up_due_past"),
        ([("Việc", DAY + dt.timedelta(days=400))], "follow_up_due_too_far"),
        ([("   ", DUE)], "follow_up_text_required"),
    ],
)
def test_follow_ups_that_break_a_rule_refuse_the_whole_visit(world: World, follow_ups: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        visit(world, follow_ups=follow_ups)
    assert code in {e.code for e in refused.value.errors}
    assert not SupervisionVisit.objects.exists() and not FollowUp.objects.exists()


@pytest.mark.django_db
def test_empty_findings_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        visit(world, findings=" \n ")
    assert refused.value.code == "visit_findings_required"


@pytest.mark.django_db
def test_a_commune_officer_cannot_record_a_visit_from_before_their_commune_existed(world: World) -> None:
    with clock.pinned(dt.datetime(2025, 7, 10, 9, 0, tzinfo=VIETNAM)):
        with pytest.raises(PermissionRefused):
            visit(world, "officer", on=dt.date(2025, 6, 25))  # school A was the district's then
        made = visit(world, "province_officer", on=dt.date(2025, 6, 25), follow_ups=[])
    assert made.unit == world.province


@pytest.mark.django_db
def test_who_sees_which_visit(world: World) -> None:
    with clock.pinned(dt.datetime(2025, 6, 27, 9, 0, tzinfo=VIETNAM)):  # the district still exists
        june = visit(world, "district_officer", on=dt.date(2025, 6, 20), follow_ups=[])
    assert june.unit == world.district
    october = visit(world)
    at_b = visit(world, "officer2", school=world.school_b)

    def seen(persona: str) -> set[int]:
        return set(scope.visible_visits(world.users[persona]).values_list("pk", flat=True))

    assert seen("principal") == seen("vice") == {june.pk, october.pk}
    assert seen("officer") == {june.pk, october.pk}  # a running commune reads the school's earlier visits
    assert seen("district_officer") == {june.pk}  # the abolished district: only up to 30/6/2025
    assert seen("officer2") == seen("principal_b") == {at_b.pk}
    assert seen("province_officer") == seen("operator") == {june.pk, october.pk, at_b.pk}
    for persona in ["clerk", "homeroom", "teacher", "stranger"]:
        assert seen(persona) == set(), persona


@pytest.mark.django_db
def test_the_school_marks_done_the_officer_confirms(world: World) -> None:
    follow_up = visit(world).follow_ups.get()
    with pytest.raises(ValidationFailed) as refused:
        actions.move_follow_up(by=world.users["principal"], follow_up=follow_up, move="mark_done", note=" ")
    assert refused.value.code == "follow_up_note_required"
    actions.move_follow_up(
        by=world.users["principal"], follow_up=follow_up, move="mark_done", note="Đã đăng ký ngày 20/10"
    )
    assert FollowUp.objects.get().state == "done"
    for persona in ["principal", "vice", "officer2", "district_officer", "clerk"]:
        with pytest.raises(PermissionRefused):
            actions.move_follow_up(by=world.users[persona], follow_up=follow_up, move="confirm")
    actions.move_follow_up(by=world.users["officer"], follow_up=follow_up, move="confirm")
    assert FollowUp.objects.get().state == "confirmed"
    with pytest.raises(Conflict) as again:
        actions.move_follow_up(by=world.users["officer"], follow_up=follow_up, move="reopen", note="Chưa đủ")
    assert again.value.code == "follow_up_transition"
    assert [e.move for e in FollowUpEvent.objects.all()] == ["mark_done", "confirm"]
    assert list(
        AuditEvent.objects.filter(action__startswith="supervision.follow_up").values_list("action", flat=True)
    ) == [
        "supervision.follow_up_mark_done",
        "supervision.follow_up_confirm",
    ]


@pytest.mark.django_db
def test_the_officer_reopens_with_a_note(world: World) -> None:
    follow_up = visit(world, "province_officer").follow_ups.get()
    actions.move_follow_up(by=world.users["vice"], follow_up=follow_up, move="mark_done", note="Xong")
    with pytest.raises(ValidationFailed):
        actions.move_follow_up(by=world.users["officer"], follow_up=follow_up, move="reopen")
    actions.move_follow_up(by=world.users["officer"], follow_up=follow_up, move="reopen", note="Mới đăng ký 1 người")
    assert FollowUp.objects.get().state == "open"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["principal_b", "clerk", "homeroom", "teacher", "officer", "operator", "stranger"])
def test_only_the_schools_heads_mark_a_follow_up_done(world: World, persona: str) -> None:
    follow_up = visit(world).follow_ups.get()
    with pytest.raises(PermissionRefused):
        actions.move_follow_up(by=world.users[persona], follow_up=follow_up, move="mark_done", note="Xong")
    assert FollowUp.objects.get().state == "open"


@pytest.mark.django_db
def test_a_correction_keeps_the_earlier_text_and_its_reason(world: World) -> None:
    made = visit(world)
    before = made.findings
    with pytest.raises(InvalidInput) as refused:
        actions.correct_findings(by=world.users["officer"], visit=made, findings="Sửa", reason="")
    assert refused.value.code == "correction_reason_required"
    with pytest.raises(InvalidInput) as same:
        actions.correct_findings(by=world.users["officer"], visit=made, findings=before, reason="Không đổi")
    assert same.value.code == "correction_unchanged"
    with pytest.raises(PermissionRefused):
        actions.correct_findings(by=world.users["officer2"], visit=made, findings="Khác", reason="Thử")
    with pytest.raises(PermissionRefused):
        actions.correct_findings(by=world.users["principal"], visit=made, findings="Tốt hết", reason="Trường sửa")
    actions.correct_findings(by=world.users["officer"], visit=made, findings="Đã nhập đủ điểm GHK1.", reason="Ghi nhầm")
    made.refresh_from_db()
    assert made.findings == "Đã nhập đủ điểm GHK1."
    assert made.visited_on == DAY - dt.timedelta(days=3)  # the date is never corrected
    correction = VisitCorrection.objects.get()
    assert (correction.findings_before, correction.reason) == (before, "Ghi nhầm")
    event = AuditEvent.objects.get(action="supervision.visit_corrected")
    assert event.changes["findings"] == [before, "Đã nhập đủ điểm GHK1."]
    with pytest.raises(ValueError):
        correction.save()
    with pytest.raises(ValueError):
        correction.delete()


@pytest.mark.django_db
def test_pages(world: World, login: Any) -> None:
    made = visit(world)
    follow_up = made.follow_ups.get()
    officer = login("officer")
    home = officer.get("/").content.decode()
    assert "Sẵn sàng triển khai" in home and "Kiểm tra, hỗ trợ" in home
    assert officer.get("/supervision/").status_code == 200
    assert officer.get("/supervision/visits/new/").status_code == 200
    assert "Đăng ký chứng thư số" in officer.get(f"/supervision/visits/{made.pk}/").content.decode()
    other = login("principal_b", on=Client())
    assert other.get(f"/supervision/visits/{made.pk}/").status_code == 404
    assert other.post(f"/supervision/follow-ups/{follow_up.pk}/mark_done/", {"note": "x"}).status_code == 404
    principal = login("principal", on=Client())
    assert "Đã thực hiện</button>" in principal.get(f"/supervision/visits/{made.pk}/").content.decode()
    assert "Đã thực hiện</button>" not in officer.get(f"/supervision/visits/{made.pk}/").content.decode()
    done = principal.post(f"/supervision/follow-ups/{follow_up.pk}/mark_done/", {"note": "Đã làm"})
    assert done.status_code == 302
    assert FollowUp.objects.get().state == "done"
    assert "Xác nhận</button>" in officer.get(f"/supervision/visits/{made.pk}/").content.decode()
    assert "Xác nhận</button>" not in principal.get(f"/supervision/visits/{made.pk}/").content.decode()
    assert principal.post(f"/supervision/follow-ups/{follow_up.pk}/confirm/").status_code == 403
    assert principal.post(f"/supervision/follow-ups/{follow_up.pk}/erase/").status_code == 404
    assert principal.get(f"/supervision/follow-ups/{follow_up.pk}/confirm/").status_code == 405


@pytest.mark.django_db
def test_the_visit_form_refuses_on_the_field(world: World, login: Any) -> None:
    client = login("officer")
    page = client.post(
        "/supervision/visits/new/",
        {
            "school": world.school_a.pk,
            "visited_on": "2025-10-16",
            "findings": "Tốt",
            "follow_up_1": "Việc",
            "due_1": "",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nhập hạn hoàn thành." in body
    page = client.post(
        "/supervision/visits/new/", {"school": world.school_a.pk, "visited_on": "2025-10-16", "findings": "Tốt"}
    )
    assert "Ngày kiểm tra không được sau hôm nay." in page.content.decode()
    page = client.post(
        "/supervision/visits/new/", {"school": world.school_b.pk, "visited_on": "2025-10-10", "findings": "Tốt"}
    )
    assert page.status_code == 200  # school B is not offered to commune 1's officer: refused by the form
    assert not SupervisionVisit.objects.exists()


@pytest.mark.django_db
def test_overdue_follow_ups_are_counted_per_school(world: World, login: Any) -> None:
    made = visit(world, follow_ups=[("Việc A", DUE), ("Việc B", DUE)])
    late = made.follow_ups.first()
    assert late is not None
    FollowUp.objects.filter(pk=late.pk).update(due_on=DAY - dt.timedelta(days=2))  # as if time had passed
    body = login("officer").get("/supervision/").content.decode()
    assert 'class="num overdue">1<' in body
    assert "Việc A" in body or "Việc B" in body
    assert "1 việc quá hạn" in login("principal", on=Client()).get("/").content.decode()
