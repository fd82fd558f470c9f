"""Every write of the Ministry export (docs/ministry-export.md): setting a Sở up, its seal,
preparing a sealed batch, sending it and recording the store's answer.

Refusal codes: ``ministry_not_allowed``, ``department_not_province``, ``department_code_invalid``,
``department_exists``, ``department_seal_missing``, ``nothing_to_send``, ``ministry_not_configured``,
``submission_answered``, ``submission_preparing``, ``batch_body_damaged``; and the signing refusals of the seal
(``certificate_*``, ``pkcs12_unreadable``…, counted and locked out like any certificate password).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.core.text import nfc
from hocbaso.directory import roles
from hocbaso.directory.models import AdministrativeUnit, School, SchoolUnitLink, SchoolYear, UnitKind
from hocbaso.records import ministry, storage
from hocbaso.records.models import Level, RecordVersion, Status
from hocbaso.reporting import authorisations
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
from hocbaso.signing import actions as signing_actions
from hocbaso.signing import attempts, batches, providers, trust, xades
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
    """Register the Sở's organisation certificate (PKCS#12) as the province's unit seal
    (``signing.actions.register_unit_seal``: an officer of the province itself, the certificate
    checked now: valid, trusted, not revoked, bearing the province's or the department's name; the
    file kept 0600, the password not stored) and make
    it the seal of its batches. The same seal then seals the province's periodic reports."""
    _allowed(by, department)
    with transaction.atomic():
        credential = signing_actions.register_unit_seal(
            by=by,
            unit=department.unit,
            pkcs12=pkcs12,
            password=password,
            label=label,
            also_named=[department.name],
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
        department=department,
        school_year=school_year,
        state__in=[*SENDABLE, SubmissionState.SENDING, SubmissionState.PREPARING],
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


def _seal_of(department: Department) -> SigningCredential:
    seal = department.seal
    if seal is None or not seal.active:
        raise ValidationFailed(
            _("The department's seal is not registered yet: register its certificate first."),
            code="department_seal_missing",
        )
    return seal


def _to_send(department: Department, school_year: SchoolYear, full: bool) -> QuerySet[RecordVersion]:
    versions = candidates(department, school_year)
    return versions if full else versions.exclude(pk__in=held_version_ids(department, school_year))


def _asked_before(department: Department, school_year: SchoolYear, request_key: str) -> Submission | None:
    """The batch a resubmitted request already asked for, or the one of this Sở and year being prepared."""
    if request_key:
        found = Submission.objects.filter(department=department, request_key=request_key).first()
        if found is not None:
            return found
    return Submission.objects.filter(
        department=department, school_year=school_year, state=SubmissionState.PREPARING
    ).first()


def request_batch(
    *,
    by: Any,
    department: Department,
    school_year: SchoolYear,
    authorisation: str,
    full: bool = False,
    request_key: str = "",
    channel: str = Channel.WEB,
    enqueue: bool = True,
) -> Submission:
    """Ask for a sealed batch, prepared in the background (``tasks.prepare_submission_task``).

    Checked now, before anything is queued: the officer, the seal registered, its password or PIN
    (it opens the key and the certificate is valid, trusted and not revoked — wrong secrets counted
    and locked out), and that something is to be sent (``nothing_to_send``). The secret is handed to
    the task encrypted (``reporting.authorisations``) and deleted when the task takes it.

    Double-submit safe: the same ``request_key`` (the form's hidden key, the API's
    ``request_key``) answers the batch it asked for, and while a batch of this Sở and year is being
    prepared, asking again answers that batch (the database holds one ``preparing`` per Sở and year).
    """
    _allowed(by, department)
    earlier = _asked_before(department, school_year, request_key)
    if earlier is not None:
        return earlier
    seal = _seal_of(department)
    batches.check_authorisation(seal, authorisation, by=by)
    if not _to_send(department, school_year, full).exists():
        raise Conflict(
            _("Nothing to send: every issued record of %(year)s is already held by the Ministry.")
            % {"year": school_year.code},
            code="nothing_to_send",
        )
    kind = SubmissionKind.FULL if full else SubmissionKind.DELTA
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                department=department,
                school_year=school_year,
                kind=kind,
                mapping_version=ministry.MAPPING_VERSION,
                batch_id=f"{department.code}-{school_year.code}-{uuid.uuid4().hex[:16]}",
                state=SubmissionState.PREPARING,
                created_by=by,
                created_at=clock.now(),
                seal_fingerprint=seal.fingerprint,
                request_key=request_key[:64],
            )
            if enqueue:
                authorisations.keep(authorisations.MINISTRY_BATCH, submission.pk, authorisation)
            audit.record(
                by=by,
                action="ministry.batch_requested",
                obj=submission,
                changes={"batch_id": submission.batch_id, "kind": kind, "school_year": school_year.code},
                channel=channel,
            )
            if enqueue:
                enqueue_prepare(submission.pk)
    except IntegrityError:  # a concurrent second submit of the same request or Sở-year won the race
        found = _asked_before(department, school_year, request_key)
        if found is None:
            raise
        return found
    return submission


def prepare(
    *,
    by: Any,
    department: Department,
    school_year: SchoolYear,
    authorisation: str,
    full: bool = False,
    channel: str = Channel.WEB,
) -> Submission:
    """:func:`request_batch` and :func:`build_batch` in the caller's process (the command line and
    the tests): the sealed batch, queued for sending on commit."""
    submission = request_batch(
        by=by,
        department=department,
        school_year=school_year,
        authorisation=authorisation,
        full=full,
        channel=channel,
        enqueue=False,
    )
    if submission.state != SubmissionState.PREPARING:
        return submission
    return build_batch(submission_id=submission.pk, authorisation=authorisation, reraise=True)


PROGRESS_EVERY = 200


def build_batch(*, submission_id: int, authorisation: str | None = None, reraise: bool = False) -> Submission:
    """Prepare a requested batch (the task calls this): map the versions to send, build and seal the
    batch with the Sở's seal, keep its exact bytes, write its rows and queue it for sending (on
    commit). Progress: one step per row mapped, then building, sealing and storing. Anything that
    stops it leaves the batch ``not_prepared`` with the refusal code, audited
    (``ministry.batch_not_prepared``); nothing of it is sent. A refusal is then returned as that
    batch (the task's way), or raised with ``reraise`` (the command's way)."""
    submission = Submission.objects.select_related("department__seal", "school_year", "created_by").get(
        pk=submission_id
    )
    if submission.state != SubmissionState.PREPARING:
        return submission
    try:
        if authorisation is None:
            authorisation = authorisations.take(authorisations.MINISTRY_BATCH, submission.pk)
        return _build(submission, authorisation)
    except Exception as exc:
        authorisations.drop(authorisations.MINISTRY_BATCH, submission.pk)
        code = exc.code if isinstance(exc, DomainError) else type(exc).__name__
        with transaction.atomic():
            SUBMISSION_MOVES.update(
                Submission.objects.filter(pk=submission.pk), SubmissionState.NOT_PREPARED, error=code[:200]
            )
            audit.record(
                by=submission.created_by,
                action="ministry.batch_not_prepared",
                obj=submission,
                changes={"code": code},
                channel=Channel.TASK,
            )
        if isinstance(exc, DomainError) and not reraise:
            submission.refresh_from_db()
            return submission
        raise


def _build(submission: Submission, authorisation: str) -> Submission:
    department, school_year = submission.department, submission.school_year
    by = submission.created_by
    seal = _seal_of(department)
    full = submission.kind == SubmissionKind.FULL
    versions = _to_send(department, school_year, full)
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
    total = submission.total = len(chosen) + 3
    Submission.objects.filter(pk=submission.pk).update(total=total, done=0)
    entries = []
    for n, (_pk, _school, xml_sha, data) in enumerate(chosen, start=1):
        entries.append(batch.entry_for(data, ref=f"r{n}", record_xml_sha256=xml_sha, department_code=department.code))
        if n % PROGRESS_EVERY == 0:
            Submission.objects.filter(pk=submission.pk).update(done=n)
    header = {
        "BatchId": submission.batch_id,
        "DepartmentCode": department.code,
        "DepartmentName": department.name,
        "SchoolYear": school_year.code,
        "Kind": submission.kind,
        "MappingVersion": submission.mapping_version,
        "CreatedAt": submission.created_at.replace(microsecond=0).isoformat(),
    }
    unsigned, hashes = batch.build_hashed(header, entries)
    Submission.objects.filter(pk=submission.pk).update(done=len(chosen) + 1)
    with attempts.counted(by=by, credential=seal):  # wrong secrets counted and locked out
        source = providers.source_for(seal, authorisation)
        with providers.open_kit(source) as kit:
            trust.check_certificate(kit.certificate, kit.chain, trust.default_trust())
            signed = xades.sign_xml(
                unsigned, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=batch.DEPARTMENT_TITLE
            )
            fingerprint = kit.fingerprint
    Submission.objects.filter(pk=submission.pk).update(done=len(chosen) + 2)
    body_name, body_sha = storage.put(signed, ".xml")
    with transaction.atomic():
        SUBMISSION_MOVES.move(submission, SubmissionState.QUEUED)
        submission.body_name, submission.body_sha256 = body_name, body_sha
        submission.seal_fingerprint = fingerprint
        submission.row_count = len(entries)
        submission.school_count = len({school for _pk, school, _x, _d in chosen})
        submission.done = total
        submission.save(
            update_fields=[
                "state",
                "body_name",
                "body_sha256",
                "seal_fingerprint",
                "row_count",
                "school_count",
                "total",
                "done",
            ]
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
                "batch_id": submission.batch_id,
                "sha256": body_sha,
                "rows": len(entries),
                "kind": submission.kind,
                "school_year": school_year.code,
                "seal": fingerprint,
            },
            channel=Channel.TASK,
        )
        enqueue_send(submission.pk)
    return submission


def enqueue_prepare(submission_id: int) -> None:
    """Prepare the batch from a task once the transaction commits."""
    enqueue_on_commit("hocbaso.reporting.ministry.tasks.prepare_submission_task", submission_id)


def enqueue_send(submission_id: int) -> None:
    """Send the batch from a task once the transaction commits."""
    enqueue_on_commit("hocbaso.reporting.ministry.tasks.send_submission_task", submission_id)


# --- sending and the answer -------------------------------------------------------------------------


def retry(*, by: Any, submission: Submission, channel: str = Channel.WEB) -> Submission:
    """Queue a batch not answered yet to be sent again: the very same bytes (the store answers a
    batch it knows as before, so nothing is ever recorded twice)."""
    _allowed(by, submission.department)
    if submission.state in (SubmissionState.PREPARING, SubmissionState.NOT_PREPARED):
        raise Conflict(
            _("This batch is not prepared; it cannot be sent (prepare a new one if it failed)."),
            code="submission_preparing",
        )
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
