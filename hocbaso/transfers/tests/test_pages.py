"""The transfer pages: a request, a signed decision and an acceptance through the web forms, and
who sees what."""

from __future__ import annotations

from django.urls import reverse

from hocbaso.core.permissions import rule_of
from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers import urls
from hocbaso.transfers.models import Transfer, TransferState
from hocbaso.transfers.tests.conftest import MID_YEAR, requested


def test_every_transfers_url_has_a_rule() -> None:
    assert all(rule_of(p.callback) for p in urls.urlpatterns)


def test_request_decide_accept_through_the_pages(world: World, login, credentials) -> None:  # type: ignore[no-untyped-def]
    student = world.students["an"]
    client = login("clerk")
    response = client.post(
        reverse("transfers:request", args=[student.pk]),
        {
            "to_school": world.school_b.pk,
            "school_year": "2025-2026",
            "desired_date": MID_YEAR.isoformat(),
            "reason": "Gia đình chuyển nơi ở",
            "requested_by_family": "Nguyễn Thị Mai (mẹ)",
        },
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("transfers:detail", args=[transfer.pk])
    client = login("principal")
    page = client.get(reverse("transfers:detail", args=[transfer.pk]))
    assert "Sign the transfer decision" in page.content.decode() or "Ký quyết định" in page.content.decode()
    client.post(
        reverse("transfers:detail", args=[transfer.pk]),
        {"step": "decide", "credential": credentials["principal"].pk, "authorisation": PASSWORD},
    )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.DECIDED
    assert client.get(reverse("transfers:decision", args=[transfer.pk])).status_code == 200
    client = login("principal_b")
    client.post(reverse("transfers:detail", args=[transfer.pk]), {"step": "accept", "to_class": world.class_b_3a.pk})
    transfer.refresh_from_db()
    assert transfer.state == TransferState.ACCEPTED


def test_a_wrong_password_shows_on_the_form(world: World, login, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = requested(world)
    response = login("principal").post(
        reverse("transfers:detail", args=[transfer.pk]),
        {"step": "decide", "credential": credentials["principal"].pk, "authorisation": "sai"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.REQUESTED


def test_staff_outside_both_schools_get_404(world: World, login) -> None:  # type: ignore[no-untyped-def]
    transfer = requested(world, to_school=None, destination="Trường Tiểu học Hòa Bình, Hà Nội")
    assert login("principal_b").get(reverse("transfers:detail", args=[transfer.pk])).status_code == 404
    assert login("homeroom").get(reverse("transfers:detail", args=[transfer.pk])).status_code == 403


def test_the_receiving_school_sees_an_incoming_transfer(world: World, login) -> None:  # type: ignore[no-untyped-def]
    transfer = requested(world)
    assert "Nguyễn Văn An" in login("principal_b").get(reverse("transfers:list")).content.decode()
    assert login("principal_b").get(reverse("transfers:detail", args=[transfer.pk])).status_code == 200


def test_a_principal_who_left_sees_only_the_transfers_of_the_years_served(world: World, login) -> None:  # type: ignore[no-untyped-def]
    """An ended appointment reads only the school years it overlapped (roles' dated scope)."""
    import datetime as dt

    from hocbaso.directory.models import Role
    from hocbaso.testing import appoint, make_user

    transfer = requested(world)  # 2025-2026, school A → school B
    left = make_user("left_2025", school=world.school_a)
    appoint(left, Role.PRINCIPAL, school=world.school_a, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2025, 6, 30))
    stayed = make_user("stayed", school=world.school_a)
    appoint(
        stayed, Role.PRINCIPAL, school=world.school_a, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2025, 12, 31)
    )
    gone = login(left)
    assert gone.get(reverse("transfers:detail", args=[transfer.pk])).status_code == 404
    assert "Nguyễn Văn An" not in gone.get(reverse("transfers:list")).content.decode()
    assert login(stayed).get(reverse("transfers:detail", args=[transfer.pk])).status_code == 200
