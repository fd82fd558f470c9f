"""``hocbaso pki init|export-roots`` and the embedded demo path: demo trust and in-process timestamps."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from hocbaso.records import storage
from hocbaso.records.models import Status
from hocbaso.signing import actions, batches, pades, providers
from hocbaso.signing import trust as signing_trust
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_class_versions
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def test_pki_init_registers_credentials_and_the_demo_signs_offline(
    world: World, settings, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("pki", "init")

    holders = {c.staff.user.username for c in SigningCredential.objects.filter(for_organisation=False)}
    assert {"homeroom", "principal", "vice", "principal_b"} <= holders
    assert "stranger" not in holders
    seal = SigningCredential.objects.get(for_organisation=True, school=world.school_a)
    assert seal.staff.user.username == "clerk"
    assert (tmp_path / seal.config["file"]).stat().st_mode & 0o077 == 0

    call_command("pki", "export-roots", "--out", str(tmp_path / "roots.pem"))
    pki = DemoPKI.load(tmp_path / "pki")
    assert (tmp_path / "roots.pem").read_bytes() == pki.export_roots_pem()

    # No TSA URL and no trusted-roots file configured: the demo PKI provides both, in process.
    versions = make_class_versions(world, 2)
    credential = SigningCredential.objects.get(staff__user__username="homeroom")
    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.submit_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role="homeroom",
            credential=credential,
            idempotency_key="demo",
            authorisation=signing_trust.demo_pkcs12_password(),
        )
    batch.refresh_from_db()
    assert batch.state == batch.State.FINISHED, batch.error
    versions[0].refresh_from_db()
    assert versions[0].status == Status.SIGNED_HOMEROOM
    pdf = storage.get(versions[0].signed_pdf_name)
    reports = pades.validate_pdf(pdf, signing_trust.default_trust())
    assert [(r.outcome, r.timestamp_ok) for r in reports] == [("valid", True)]

    with pytest.raises(Exception, match="already exists"):
        call_command("pki", "init")


def test_renew_archive_adds_a_document_timestamp_to_issued_records(
    world: World, settings, tmp_path: Path, capsys
) -> None:
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("pki", "init")
    password = signing_trust.demo_pkcs12_password()
    version = make_class_versions(world, 1)[0]
    for user, role, organisation in [
        ("homeroom", "homeroom", False),
        ("principal", "principal", False),
        ("clerk", "school", True),
    ]:
        credential = SigningCredential.objects.get(staff__user__username=user, for_organisation=organisation)
        batch = batches.sign_batch(
            by=world.users[user],
            version_ids=[version.pk],
            role=role,
            signer_source=providers.source_for(credential, password),
            idempotency_key=f"renew-{role}",
            credential=credential,
        )
        assert batch.items.get().outcome == "ok", batch.items.get().message
    version.refresh_from_db()
    assert version.status == Status.ISSUED
    before = version.signed_pdf_sha256

    call_command("signing", "renew-archive", "--within-days", "1")  # nothing expires that soon
    version.refresh_from_db()
    assert version.signed_pdf_sha256 == before

    call_command("signing", "renew-archive", "--within-days", "100000")
    version.refresh_from_db()
    assert "renewed 1" in capsys.readouterr().out
    assert version.signed_pdf_sha256 != before
    reports = pades.validate_pdf(storage.get(version.signed_pdf_name), signing_trust.default_trust())
    assert [r.kind for r in reports].count("document_timestamp") == 2
    assert {r.outcome for r in reports} == {"valid"}

    # the renewed file (new hash) is attested in the transparency log, so verifiers find it
    from hocbaso.ledger.actions import entries_for_record

    events = [(e.payload["event"], e.payload["pdf_sha256"]) for e in entries_for_record(str(version.record.public_id))]
    assert events[-1] == ("archive_renewed", version.signed_pdf_sha256)

    # the scheduled task does the same work as the command
    from hocbaso.signing.tasks import renew_archives_task

    renewed = renew_archives_task.call(within_days=100000)
    assert renewed == {"checked": 1, "renewed": 1, "failed": 0}
