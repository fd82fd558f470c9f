"""The family's page: every issued year with its state, both files and their verification, the
learning history, the school's contact, and the free-of-charge note; files download."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.portal import family
from hocbaso.portal.tests.helpers import activate, earlier_class, issue_year, signed_in
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_frozen_version
from hocbaso.testing import World
from hocbaso.verification import registry

pytestmark = pytest.mark.django_db


def test_the_page_shows_issued_years_files_verification_history_and_contact(
    client: Client, world: World, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    registry._trust_cache.clear()
    student = world.students["an"]
    world.school_a.phone = "0255 3822 123"
    world.school_a.email = "thtruonga@example.edu.vn"
    world.school_a.save()
    version = issue_year(world, pki, signing_env, student)
    draft = make_frozen_version(world, student=student, class_group=earlier_class(world))  # being signed: never shown
    signed_in(client, activate(world, student, "me.an"))

    page = client.get(f"/family/children/{student.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert version.issuance_code in html and draft.issuance_code not in html
    assert 'data-state="issued"' in html
    assert 'data-file="pdf" data-outcome="valid"' in html and 'data-file="xml" data-outcome="valid"' in html
    assert "0255 3822 123" in html and "thtruonga@example.edu.vn" in html
    assert version.data["history"][0]["school_name"] in html
    assert "Miễn phí" in html

    pdf = client.get(f"/family/children/{student.pk}/files/{version.issuance_code}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment")
    xml = client.get(f"/family/children/{student.pk}/files/{version.issuance_code}.xml")
    assert xml.status_code == 200 and b"<?xml" in xml.content[:100]
    assert registry.verify_document(pdf.content).outcome == "valid"
    assert client.get(f"/family/children/{student.pk}/files/{draft.issuance_code}.pdf").status_code == 404
    assert AuditEvent.objects.filter(action="portal.file_read", object_id=str(version.pk)).count() == 2


@pytest.mark.parametrize(
    ("status", "supersedes", "expected"),
    [
        (Status.ISSUED, False, "issued"),
        (Status.ISSUED, True, "corrected"),
        (Status.SUPERSEDED, False, "superseded"),
        (Status.SUPERSEDED, True, "superseded"),
        (Status.REVOKED, False, "revoked"),
    ],
)
def test_state_of_a_version(status: str, supersedes: bool, expected: str) -> None:
    version = RecordVersion(status=status, supersedes_id=7 if supersedes else None)
    assert family.state_of(version) == expected


def test_a_guardian_without_issued_records_sees_a_plain_note(client: Client, world: World) -> None:
    student = world.students["binh"]
    signed_in(client, activate(world, student, "me.binh"))
    html = client.get(f"/family/children/{student.pk}/").content.decode()
    assert "chưa được cấp" in html or "No record has been issued yet" in html
    assert client.get("/family/").status_code == 302  # one child: straight to the page
