"""Paper mode: who may put a school-year on paper (the officer over the school, with a reason,
audited), the switch refused once anything of the year is signed, and signing a paper year refused
on every path — a batch (web and in process), a batch queued before the switch, a phone app's
answer, the API — with the stable code ``paper_year_signing``."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.db import transaction

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import SchoolYearSetting
from hocbaso.directory.paper import is_paper_year, paper_school_years
from hocbaso.records.models import Status
from hocbaso.signing import actions, batches, issuance, pending, remote
from hocbaso.signing.models import ItemOutcome, RemoteApproval, SignatureEvent, SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import make_class_versions, register_credential
from hocbaso.signing.tests.test_remote_batches import _app_batch, _app_signs
from hocbaso.testing import World

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env  # the fixture, shared


def _set(world: World, persona: str, paper_mode: bool = True, reason: str = "Thiếu máy tính, chưa có chữ ký số") -> Any:
    return actions.set_paper_mode(
        by=world.users[persona], school=world.school_a, school_year=world.year, paper_mode=paper_mode, reason=reason
    )


@pytest.mark.parametrize("persona", ["officer", "province_officer"])
def test_the_officer_over_the_school_sets_paper_mode_with_a_reason_audited(world: World, persona: str) -> None:
    setting = _set(world, persona)
    assert setting.paper_mode and is_paper_year(world.school_a, world.year)
    assert (setting.paper_mode_reason, setting.paper_mode_changed_by) == (
        "Thiếu máy tính, chưa có chữ ký số",
        world.users[persona],
    )
    event = AuditEvent.objects.get(action="directory.paper_mode")
    assert event.actor == world.users[persona] and event.school_id == world.school_a.pk
    assert event.changes["paper_mode"] == [False, True] and event.changes["year"] == "2025-2026"
    assert [s.school for s in paper_school_years(school_year=world.year)] == [world.school_a]

    back = _set(world, persona, paper_mode=False, reason="Đã trang bị chữ ký số")
    assert not back.paper_mode and not is_paper_year(world.school_a, world.year)
    assert AuditEvent.objects.filter(action="directory.paper_mode").count() == 2
    assert not paper_school_years(school_year=world.year).exists()


@pytest.mark.parametrize(
    "persona",
    # another commune's officer, the abolished district's officer (ended 30/6/2025), the school's own
    # staff (the clerk, the principal, a teacher), another school's principal, the operator
    ["officer2", "district_officer", "clerk", "principal", "vice", "homeroom", "teacher", "principal_b", "operator"],
)
def test_nobody_else_switches_paper_mode(world: World, persona: str) -> None:
    with pytest.raises(DomainError) as refused:
        _set(world, persona)
    assert refused.value.code == "paper_mode_not_allowed"
    assert not is_paper_year(world.school_a, world.year)
    assert not AuditEvent.objects.filter(action="directory.paper_mode").exists()


def test_a_reason_is_required_and_a_no_change_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as no_reason:
        _set(world, "officer", reason="  \u200b ")
    assert no_reason.value.code == "paper_mode_reason_required"
    with pytest.raises(DomainError) as unchanged:
        _set(world, "officer", paper_mode=False)
    assert unchanged.value.code == "paper_mode_unchanged"


def _signed_homeroom(world: World, pki: DemoPKI) -> Any:
    (version,) = make_class_versions(world, 1)
    _credential, source = register_credential(pki, world.users["homeroom"])
    batches.sign_batch(
        by=world.users["homeroom"],
        version_ids=[version.pk],
        role=SignatureRole.HOMEROOM,
        signer_source=source,
        idempotency_key="paper-1",
    )
    version.refresh_from_db()
    assert version.status == Status.SIGNED_HOMEROOM
    return version


def test_switching_is_refused_once_anything_of_the_year_is_signed(world: World, pki: DemoPKI, signing_env) -> None:
    version = _signed_homeroom(world, pki)
    with pytest.raises(DomainError) as refused:
        _set(world, "officer")
    assert refused.value.code == "paper_mode_signed"
    assert not is_paper_year(world.school_a, world.year)
    # still refused when the signed version was later superseded: it was signed all the same
    version.transition_to(Status.SUPERSEDED, reason="test")
    version.save(update_fields=["status", "status_changed_at", "status_reason"])
    with pytest.raises(DomainError) as again:
        _set(world, "officer")
    assert again.value.code == "paper_mode_signed"
    # school B's year is untouched by school A's signatures
    actions.set_paper_mode(
        by=world.users["officer2"], school=world.school_b, school_year=world.year, paper_mode=True, reason="Giấy"
    )
    assert is_paper_year(world.school_b, world.year)


def test_signing_a_paper_year_is_refused_on_the_batch_path(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 2)
    credential, source = register_credential(pki, world.users["homeroom"])
    _set(world, "officer")
    assert pending.pending_for(world.users["homeroom"]) == []  # nothing offered to sign
    with pytest.raises(DomainError) as in_process:
        batches.sign_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            signer_source=source,
            idempotency_key="paper-batch",
        )
    assert in_process.value.code == "paper_year_signing"
    assert "giấy" in str(in_process.value.message)  # Vietnamese, the default language
    with pytest.raises(DomainError) as web:
        actions.submit_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            credential=credential,
            idempotency_key="paper-web",
            authorisation=factories.PASSWORD,
        )
    assert web.value.code == "paper_year_signing"
    assert not SignatureEvent.objects.exists()


def test_a_batch_queued_before_the_switch_signs_nothing_after_it(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 2)
    credential, source = register_credential(pki, world.users["homeroom"])
    batch, _created = batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="queued",
    )
    _set(world, "officer")  # nothing signed yet: allowed
    batches.run_batch(batch, source=source, by=world.users["homeroom"])
    assert set(batch.items.values_list("outcome", "code")) == {(ItemOutcome.FAILED, "paper_year_signing")}
    assert not SignatureEvent.objects.exists()
    # the last guard, under the setting's lock, for a signature computed before the switch
    version = versions[0]
    with pytest.raises(DomainError) as commit, transaction.atomic():
        issuance.refuse_paper_year_locked(version)
    assert commit.value.code == "paper_year_signing"


def test_a_phone_app_answer_after_the_switch_is_refused(
    world: World, pki: DemoPKI, signing_env, client, django_capture_on_commit_callbacks
) -> None:
    from hocbaso.accounts.actions import create_token

    homeroom = world.users["homeroom"]
    key, _batch, (version,) = _app_batch(world, pki, django_capture_on_commit_callbacks, 1)
    approval = RemoteApproval.objects.get(version=version)
    _set(world, "officer")  # prepared, not signed: the switch is allowed

    _token, secret = create_token(by=None, user=homeroom, name="điện thoại")
    body = {
        "pdf_signature": base64.b64encode(_app_signs(key, bytes(approval.pdf_to_be_signed))).decode(),
        "xml_signature": base64.b64encode(_app_signs(key, bytes(approval.xml_to_be_signed))).decode(),
    }
    answered = client.post(
        f"/api/v1/signing/approvals/{approval.pk}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answered.status_code == 409 and answered.json()["code"] == "paper_year_signing"
    approval.refresh_from_db()
    assert (approval.state, approval.code) == (RemoteApproval.State.REFUSED, "paper_year_signing")
    assert not SignatureEvent.objects.exists()
    version.refresh_from_db()
    assert version.status == Status.FROZEN
    with pytest.raises(DomainError) as again:
        remote.answer(by=homeroom, approval_id=approval.pk, pdf_signature=b"", xml_signature=b"")
    assert again.value.code == "approval_answered"


def test_a_setting_row_alone_is_digital(world: World) -> None:
    SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year)
    assert not is_paper_year(world.school_a, world.year)
