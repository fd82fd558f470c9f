"""A Sở's batch end to end, against the Ministry's store simulated on loopback: sealed, sent in the
background, answered per row; re-sent without changing anything; a correction sent as a new
version; a batch with one invalid row refused whole with the row named; a tampered or foreign
batch refused; an unreachable store retried without duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import Conflict, DomainError
from hocbaso.records import storage
from hocbaso.reporting.ministry import actions, batch, client
from hocbaso.reporting.ministry.models import RowOutcome, Submission, SubmissionState
from hocbaso.reporting.ministry.receiver import MinistryStore, MinistryTestServer
from hocbaso.reporting.ministry.tests.conftest import PASSWORD, TOKEN, issue
from hocbaso.signing import xades
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World
from hocbaso.verification import core

NS = f"{{{batch.NAMESPACE}}}"


def _send(world: World, department: Any, capture: Any, *, full: bool = False) -> Submission:
    """Prepare as the province officer; the queued sending task runs on commit (in process)."""
    with capture(execute=True):
        submission = actions.prepare(
            by=world.users["province_officer"],
            department=department,
            school_year=world.year,
            authorisation=PASSWORD,
            full=full,
        )
    submission.refresh_from_db()
    return submission


@pytest.fixture
def issued(world: World) -> list[Any]:
    return [
        issue(world),
        issue(world, class_group=world.class_3b),
        issue(world, class_group=world.class_b_3a),
        issue(world, format_version="1.0"),
    ]


def test_the_first_batch_is_accepted_row_by_row(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    submission = _send(world, department, django_capture_on_commit_callbacks)
    assert submission.state == SubmissionState.ACCEPTED
    assert (submission.row_count, submission.school_count, submission.accepted) == (4, 2, 4)
    assert set(submission.rows.values_list("outcome", flat=True)) == {RowOutcome.ACCEPTED}
    assert set(store.rows) == {(str(v.record.public_id), v.number) for v in issued}
    assert submission.http_status == 200 and submission.receipt
    assert [a["status"] for a in submission.attempt_log] == ["answered"]
    assert submission.created_by == world.users["province_officer"]
    actions_logged = list(
        AuditEvent.objects.filter(object_type="ministry.submission", object_id=str(submission.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions_logged == ["ministry.batch_requested", "ministry.batch_prepared", "ministry.batch_answered"]


def test_the_batch_is_sealed_by_the_department_and_verifiable(
    world: World, department, endpoint, issued, pki: DemoPKI, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    submission = _send(world, department, django_capture_on_commit_callbacks)
    body = storage.get(submission.body_name, submission.body_sha256)
    checks, signatures = core.signed_xml_checks(body, core.TrustStore(roots=tuple(pki.roots())))
    assert [c.status for c in checks] == ["passed"]
    assert len(signatures) == 1
    fingerprint = signatures[0].fingerprint
    assert fingerprint is not None
    assert fingerprint.upper() == department.seal.fingerprint == submission.seal_fingerprint
    assert signatures[0].title == batch.DEPARTMENT_TITLE
    manifest = {e.get("RecordId"): e.get("RecordXmlSha256") for e in etree.fromstring(body).iter(f"{NS}Entry")}
    assert manifest == {str(v.record.public_id): v.xml_sha256 for v in issued}


def test_resending_changes_nothing_and_only_changes_are_sent(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    first = _send(world, department, django_capture_on_commit_callbacks)
    held = dict(store.rows)
    with pytest.raises(Conflict) as refused:  # the store holds everything: a delta has nothing
        _send(world, department, django_capture_on_commit_callbacks)
    assert refused.value.code == "nothing_to_send"
    again = _send(world, department, django_capture_on_commit_callbacks, full=True)
    assert again.state == SubmissionState.ACCEPTED
    assert (again.accepted, again.unchanged, again.rejected) == (0, 4, 0)
    assert store.rows == held  # nothing changed on the receiving side
    # the very same sealed bytes sent again get the very same answer
    status, answer = client.post(endpoint.url, TOKEN, storage.get(first.body_name))
    assert status == 200 and {r["result"] for r in answer["rows"]} == {"accepted"}
    assert store.rows == held
    newer = issue(world)
    delta = _send(world, department, django_capture_on_commit_callbacks)
    assert list(delta.rows.values_list("version_id", flat=True)) == [newer.pk]


def test_a_correction_is_sent_as_a_new_version(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _send(world, department, django_capture_on_commit_callbacks)
    original = issued[0]
    corrected = issue(
        world, student=original.record.student, change=lambda d: d["year"].update(general_comment="Đã đính chính.")
    )
    assert corrected.number == 2
    delta = _send(world, department, django_capture_on_commit_callbacks)
    assert [(r.version_id, r.number, r.outcome) for r in delta.rows.all()] == [(corrected.pk, 2, RowOutcome.ACCEPTED)]
    record_id = str(original.record.public_id)
    assert store.rows[(record_id, 2)].superseded is False
    assert store.rows[(record_id, 1)].superseded is True
    # the old version sent again is refused: the store holds a later one
    status, answer = client.post(endpoint.url, TOKEN, storage.get(delta.body_name))
    assert status == 200 and {r["result"] for r in answer["rows"]} == {"accepted"}  # same batch, same answer
    full = _send(world, department, django_capture_on_commit_callbacks, full=True)
    assert full.rows.filter(version=original).count() == 0  # a superseded version is not current: never sent


def test_a_batch_with_one_invalid_row_is_refused_whole_naming_the_row(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # a school set up with a mistyped Sở code: a valid record, an invalid row for the Ministry
    bad = issue(world, change=lambda d: d["school"].update(department_code="5I"))
    submission = _send(world, department, django_capture_on_commit_callbacks)
    assert submission.state == SubmissionState.REJECTED
    assert submission.http_status == 422
    named = submission.rows.get(version=bad)
    assert (named.outcome, named.code) == (RowOutcome.REJECTED, "schema_invalid")
    assert {e["ref"] for e in submission.errors} == {named.ref}
    assert submission.errors[0]["record_id"] == str(bad.record.public_id)
    others = submission.rows.exclude(version=bad)
    assert set(others.values_list("outcome", "code")) == {(RowOutcome.REJECTED, "batch_rejected")}
    assert store.rows == {}  # nothing half-recorded on the receiving side
    assert (submission.accepted, submission.rejected) == (0, 5)
    # and nothing is counted as held here: the next batch carries every row again
    assert actions.preview(department, world.year).to_send == 5


def test_a_tampered_batch_is_refused(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_MINISTRY_URL = "http://127.0.0.1:9/batches"  # prepared, not sent: we tamper first
    submission = _send(world, department, django_capture_on_commit_callbacks)
    assert submission.state == SubmissionState.RETRYING
    root = etree.fromstring(storage.get(submission.body_name))
    row = root.find(f".//{NS}thongtinsohocbasotieuhoc")
    assert row is not None
    result = row.find(f"{NS}ketquagiaoduc")
    assert result is not None and result.text != "cht"
    result.text = "cht"
    entry = root.find(f".//{NS}Entry[@Ref='{row.get('Ref')}']")
    assert entry is not None
    entry.set("RowSha256", batch.row_sha256(row))  # the forger even fixes the manifest
    status, answer = client.post(endpoint.url, TOKEN, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert status == 422
    assert answer["errors"][0]["code"] == "signature_digest_mismatch"
    assert store.rows == {}
    unsigned = etree.fromstring(storage.get(submission.body_name))
    for signature in unsigned.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        unsigned.remove(signature)
    status, answer = client.post(endpoint.url, TOKEN, etree.tostring(unsigned))
    assert (status, answer["errors"][0]["code"]) == (422, "signature_missing")


def test_a_batch_sealed_by_anyone_but_the_department_is_refused(
    world: World,
    department,
    endpoint,
    store: MinistryStore,
    issued,
    pki: DemoPKI,
    settings,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_MINISTRY_URL = "http://127.0.0.1:9/batches"
    submission = _send(world, department, django_capture_on_commit_callbacks)
    unsigned = etree.fromstring(storage.get(submission.body_name))
    for signature in unsigned.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        unsigned.remove(signature)
    key, cert = pki.issue_organisation("Trường Tiểu học A")  # a school's seal, trusted, but not the Sở's
    forged = xades.sign_xml(
        etree.tostring(unsigned), key=key, cert_chain=[cert, *pki.chain()], role=batch.DEPARTMENT_TITLE
    )
    status, answer = client.post(endpoint.url, TOKEN, forged)
    assert (status, answer["errors"][0]["code"]) == (422, "seal_not_department")
    other = batch.check(forged).header
    assert other["DepartmentCode"] == "51"
    assert store.rows == {}


def test_an_unreachable_store_is_retried_without_duplicates(
    world: World, department, endpoint, store: MinistryStore, issued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    store.fail_next = 1
    submission = _send(world, department, django_capture_on_commit_callbacks)
    assert (submission.state, submission.attempts) == (SubmissionState.RETRYING, 1)
    assert submission.rows.filter(outcome=RowOutcome.PENDING).count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        actions.retry(by=world.users["province_officer"], submission=submission)
    submission.refresh_from_db()
    assert (submission.state, submission.attempts, submission.accepted) == (SubmissionState.ACCEPTED, 2, 4)
    assert [a["status"] for a in submission.attempt_log] == ["unavailable", "answered"]
    # a late duplicate delivery of the same bytes (the first attempt finally arriving) changes nothing
    status, answer = client.post(endpoint.url, TOKEN, storage.get(submission.body_name))
    assert status == 200 and {r["result"] for r in answer["rows"]} == {"accepted"} and len(store.rows) == 4
    assert store.posts == 3
    assert actions.send(submission_id=submission.pk).attempts == 2  # answered: not sent again
    with pytest.raises(Conflict):
        actions.retry(by=world.users["province_officer"], submission=submission)


def test_after_every_attempt_the_batch_waits_for_the_operator(
    world: World, department, issued, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_MINISTRY_URL = "http://127.0.0.1:9/batches"
    settings.HOCBASO_MINISTRY_TOKEN = TOKEN
    submission = _send(world, department, django_capture_on_commit_callbacks)
    for _attempt in range(actions.MAX_ATTEMPTS - 1):
        submission = actions.send(submission_id=submission.pk)
    assert (submission.state, submission.attempts) == (SubmissionState.FAILED, actions.MAX_ATTEMPTS)


def test_a_wrong_store_credential_is_not_retried_blindly(
    world: World, department, endpoint, store: MinistryStore, issued, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_MINISTRY_TOKEN = "wrong"
    submission = _send(world, department, django_capture_on_commit_callbacks)
    assert submission.state == SubmissionState.FAILED
    assert submission.attempt_log[-1]["detail"] == "endpoint_refused_credentials"
    assert store.rows == {}


def test_a_wrong_seal_password_writes_nothing(world: World, department, endpoint, issued) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as refused:
        actions.prepare(
            by=world.users["province_officer"], department=department, school_year=world.year, authorisation="sai"
        )
    assert refused.value.code == "pkcs12_unreadable"
    assert not Submission.objects.exists()
    assert AuditEvent.objects.filter(action="certificate.wrong_secret").count() == 1


def test_receiving_rules_per_row(pki: DemoPKI, department, world: World, issued) -> None:  # type: ignore[no-untyped-def]
    """The store's row rules on their own: another Sở's row, a version changed under the same
    number, a stale version."""
    store = MinistryStore(trust=core.TrustStore(roots=tuple(pki.roots())), seals={})
    header = {"DepartmentCode": "51", "BatchId": "b"}
    row = batch.Row("r1", "id-1", 2, "a" * 64, "51", "A1", "2025-2026")
    assert store._row(row, header)["result"] == "accepted"
    assert store._row(row, header)["result"] == "unchanged"
    changed = batch.Row("r1", "id-1", 2, "b" * 64, "51", "A1", "2025-2026")
    assert store._row(changed, header)["code"] == "version_changed"
    stale = batch.Row("r1", "id-1", 1, "c" * 64, "51", "A1", "2025-2026")
    assert store._row(stale, header)["code"] == "stale_version"
    foreign = batch.Row("r2", "id-2", 1, "d" * 64, "62", "K1", "2025-2026")
    assert store._row(foreign, header)["code"] == "wrong_department"
    with MinistryTestServer(store, token=TOKEN) as server:
        assert client.post(server.url, "not-the-token", b"<x/>")[0] == 401
