"""Corrections: requested by the homeroom teacher or a clerk with a reason, decided by the
principal (never their own request, never on a superseded version), approval assembles a new
version from the corrected data that supersedes the old one (still stored and verifiable);
every step audited; the web forms do the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocbaso.assessments import actions as assessment_actions
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.records import actions, storage
from hocbaso.records.actions import assemble
from hocbaso.records.models import CorrectionRequest, RecordVersion, Status
from hocbaso.records.rendering import extract_embedded_xml


@pytest.fixture
def version(complete_3a) -> RecordVersion:  # type: ignore[no-untyped-def]
    world = complete_3a
    return assemble(by=world.users["homeroom"], student=world.students["an"], class_group=world.class_3a).version


def refused(code: str, call, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code


@pytest.mark.django_db
def test_approval_assembles_corrected_version_superseding_the_old(version, world) -> None:
    request = actions.request_correction(by=world.users["homeroom"], version=version, reason="Điểm Toán nhập sai")
    assessment_actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="year_end",
        writes=[assessment_actions.CellWrite(world.students["an"].pk, "subject", "math", "score", 7)],
    )
    assessment_actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    approved = actions.approve_correction(by=world.users["principal"], request=request)
    old = RecordVersion.objects.get(pk=version.pk)
    new = approved.new_version
    assert new is not None and new.supersedes_id == old.pk and new.number == old.number + 1
    assert (old.status, new.status) == (Status.SUPERSEDED, Status.FROZEN)
    assert old.status_reason == f"superseded by {new.issuance_code}"
    assert actions.superseding_code(old) == new.issuance_code
    assert next(s["score"] for s in new.data["year"]["subjects"] if s["code"] == "math") == 7
    assert next(s["score"] for s in old.data["year"]["subjects"] if s["code"] == "math") == 9
    # the old files are still stored and match their registered hashes
    assert storage.get(old.pdf_name, old.pdf_sha256) and storage.get(old.xml_name, old.xml_sha256)
    assert extract_embedded_xml(storage.get(new.pdf_name, new.pdf_sha256)) == storage.get(new.xml_name)
    assert approved.state == "approved" and approved.decided_by == world.users["principal"]
    actions_logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"record.correction_request", "record.correction_approve", "record.freeze"} <= actions_logged


@pytest.mark.django_db
def test_approving_ones_own_request_is_refused(version, world) -> None:
    from hocbaso.directory.models import Role
    from hocbaso.testing import appoint

    # a principal who also holds the clerk's role may request, but not approve their own request
    appoint(world.users["principal"], Role.CLERK, school=world.school_a)
    request = actions.request_correction(by=world.users["principal"], version=version, reason="Sai tên")
    refused("correction_own_request", actions.approve_correction, by=world.users["principal"], request=request)
    assert CorrectionRequest.objects.get(pk=request.pk).state == "pending"
    assert RecordVersion.objects.get(pk=version.pk).status == Status.FROZEN
    actions.approve_correction(by=world.users["vice"], request=request)  # another head may


@pytest.mark.django_db
def test_correcting_a_superseded_version_is_refused(version, world) -> None:
    first = actions.request_correction(by=world.users["homeroom"], version=version, reason="Lần 1")
    actions.approve_correction(by=world.users["principal"], request=first)
    refused("version_superseded", actions.request_correction, by=world.users["clerk"], version=version, reason="Lần 2")
    # a request made while the version was current is refused at approval once it no longer is
    current = RecordVersion.objects.get(supersedes=version)
    stale = actions.request_correction(by=world.users["clerk"], version=current, reason="Lần 3")
    current.transition_to(Status.REVOKED, reason="thu hồi")
    current.save(update_fields=["status", "status_changed_at", "status_reason"])
    count = RecordVersion.objects.count()
    refused("version_superseded", actions.approve_correction, by=world.users["principal"], request=stale)
    assert RecordVersion.objects.count() == count
    assert CorrectionRequest.objects.get(pk=stale.pk).state == "pending"


@pytest.mark.django_db
def test_other_refusals(version, world) -> None:
    refused("reason_required", actions.request_correction, by=world.users["homeroom"], version=version, reason=" ")
    refused("not_allowed", actions.request_correction, by=world.users["teacher"], version=version, reason="x")
    refused("not_allowed", actions.request_correction, by=world.users["principal_b"], version=version, reason="x")
    request = actions.request_correction(by=world.users["clerk"], version=version, reason="Sai ngày sinh")
    refused("correction_pending", actions.request_correction, by=world.users["homeroom"], version=version, reason="y")
    refused("not_principal", actions.approve_correction, by=world.users["homeroom"], request=request)
    refused("not_principal", actions.approve_correction, by=world.users["principal_b"], request=request)
    refused("reason_required", actions.reject_correction, by=world.users["principal"], request=request, reason="")
    rejected = actions.reject_correction(by=world.users["principal"], request=request, reason="Dữ liệu đúng")
    assert rejected.state == "rejected" and rejected.decision_reason == "Dữ liệu đúng"
    refused("correction_decided", actions.approve_correction, by=world.users["principal"], request=request)
    assert RecordVersion.objects.get(pk=version.pk).status == Status.FROZEN
    assert AuditEvent.objects.filter(action="record.correction_reject").count() == 1


@pytest.mark.django_db
def test_approval_of_an_incomplete_year_writes_nothing(version, world) -> None:
    request = actions.request_correction(by=world.users["homeroom"], version=version, reason="Thiếu ô")
    from hocbaso.assessments.models import StudentYear

    StudentYear.objects.filter(student=world.students["an"]).update(days_absent=None)
    count = RecordVersion.objects.count()
    refused("year_incomplete", actions.approve_correction, by=world.users["principal"], request=request)
    assert RecordVersion.objects.count() == count
    assert RecordVersion.objects.get(pk=version.pk).status == Status.FROZEN
    assert CorrectionRequest.objects.get(pk=request.pk).state == "pending"


@pytest.mark.django_db
def test_web_request_approve_and_reject(version, world, login) -> None:
    client = login("homeroom")
    response = client.post(reverse("records:correction_create", args=[version.pk]), {"reason": "Sai điểm"})
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.requested_by == world.users["homeroom"]
    denied = client.post(reverse("records:correction_decide", args=[request.pk]), {"decision": "approve"})
    assert denied.status_code == 403 and CorrectionRequest.objects.get().state == "pending"

    client = login("principal")
    school_page = client.get(reverse("records:school", args=[world.school_a.pk])).content.decode()
    assert "Sai điểm" in school_page
    response = client.post(reverse("records:correction_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.state == "approved"
    assert response["Location"] == reverse("records:version", args=[request.new_version_id])

    client = login("clerk")
    assert request.new_version is not None
    client.post(reverse("records:correction_create", args=[request.new_version.pk]), {"reason": "Sai tên"})
    second = CorrectionRequest.objects.get(state="pending")
    login("principal").post(
        reverse("records:correction_decide", args=[second.pk]), {"decision": "reject", "reason": "Không sai"}
    )
    second.refresh_from_db()
    assert (second.state, second.decision_reason) == ("rejected", "Không sai")
