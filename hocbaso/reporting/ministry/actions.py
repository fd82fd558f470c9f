"""Every write of the Ministry export (docs/ministry-export.md): setting a Sở up, its seal,
preparing a sealed batch, sending it and recording the store's answer.

Refusal codes: ``ministry_not_allowed``, ``department_not_province``, ``department_code_invalid``,
``department_exists``, ``department_seal_missing``, ``nothing_to_send``, ``ministry_not_configured``,
``submission_answered``, ``batch_body_damaged``; and the signing refusals of the seal
(``certificate_*``, ``pkcs12_unreadable``…, counted and locked out like any certificate password).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.core.text import nfc
from hocbaso.directory import roles
from hocbaso.directory.models import AdministrativeUnit, School, SchoolUnitLink, SchoolYear, UnitKind
from hocbaso.records import ministry, storage
from hocbaso.records.models import Level, RecordVersion, Status
from hocbaso.reporting.ministry import batch, client, permissions
from hocbaso.reporting.ministry.models import (
    HELD,
    SENDABLE,
    SUBMISSION_MOVES,
    Department,
    RowOutcome,
    Submission,
    SubmissionKind,
    SubmissionRow,
    SubmissionState,
)
from hocbaso.signing import attempts, credentials, workflow, xades
from hocbaso.signing.models import SigningCredential

MAX_ATTEMPTS = 5


def _allowed(by: Any, department: Department) -> None:
    if not permissions.may_submit(by, department):
        raise PermissionRefused(
            _("Only an officer of %(unit)s may send its records to the Ministry.") % {"unit": department.unit.name},
            code="ministry_not_allowed",
        )


# --- setting up ---------------------------------------------------------------------------------


def configure_department(
    *, by: Any, unit: AdministrativeUnit, code: str, name: str, channel: str = Channel.CLI
) -> Department:
    """Set a province's Sở up as a sender (the operator only: like appointing its officers)."""
    if not roles.is_operator(by):
        raise PermissionRefused(_("Only the operator sets a department of education up."), code="ministry_not_allowed")
    if unit.kind != UnitKind.PROVINCE:
        raise ValidationFailed(_("A department of education belongs to a province."), code="department_not_province")
    if not re.fullmatch(r"[0-9]{2,3}", code):
        raise ValidationFailed(
            _("The department's code (masogd) is two or three digits."), code="department_code_invalid", field="code"
        )
    if Department.objects.filter(unit=unit).exists() or Department.objects.filter(code=code).exists():
        raise Conflict(_("This department of education is already set up."), code="department_exists")
    with transaction.atomic():
        department = Department.objects.create(unit=unit, code=code, name=nfc(name).strip())
        audit.record(
            by=by,
            action="ministry.department_configured",
            obj=department,
            changes={"unit": unit.code, "code": code, "name": department.name},
            channel=channel,
        )
    return department


def register_seal(
    *,
    by: Any,
    department: Department,
    pkcs12: bytes,
    password: str,
    label: str,
    channel: str = Channel.WEB,
) -> Department:
    """Register the Sở's organisation certificate (PKCS#12) and make it the seal of its batches.

    The credential is held by the registering officer (``signing.credentials``: file kept 0600, the
    certificate checked now: valid, trusted, not revoked); the password is not stored.
    """
    _allowed(by, department)
    staff = roles.staff_of(by)
    assert staff is not None  # an officer who may submit has a staff profile
    with transaction.atomic():
        credential = credentials.register_pkcs12(
            by=by,
            staff=staff,
            pkcs12=pkcs12,
            password=password,
            label=label,
            folder="pki/department-seals",
            channel=channel,
        )
        return _set_seal(by=by, department=department, credential=credential, channel=channel)


def _set_seal(*, by: Any, department: Department, credential: SigningCredential, channel: str) -> Department:
    previous = department.seal.fingerprint if department.seal else ""
    department.seal = credential
    department.save(update_fields=["seal"])
    audit.record(
        by=by,
        action="ministry.seal_set",
        obj=department,
        changes={"fingerprint": [previous, credential.fingerprint]},
        channel=channel,
    )
    return department


# --- what a batch holds ---------------------------------------------------------------------------


def schools_of(department: Department, school_year: SchoolYear) -> QuerySet[School]:
    """The schools linked to the province (or a unit below it) at some time of ``school_year``."""
    units = department.unit.descendant_ids()
    links = SchoolUnitLink.objects.filter(unit_id__in=units, valid_from__lte=school_year.end_date)
    links = links.exclude(valid_to__lt=school_year.start_date)
    return School.objects.filter(pk__in=links.values("school_id"))


def candidates(department: Department, school_year: SchoolYear) -> QuerySet[RecordVersion]:
    """The issued current record versions of the province's schools for ``school_year``."""
    return RecordVersion.objects.filter(
        status=Status.ISSUED,
        school_year=school_year,
        record__level=Level.PRIMARY,
        school__in=schools_of(department, school_year),
    )


def held_version_ids(department: Department, school_year: SchoolYear) -> set[int]:
    """Versions the store already holds as mapped now: answered accepted or unchanged in a batch of
    this Sở with the current mapping (a version never changes, so neither does its row)."""
    return set(
        SubmissionRow.objects.filter(
            submission__department=department,
            submission__school_year=school_year,
            outcome__in=HELD,
            submission__mapping_version=ministry.MAPPING_VERSION,
        ).values_list("version_id", flat=True)
    )


@dataclass
class Preview:
    """What a batch would hold now: counts and codes only (an officer sees no child's data)."""

    schools: int
    issued: int
    held: int
    to_send: int
    pending: int  # in a batch sent or being sent, not yet answered
    problems: Counter[str] = field(default_factory=Counter)


def preview(department: Department, school_year: SchoolYear, *, full: bool = False) -> Preview:
    issued = candidates(department, school_year)
    held = held_version_ids(department, school_year)
    chosen = issued if full else issued.exclude(pk__in=held)
    problems: Counter[str] = Counter()
    for data in chosen.values_list("data", flat=True).iterator(chunk_size=500):
        problems.update(ministry.code_problems(data))
    pending = Submission.objects.filter(
        department=department, school_year=school_year, state__in=[*SENDABLE, SubmissionState.SENDING]
    ).count()
    return Preview(
        schools=schools_of(department, school_year).count(),
        issued=issued.count(),
        held=len(held & set(issued.values_list("pk", flat=True))),
        to_send=chosen.count(),
        pending=pending,
        problems=problems,
    )


# --- preparing and sealing ------------------------------------------------------------------------


def prepare(
    *,
    by: Any,
    department: Department,
    school_year: SchoolYear,
    authorisation: str,
    full: bool = False,
    channel: str = Channel.WEB,
) -> Submission:
    """Map the versions to send (delta: those the store does not hold yet; ``full``: all), seal the
    batch with the Sở's seal, keep its exact bytes and queue it for sending (on commit)."""
    _allowed(by, department)
    seal = department.seal
    if seal is None or not seal.active:
        raise ValidationFailed(
            _("The department's seal is not registered yet: register its certificate first."),
            code="department_seal_missing",
        )
    if not authorisation:
        raise workflow.AuthorisationRequired(
            _("Enter the certificate password or the token PIN."), field="authorisation"
        )
    versions = candidates(department, school_year)
    if not full:
        versions = versions.exclude(pk__in=held_version_ids(department, school_year))
    chosen = list(
        versions.order_by("school__code", "record__public_id", "number").values_list(
            "pk", "school_id", "xml_sha256", "data"
        )
    )
    if not chosen:
        raise Conflict(
            _("Nothing to send: every issued record of %(year)s is already held by the Ministry.")
            % {"year": school_year.code},
            code="nothing_to_send",
        )
    batch_id = f"{department.code}-{school_year.code}-{uuid.uuid4().hex[:16]}"
    entries = [
        batch.entry_for(data, ref=f"r{n}", record_xml_sha256=xml_sha, department_code=department.code)
        for n, (_pk, _school, xml_sha, data) in enumerate(chosen, start=1)
    ]
    header = {
        "BatchId": batch_id,
        "DepartmentCode": department.code,
        "DepartmentName": department.name,
        "SchoolYear": school_year.code,
        "Kind": SubmissionKind.FULL if full else SubmissionKind.DELTA,
        "MappingVersion": ministry.MAPPING_VERSION,
        "CreatedAt": clock.now().replace(microsecond=0).isoformat(),
    }
    unsigned, hashes = batch.build_hashed(header, entries)
    with attempts.counted(by=by, credential=seal):  # wrong secrets counted and locked out
        source = workflow.source_for(seal, authorisation)
        with workflow.open_kit(source) as kit:
            workflow.check_certificate(kit.certificate, kit.chain, workflow.default_trust())
            signed = xades.sign_xml(
                unsigned, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=batch.DEPARTMENT_TITLE
            )
            fingerprint = kit.fingerprint
    body_name, body_sha = storage.put(signed, ".xml")
    with transaction.atomic():
        submission = Submission.objects.create(
            department=department,
            school_year=school_year,
            kind=header["Kind"],
            mapping_version=ministry.MAPPING_VERSION,
            batch_id=batch_id,
            created_by=by,
            created_at=clock.now(),
            body_name=body_name,
            body_sha256=body_sha,
            seal_fingerprint=fingerprint,
            row_count=len(entries),
            school_count=len({school for _pk, school, _x, _d in chosen}),
        )
        SubmissionRow.objects.bulk_create(
            [
                SubmissionRow(
                    submission=submission,
                    ref=entry.ref,
                    version_id=pk,
                    school_id=school,
                    record_public_id=entry.record_id,
                    number=entry.version,
                    row_sha256=digest,
                )
                for entry, digest, (pk, school, _x, _d) in zip(entries, hashes, chosen, strict=True)
            ],
            batch_size=1000,
        )
        audit.record(
            by=by,
            action="ministry.batch_prepared",
            obj=submission,
            changes={
                "batch_id": batch_id,
                "sha256": body_sha,
                "rows": len(entries),
                "kind": header["Kind"],
                "school_year": school_year.code,
                "seal": fingerprint,
            },
            channel=channel,
        )
        enqueue_send(submission.pk)
    return submission


def enqueue_send(submission_id: int) -> None:
    """Send the batch from a task once the transaction commits."""
    enqueue_on_commit("hocbaso.reporting.ministry.tasks.send_submission_task", submission_id)


# --- sending and the answer -------------------------------------------------------------------------


def retry(*, by: Any, submission: Submission, channel: str = Channel.WEB) -> Submission:
    """Queue a batch not answered yet to be sent again: the very same bytes (the store answers a
    batch it knows as before, so nothing is ever recorded twice)."""
    _allowed(by, submission.department)
    if submission.state not in SENDABLE:
        raise Conflict(_("This batch has been answered already; prepare a new one."), code="submission_answered")
    with transaction.atomic():
        SUBMISSION_MOVES.update(Submission.objects.filter(pk=submission.pk), SubmissionState.QUEUED)
        audit.record(by=by, action="ministry.batch_retry", obj=submission, changes={}, channel=channel)
        enqueue_send(submission.pk)
    submission.refresh_from_db()
    return submission


def _claim(submission_id: int) -> Submission | None:
    """Mark the batch as being sent (one sender at a time); None when it is not sendable."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.state not in SENDABLE:
            return None
        SUBMISSION_MOVES.move(submission, SubmissionState.SENDING)
        submission.attempts += 1
        submission.save(update_fields=["state", "attempts"])
        return submission


def _attempt(submission: Submission, status: str, detail: str) -> list[dict[str, Any]]:
    return [*submission.attempt_log, {"at": clock.now().isoformat(), "status": status, "detail": detail[:300]}]


def send(*, submission_id: int, by: Any = None) -> Submission:
    """Send the batch once (the task calls this). Not reached → ``retrying`` (``failed`` after
    ``MAX_ATTEMPTS``); answered → the answer is recorded. Safe to call twice."""
    submission = _claim(submission_id)
    if submission is None:
        return Submission.objects.get(pk=submission_id)
    url, token = client.endpoint()
    try:
        if not url or not token:
            raise client.EndpointUnavailable("ministry_not_configured")
        body = storage.get(submission.body_name, submission.body_sha256)
        status, answer = client.post(url, token, body)
    except client.EndpointUnavailable as exc:
        state = SubmissionState.RETRYING if submission.attempts < MAX_ATTEMPTS else SubmissionState.FAILED
        with transaction.atomic():
            SUBMISSION_MOVES.update(
                Submission.objects.filter(pk=submission.pk),
                state,
                attempt_log=_attempt(submission, "unavailable", str(exc)),
            )
            audit.record(
                by=by,
                action="ministry.batch_not_reached",
                obj=submission,
                changes={"attempt": submission.attempts, "detail": str(exc)[:200], "state": state},
                channel=Channel.TASK,
            )
        submission.refresh_from_db()
        return submission
    except storage.StoredFileDamaged:
        with transaction.atomic():
            SUBMISSION_MOVES.update(
                Submission.objects.filter(pk=submission.pk),
                SubmissionState.FAILED,
                attempt_log=_attempt(submission, "refused", "batch_body_damaged"),
            )
            audit.record(by=by, action="ministry.batch_body_damaged", obj=submission, channel=Channel.TASK)
        submission.refresh_from_db()
        return submission
    return record_answer(submission=submission, status=status, answer=answer, by=by)


def record_answer(*, submission: Submission, status: int, answer: dict[str, Any], by: Any = None) -> Submission:
    """Record the store's answer: per row for 200, the whole batch rejected otherwise (nothing of it
    held). Only the batch's own rows are touched; an answer naming other rows is ignored for them."""
    rows = {row.ref: row for row in submission.rows.all()}
    with transaction.atomic():
        if status in (401, 403):
            SUBMISSION_MOVES.move(submission, SubmissionState.FAILED)
            submission.attempt_log = _attempt(submission, "refused", "endpoint_refused_credentials")
            submission.save(update_fields=["state", "attempt_log"])
            audit.record(
                by=by,
                action="ministry.batch_not_reached",
                obj=submission,
                changes={"http": status},
                channel=Channel.TASK,
            )
            return submission
        if status == 200:
            for item in answer.get("rows", []):
                row = rows.get(str(item.get("ref", "")))
                result = item.get("result")
                if row is None or result not in (RowOutcome.ACCEPTED, RowOutcome.UNCHANGED, RowOutcome.REJECTED):
                    continue
                row.outcome, row.code = result, str(item.get("code", ""))[:64]
            submission.errors = []
        else:
            errors = answer.get("errors") or [{"code": answer.get("code", f"http_{status}"), "ref": ""}]
            named = {str(e.get("ref", "")): str(e.get("code", ""))[:64] for e in errors if e.get("ref")}
            for ref, row in rows.items():
                row.outcome, row.code = RowOutcome.REJECTED, named.get(ref, "batch_rejected")
            submission.errors = [
                {k: e.get(k) for k in ("ref", "record_id", "version", "code", "detail")} for e in errors[:200]
            ]
        SubmissionRow.objects.bulk_update(list(rows.values()), ["outcome", "code"], batch_size=1000)
        counts = Counter(row.outcome for row in rows.values())
        submission.accepted = counts[RowOutcome.ACCEPTED]
        submission.unchanged = counts[RowOutcome.UNCHANGED]
        submission.rejected = counts[RowOutcome.REJECTED] + counts[RowOutcome.PENDING]
        held = submission.accepted + submission.unchanged
        if status != 200 or not held:
            SUBMISSION_MOVES.move(submission, SubmissionState.REJECTED)
        else:
            SUBMISSION_MOVES.move(
                submission, SubmissionState.PARTIAL if submission.rejected else SubmissionState.ACCEPTED
            )
        submission.http_status = status
        submission.receipt = str(answer.get("receipt", ""))[:64]
        submission.answered_at = clock.now()
        submission.attempt_log = _attempt(submission, "answered", f"HTTP {status}")
        submission.save()
        audit.record(
            by=by,
            action="ministry.batch_answered",
            obj=submission,
            changes={
                "state": submission.state,
                "accepted": submission.accepted,
                "unchanged": submission.unchanged,
                "rejected": submission.rejected,
                "receipt": submission.receipt,
            },
            channel=Channel.TASK,
        )
    return submission
