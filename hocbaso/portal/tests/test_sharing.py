"""Share links: chosen years only, an end date, an optional PIN, every opening audited and shown
to the family, revoked at once; the token is long and only its hash is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import InvalidInput, NotFound, PermissionRefused
from hocbaso.directory.models import SchoolYear
from hocbaso.portal import actions, codes
from hocbaso.portal.models import ShareLink, ShareOpening
from hocbaso.portal.tests.helpers import activate, earlier_class, issue_year, signed_in
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World
from hocbaso.verification import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> dict[str, Any]:
    """Child An with an issued year (2025-2026 in 3A) and a guardian."""
    registry._trust_cache.clear()
    student = world.students["an"]
    newer = issue_year(world, pki, signing_env, student)
    guardian = activate(world, student, "me.an")
    return {"student": student, "newer": newer, "guardian": guardian, "pki": pki, "env": signing_env}


def _path(token: str) -> str:
    return f"/s/{token}"


def test_a_link_shows_only_the_chosen_year_after_the_pin_and_records_who_opened_it(
    client: Client, world: World, family: dict[str, Any]
) -> None:
    student, newer = family["student"], family["newer"]
    older = issue_year(world, family["pki"], family["env"], student, earlier_class(world))
    signed_in(client, family["guardian"])
    made = client.post(
        f"/family/children/{student.pk}/share/",
        {"years": [str(newer.school_year_id)], "days": "30", "pin": "2468", "label": "Trường THCS"},
    )
    assert made.status_code == 200
    url = made.context["url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 32  # 192 random bits, URL-safe
    link = ShareLink.objects.get()
    assert link.token_hash == codes.token_hash(token) and token not in link.token_hash
    assert link.pin_hash and "2468" not in link.pin_hash
    assert (link.expires_at - link.created_at) == dt.timedelta(days=30)
    assert "<svg" in made.content.decode()  # the QR code

    visitor = Client()
    closed = visitor.get(_path(token))
    assert closed.status_code == 200 and student.full_name not in closed.content.decode()
    wrong = visitor.post(_path(token), {"viewer": "Cô Lan, THCS Nghĩa Chánh", "pin": "1111"})
    assert wrong.status_code == 400 and student.full_name not in wrong.content.decode()
    opened = visitor.post(_path(token), {"viewer": "Cô Lan, THCS Nghĩa Chánh", "pin": "2468"})
    assert opened.status_code == 302
    page = visitor.get(_path(token)).content.decode()
    assert newer.issuance_code in page and older.issuance_code not in page
    assert 'data-file="pdf" data-outcome="valid"' in page
    pdf = visitor.get(f"/s/{token}/{newer.issuance_code}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert visitor.get(f"/s/{token}/{older.issuance_code}.pdf").status_code == 404
    assert Client().get(f"/s/{token}/{newer.issuance_code}.pdf").status_code == 302  # not opened in that browser

    assert ShareOpening.objects.get().viewer == "Cô Lan, THCS Nghĩa Chánh"
    assert AuditEvent.objects.filter(action="portal.share_open", object_id=str(link.pk)).count() == 1
    assert AuditEvent.objects.filter(action="portal.share_pin_failed").count() == 1
    family_page = client.get(f"/family/children/{student.pk}/").content.decode()
    assert "Cô Lan, THCS Nghĩa Chánh" in family_page

    revoked = client.post(f"/family/shares/{link.pk}/revoke/")
    assert revoked.status_code == 302
    for path in (_path(token), f"/s/{token}/{newer.issuance_code}.pdf"):
        gone = visitor.get(path)
        assert gone.status_code == 410
        assert newer.issuance_code not in gone.content.decode() and student.full_name not in gone.content.decode()
    assert AuditEvent.objects.filter(action="portal.share_revoke").exists()


def test_an_expired_link_shows_nothing(client: Client, world: World, family: dict[str, Any]) -> None:
    link, token = actions.create_share(
        by=family["guardian"], student=family["student"], school_years=[family["newer"].school_year]
    )
    visitor = Client()
    assert visitor.post(_path(token), {"viewer": "Ông Ba"}).status_code == 302
    earlier = clock.now() - dt.timedelta(days=40)
    ShareLink.objects.filter(pk=link.pk).update(created_at=earlier, expires_at=earlier + dt.timedelta(days=30))
    response = visitor.get(_path(token))
    assert response.status_code == 410 and 'data-code="share_expired"' in response.content.decode()
    assert family["newer"].issuance_code not in response.content.decode()
    again = Client().post(_path(token), {"viewer": "Ông Ba"})
    assert again.status_code == 410
    assert AuditEvent.objects.filter(action="portal.share_refused", object_id=str(link.pk)).exists()


def test_unknown_and_guessed_tokens_are_not_found(client: Client, world: World, family: dict[str, Any]) -> None:
    _link, token = actions.create_share(
        by=family["guardian"], student=family["student"], school_years=[family["newer"].school_year]
    )
    for guess in (token[:-1], token + "A", codes.new_share_token(), "1"):
        response = client.get(_path(guess))
        assert response.status_code == 404 and 'data-code="share_unknown"' in response.content.decode()
    with pytest.raises(NotFound):
        actions.link_for_token(token.upper())


BAD_REQUESTS: list[tuple[dict[str, Any], str]] = [
    ({"school_years": []}, "share_no_year"),
    ({"days": 0}, "share_days"),
    ({"days": 366}, "share_days"),
    ({"pin": "12a4"}, "share_pin_format"),
    ({"pin": "123"}, "share_pin_format"),
    ({"label": "x" * 151}, "share_label_long"),
]


def test_bad_share_requests_write_nothing(world: World, family: dict[str, Any]) -> None:
    for overrides, code in BAD_REQUESTS:
        values: dict[str, Any] = {
            "by": family["guardian"],
            "student": family["student"],
            "school_years": [family["newer"].school_year],
        }
        values.update(overrides)
        with pytest.raises(InvalidInput) as refused:
            actions.create_share(**values)
        assert code in {e.code for e in refused.value.errors}, overrides
    assert not ShareLink.objects.exists()


def test_a_year_without_an_issued_record_cannot_be_shared(world: World, family: dict[str, Any]) -> None:
    empty_year = SchoolYear.objects.create(
        code="2023-2024", **{k: v.replace(year=v.year - 2) for k, v in _year_dates(world).items()}
    )
    with pytest.raises(InvalidInput) as refused:
        actions.create_share(by=family["guardian"], student=family["student"], school_years=[empty_year])
    assert refused.value.code == "share_year_not_issued"


def _year_dates(world: World) -> dict[str, dt.date]:
    return {
        name: getattr(world.year, name)
        for name in (
            "start_date",
            "end_date",
            "mid_term1_date",
            "end_term1_date",
            "mid_term2_date",
            "year_end_date",
            "mid_term1_deadline",
            "end_term1_deadline",
            "mid_term2_deadline",
            "year_end_deadline",
        )
    }


def test_a_pin_is_throttled_per_link(world: World, family: dict[str, Any]) -> None:
    link, _token = actions.create_share(
        by=family["guardian"], student=family["student"], school_years=[family["newer"].school_year], pin="97531"
    )
    for _ in range(5):
        with pytest.raises(Exception) as wrong:
            actions.open_share(by=None, link=link, viewer="Khách", pin="00000")
        assert getattr(wrong.value, "code", "") == "share_pin_wrong"
    with pytest.raises(actions.TooManyAttempts):
        actions.open_share(by=None, link=link, viewer="Khách", pin="97531")
    assert not ShareOpening.objects.exists()


def test_only_a_guardian_of_the_child_makes_or_revokes_links(world: World, family: dict[str, Any]) -> None:
    other = activate(world, world.students["binh"], "me.binh")
    with pytest.raises(PermissionRefused):
        actions.create_share(by=other, student=family["student"], school_years=[family["newer"].school_year])
    link, _token = actions.create_share(
        by=family["guardian"], student=family["student"], school_years=[family["newer"].school_year]
    )
    for intruder in (other, world.users["principal"], world.users["homeroom"]):
        with pytest.raises(PermissionRefused):
            actions.revoke_share(by=intruder, link=link)
    second_guardian = activate(world, family["student"], "bo.an")
    actions.revoke_share(by=second_guardian, link=link)  # any guardian of the child
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
