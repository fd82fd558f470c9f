"""The transfer API: the same procedure and the same refusals as the pages, as JSON."""

from __future__ import annotations

from typing import Any

from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers.models import Transfer, TransferState
from hocbaso.transfers.tests.conftest import MID_YEAR

BASE = "/api/v1/transfers/"


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_request_decide_accept_through_the_api(world: World, login, credentials) -> None:  # type: ignore[no-untyped-def]
    body = {
        "student_id": world.students["an"].pk,
        "to_school_id": world.school_b.pk,
        "school_year": "2025-2026",
        "desired_date": MID_YEAR.isoformat(),
        "reason": "Gia đình chuyển nơi ở",
        "requested_by_family": "Nguyễn Thị Mai (mẹ)",
    }
    created = post(login("clerk"), BASE, body)
    assert created.status_code == 201, created.content
    transfer_id = created.json()["id"]
    decided = post(
        login("principal"),
        f"{BASE}{transfer_id}/decision",
        {"credential_id": credentials["principal"].pk, "authorisation": PASSWORD},
    )
    assert decided.status_code == 200 and decided.json()["state"] == "decided", decided.content
    client = login("principal_b")
    assert client.get(f"{BASE}{transfer_id}/decision.xml").status_code == 200
    accepted = post(client, f"{BASE}{transfer_id}/accept", {"class_id": world.class_b_3a.pk})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


def test_refusals_carry_their_code(world: World, login) -> None:  # type: ignore[no-untyped-def]
    body = {
        "student_id": world.students["an"].pk,
        "to_school_id": world.school_a.pk,
        "school_year": "2025-2026",
        "desired_date": MID_YEAR.isoformat(),
        "reason": "x",
        "requested_by_family": "y",
    }
    response = post(login("clerk"), BASE, body)
    assert response.status_code == 400
    assert response.json()["code"] == "transfer_same_school" and response.json()["field"] == "to_school"
    body.update(to_school_id=world.school_b.pk, school_year="2031-2032")
    assert post(login("clerk"), BASE, body).json()["code"] == "school_year_unknown"
    assert not Transfer.objects.exists()


def test_acceptance_by_the_sending_principal_is_refused(world: World, login, credentials) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.transfers.tests.conftest import decided

    transfer = decided(world, credentials)
    response = post(login("principal"), f"{BASE}{transfer.pk}/accept", {"class_id": world.class_b_3a.pk})
    assert response.status_code == 403 and response.json()["code"] == "not_receiving_principal"
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.DECIDED


def test_outsiders_see_nothing(world: World, login) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.transfers.tests.conftest import requested

    transfer = requested(world, to_school=None, destination="Trường Tiểu học Hòa Bình, Hà Nội")
    assert login("principal_b").get(f"{BASE}{transfer.pk}").status_code == 404
    assert login("principal_b").get(BASE).json() == []
