"""Every write of the transfers app. Keyword-only, ``by=`` first, atomic, audited in the same
transaction at every school concerned; a refusal raises a ``DomainError`` and writes nothing.

A transfer inside the deployment::

    request_transfer   the sending school records the family's request (reason, desired date)
    decide_transfer    the sending principal signs the decision (XAdES), issued records attached
    accept_transfer    the receiving principal accepts into a class: enrolment moves, year carried
    refuse_transfer    … or refuses with a reason
    cancel_transfer    the sending school withdraws an open transfer

Across deployments (``bundles``): ``export_bundle``, ``import_bundle`` (receiving side, signed
receipt), ``import_receipt`` (sending side closes). Trust: ``import_trust``. The family's consent
is ``directory.consent`` (asked by the school, answered through the portal).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import zipfile
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.assessments import actions as assessments
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory import actions as directory
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolYear, Student
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.models import SignatureRole, SigningCredential
from hocbaso.transfers import asic, bundles, documents, permissions, signature
from hocbaso.transfers import trust as transfer_trust
from hocbaso.transfers.models import (
    OPEN_STATES,
    ReceivedBundle,
    ReceivedRecord,
    Transfer,
    TransferKind,
    TransferState,
    TrustedDeployment,
)
from hocbaso.verification.trust import BundleInvalid, load_bundle

REASON_MAX = 2000


def _school_ids(transfer: Transfer) -> list[int]:
    return [transfer.from_school_id] + ([transfer.to_school_id] if transfer.to_school_id else [])


def _audit(by: User, action: str, transfer: Transfer, changes: dict[str, Any], channel: str) -> None:
    """One event in each school's trail: the sending school's and, inside the deployment, the receiving one's."""
    for school_id in _school_ids(transfer):
        audit.record(by=by, action=action, obj=transfer, school_id=school_id, changes=changes, channel=channel)


def _text(value: str, *, field: str, message: Any, code: str) -> str:
    text = nfc(value or "").strip()
    if not text:
        raise ValidationFailed(message, code=code, field=field)
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": REASON_MAX}, code=f"{field}_too_long", field=field
        )
    return text


def open_enrolment(student: Student) -> Enrolment | None:
    """The child's enrolment at their school that has not ended (the latest), or None: not enrolled."""
    return (
        Enrolment.objects.filter(student=student, class_group__school_id=student.school_id, end_date__isnull=True)
        .select_related("class_group", "school_year")
        .order_by("-school_year__code", "-start_date")
        .first()
    )


def _require_enrolled(student: Student) -> Enrolment:
    enrolment = open_enrolment(student)
    if enrolment is None:
        raise Conflict(
            _("%(name)s is not enrolled in a class of %(school)s.")
            % {"name": student.full_name, "school": student.school.name},
            code="student_not_enrolled",
            field="student",
        )
    return enrolment


def _year(code: str) -> SchoolYear:
    year = SchoolYear.objects.filter(code=(code or "").strip()).first()
    if year is None:
        raise ValidationFailed(
            _("The school year %(code)s does not exist.") % {"code": code or "—"},
            code="school_year_unknown",
            field="school_year",
        )
    return year


def _refuse_second_open(student: Student) -> None:
    if Transfer.objects.filter(student=student, state__in=OPEN_STATES).exists():
        raise Conflict(
            _("%(name)s already has a transfer in progress; finish or cancel it first.") % {"name": student.full_name},
            code="transfer_already_open",
            field="student",
        )


@transaction.atomic
def request_transfer(
    *,
    by: User,
    student: Student,
    school_year: str,
    desired_date: dt.date,
    reason: str,
    requested_by_family: str,
    to_school: School | None = None,
    destination: str = "",
    channel: str = "web",
) -> Transfer:
    """Record the family's request to move ``student`` to ``to_school`` (this system) or to
    ``destination`` (a school elsewhere, which receives a transfer bundle).

    Refused: not staff of the child's school (``not_school_manager``); the child's own school
    (``transfer_same_school``); an unknown school year (``school_year_unknown``); a date outside it
    (``date_outside_year``); a child not enrolled (``student_not_enrolled``); a second open
    transfer (``transfer_already_open``); no reason or no family member named.
    """
    student = Student.objects.select_for_update().select_related("school").get(pk=student.pk)
    if not permissions.can_manage(by, student.school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    if to_school is not None and to_school.pk == student.school_id:
        raise ValidationFailed(
            _("%(school)s is already the child's school; a transfer needs another school.")
            % {"school": to_school.name},
            code="transfer_same_school",
            field="to_school",
        )
    destination = nfc(destination or "").strip()
    if to_school is None and not destination:
        raise ValidationFailed(
            _("Choose the receiving school, or name the school in another system."),
            code="destination_required",
            field="to_school",
        )
    year = _year(school_year)
    if not year.contains(desired_date):
        raise ValidationFailed(
            _("The date must fall within school year %(year)s.") % {"year": year.code},
            code="date_outside_year",
            field="desired_date",
        )
    reason = _text(reason, field="reason", message=_("Give the reason for the transfer."), code="reason_required")
    family = _text(
        requested_by_family,
        field="requested_by_family",
        message=_("Name the family member who asks for the transfer."),
        code="family_required",
    )
    enrolment = _require_enrolled(student)
    _refuse_second_open(student)
    transfer = Transfer(
        kind=TransferKind.INTERNAL if to_school is not None else TransferKind.EXTERNAL,
        student=student,
        from_school=student.school,
        from_enrolment=enrolment,
        to_school=to_school,
        destination="" if to_school is not None else destination,
        school_year=year,
        desired_date=desired_date,
        reason=reason,
        requested_by_family=family,
        requested_by=by,
        requested_at=clock.now(),
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:  # a concurrent request for the same child won the race
        _refuse_second_open(student)
        raise
    _audit(
        by,
        "transfer.request",
        transfer,
        {
            "student": [None, student.pk],
            "to": [None, transfer.destination_name],
            "school_year": [None, year.code],
            "desired_date": [None, desired_date],
            "reason": [None, reason],
            "requested_by_family": [None, family],
        },
        channel,
    )
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("student", "from_school", "to_school", "school_year")
        .get(pk=transfer.pk)
    )


def issued_versions(student: Student) -> list[RecordVersion]:
    """The child's issued record versions (one per year), oldest year first."""
    return list(
        RecordVersion.objects.filter(record__student=student, status=Status.ISSUED)
        .select_related("school_year", "school", "class_group")
        .order_by("school_year__code")
    )


def decision_data(
    transfer: Transfer, versions: list[RecordVersion], *, decided_on: dt.date, title: str, signer: str
) -> dict[str, Any]:
    """The content of the signed decision (docs/transfer-bundle.md, ``TransferDecision``)."""
    student = transfer.student
    to: dict[str, str] = (
        {"Code": transfer.to_school.code, "Name": transfer.to_school.name}
        if transfer.to_school is not None
        else {"Code": "", "Name": transfer.destination}
    )
    return {
        "TransferId": str(transfer.public_id),
        "Kind": transfer.kind,
        "DecidedOn": decided_on.isoformat(),
        "SchoolYear": transfer.school_year.code,
        "EffectiveDate": transfer.desired_date.isoformat(),
        "Reason": transfer.reason,
        "RequestedBy": transfer.requested_by_family,
        "Student": {
            "FullName": student.full_name,
            "Gender": str(student.gender),
            "DateOfBirth": student.date_of_birth.isoformat(),
            "PersonalId": student.personal_id,
            "SectorCode": student.sector_code,
        },
        "FromSchool": {"Code": transfer.from_school.code, "Name": transfer.from_school.name},
        "ToSchool": to,
        "Records": [
            {
                "IssuanceCode": v.issuance_code,
                "SchoolYear": v.school_year.code,
                "SchoolName": v.school.name,
                "PdfSha256": v.signed_pdf_sha256,
                "XmlSha256": v.signed_xml_sha256,
            }
            for v in versions
        ],
        "Signer": {"Name": signer, "Title": title},
    }


def decide_transfer(
    *, by: User, transfer: Transfer, credential: SigningCredential, authorisation: str, channel: str = "web"
) -> Transfer:
    """The sending principal's decision: a ``TransferDecision`` listing the child's issued records,
    signed (XAdES) with the principal's own certificate, like a record's principal signature.

    Refused: not the sending school's principal or vice-principal (``not_sending_principal``); a
    transfer not waiting for a decision (``transfer_state``); a child no longer enrolled
    (``student_not_enrolled``); a credential that cannot sign now (the signing refusals' codes).
    The signature is made before the transaction (a remote service may be slow); the state is
    checked again inside it, so a concurrent decision leaves one signed decision only.
    """
    transfer = Transfer.objects.select_related("student__school", "from_school", "to_school", "school_year").get(
        pk=transfer.pk
    )
    if not permissions.can_decide(by, transfer):
        raise PermissionRefused(
            _("Only the principal of %(school)s decides on this transfer.") % {"school": transfer.from_school.name},
            code="not_sending_principal",
        )
    if transfer.state != TransferState.REQUESTED:
        transfer.transition_to(TransferState.DECIDED)  # raises transfer_state
    _require_enrolled(transfer.student)
    versions = issued_versions(transfer.student)
    with signature.opened(
        by=by,
        credential=credential,
        authorisation=authorisation,
        role=SignatureRole.PRINCIPAL,
        school=transfer.from_school,
    ) as (kit, title):
        signer = by.staff.full_name
        document = documents.build(
            "TransferDecision", decision_data(transfer, versions, decided_on=clock.today(), title=title, signer=signer)
        )
        signed = signature.sign_document(document, kit, title)
        fingerprint = kit.fingerprint
    with transaction.atomic():
        transfer = _locked(transfer)
        transfer.transition_to(TransferState.DECIDED)
        name, digest = storage.put(signed, ".xml")
        transfer.decided_by = by
        transfer.decided_at = clock.now()
        transfer.decision_name = name
        transfer.decision_sha256 = digest
        transfer.decision_fingerprint = fingerprint
        transfer.save()
        transfer.attached_versions.set(versions)
        _audit(
            by,
            "transfer.decide",
            transfer,
            {
                "state": [TransferState.REQUESTED, TransferState.DECIDED],
                "decision_sha256": [None, digest],
                "records": [None, [v.issuance_code for v in versions]],
            },
            channel,
        )
    return transfer


def _answerable(by: User, transfer: Transfer) -> Transfer:
    transfer = _locked(transfer)
    if transfer.kind != TransferKind.INTERNAL or not permissions.can_answer(by, transfer):
        raise PermissionRefused(
            _("Only the principal of the receiving school accepts or refuses this transfer."),
            code="not_receiving_principal",
        )
    if transfer.state != TransferState.DECIDED:
        raise Conflict(
            _("This transfer is “%(state)s”; only a transfer with a signed decision can be answered.")
            % {"state": TransferState(transfer.state).label},
            code="transfer_state",
        )
    return transfer


@transaction.atomic
def accept_transfer(
    *, by: User, transfer: Transfer, to_class: ClassGroup, register_number: str = "", channel: str = "web"
) -> Transfer:
    """The receiving principal accepts the child into ``to_class`` from the transfer's date.

    The enrolment at the sending school ends (the day before, or at its year's end), the new one
    starts (the learning history gains its row), the child's school changes; during a year the
    year page follows the child and every assessment entered so far stays with its entering
    school. Both schools' trails record it. Refused: not the receiving principal
    (``not_receiving_principal``); no signed decision (``transfer_state``); a class of another
    school or year (``class_mismatch``); a child no longer enrolled (``student_not_enrolled``).
    """
    transfer = _answerable(by, transfer)
    if to_class.school_id != transfer.to_school_id or to_class.school_year_id != transfer.school_year_id:
        raise ValidationFailed(
            _("Choose a class of %(school)s in school year %(year)s.")
            % {"school": transfer.destination_name, "year": transfer.school_year.code},
            code="class_mismatch",
            field="to_class",
        )
    _require_enrolled(transfer.student)
    enrolment = directory.move_student(
        by=by,
        student=transfer.student,
        to_class=to_class,
        on=transfer.desired_date,
        register_number=register_number,
        channel=channel,
    )
    carried = assessments.carry_year(by=by, student=transfer.student, to_class=to_class, channel=channel)
    transfer.transition_to(TransferState.ACCEPTED)
    transfer.answered_by = by
    transfer.answered_at = clock.now()
    transfer.to_class = to_class
    transfer.new_enrolment = enrolment
    transfer.save()
    _audit(
        by,
        "transfer.accept",
        transfer,
        {
            "state": [TransferState.DECIDED, TransferState.ACCEPTED],
            "class": [None, to_class.pk],
            "enrolment": [None, enrolment.pk],
            "year_carried": [None, bool(carried)],
        },
        channel,
    )
    return transfer


@transaction.atomic
def refuse_transfer(*, by: User, transfer: Transfer, reason: str, channel: str = "web") -> Transfer:
    """The receiving principal refuses, with a reason (``reason_required``); the child stays."""
    reason = _text(reason, field="reason", message=_("Give the reason for the refusal."), code="reason_required")
    transfer = _answerable(by, transfer)
    transfer.transition_to(TransferState.REFUSED)
    transfer.answered_by = by
    transfer.answered_at = clock.now()
    transfer.refusal_reason = reason
    transfer.save()
    _audit(
        by,
        "transfer.refuse",
        transfer,
        {"state": [TransferState.DECIDED, TransferState.REFUSED], "reason": [None, reason]},
        channel,
    )
    return transfer


@transaction.atomic
def cancel_transfer(*, by: User, transfer: Transfer, reason: str, channel: str = "web") -> Transfer:
    """The sending school withdraws an open transfer (the family changed its mind), with a reason."""
    reason = _text(reason, field="reason", message=_("Give the reason for the cancellation."), code="reason_required")
    transfer = _locked(transfer)
    if not permissions.can_manage(by, transfer.from_school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    before = transfer.state
    transfer.transition_to(TransferState.CANCELLED)
    transfer.save()
    _audit(
        by, "transfer.cancel", transfer, {"state": [before, TransferState.CANCELLED], "reason": [None, reason]}, channel
    )
    return transfer


def decision_bytes(transfer: Transfer) -> bytes:
    """The signed decision as stored (checked against its registered hash)."""
    if not transfer.decision_name:
        raise NotFound(_("This transfer has no signed decision yet."), code="decision_missing")
    return storage.get(transfer.decision_name, transfer.decision_sha256)


# --- across deployments ---------------------------------------------------------------------------


def _record_files(versions: list[RecordVersion]) -> dict[str, bytes]:
    files = {}
    for version in versions:
        pdf_path, xml_path = bundles.record_paths(version.school_year.code)
        files[pdf_path] = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
        files[xml_path] = storage.get(version.signed_xml_name, version.signed_xml_sha256)
    return files


def _source(school: School) -> dict[str, Any]:
    return {"deployment": settings.PUBLIC_BASE_URL, "school": {"code": school.code, "name": school.name}}


def bundle_name(transfer: Transfer) -> str:
    return storage.name_for(transfer.bundle_sha256, ".zip")


def export_bundle(
    *, by: User, transfer: Transfer, credential: SigningCredential, authorisation: str, channel: str = "web"
) -> bytes:
    """The transfer bundle of an external transfer with a signed decision, sealed by the sending
    school (principal or clerk with the school's seal); the transfer then waits for the receipt.

    Refused: not staff of the sending school (``not_school_manager``); an internal transfer or one
    without a signed decision (``transfer_state``); a seal that cannot sign (the signing codes).
    Exporting again while the receipt is awaited gives the same bundle.
    """
    transfer = Transfer.objects.select_related("student", "from_school", "school_year").get(pk=transfer.pk)
    if not permissions.can_manage(by, transfer.from_school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    if transfer.state == TransferState.SENT and transfer.bundle_sha256:
        return storage.get(bundle_name(transfer), transfer.bundle_sha256)
    if transfer.kind != TransferKind.EXTERNAL or transfer.state != TransferState.DECIDED:
        raise Conflict(
            _("Only a transfer to another system with a signed decision is sent as a bundle."), code="transfer_state"
        )
    versions = list(transfer.attached_versions.select_related("school_year").order_by("school_year__code"))
    from hocbaso.records.assembly_parts import student_page

    files = _record_files(versions)
    files[bundles.DECISION] = decision_bytes(transfer)
    files[bundles.HEADER] = bundles.header(
        kind="transfer",
        transfer_id=str(transfer.public_id),
        source=_source(transfer.from_school),
        destination=transfer.destination,
        student=student_page(transfer.student),
        school_year=transfer.school_year.code,
        effective_date=transfer.desired_date.isoformat(),
        years=[(v.school_year.code, v.issuance_code) for v in versions],
        with_decision=True,
    )
    with signature.opened(
        by=by,
        credential=credential,
        authorisation=authorisation,
        role=SignatureRole.SCHOOL,
        school=transfer.from_school,
    ) as (kit, title):
        raw = asic.pack(files, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=title)
    with transaction.atomic():
        transfer = _locked(transfer)
        transfer.transition_to(TransferState.SENT)
        _name, digest = storage.put(raw, ".zip")
        transfer.bundle_sha256 = digest
        transfer.save()
        _audit(
            by,
            "transfer.export",
            transfer,
            {"state": [TransferState.DECIDED, TransferState.SENT], "bundle_sha256": [None, digest]},
            channel,
        )
    return raw


def _duplicate_student(page: dict[str, Any]) -> Student | None:
    personal_id, sector_code = page.get("personal_id") or "", page.get("sector_code") or ""
    if personal_id and (found := Student.objects.filter(personal_id=personal_id).first()):
        return found
    if sector_code and (found := Student.objects.filter(sector_code=sector_code).first()):
        return found
    try:
        born = dt.date.fromisoformat(str(page.get("date_of_birth")))
    except ValueError:
        return None
    return Student.objects.filter(full_name=nfc(page.get("full_name") or ""), date_of_birth=born).first()


def _refuse_known(opened: bundles.Opened, page: dict[str, Any]) -> None:
    """``bundle_already_imported`` (this transfer or these very bytes came in before) or
    ``bundle_duplicate_student`` (the child of ``page`` exists here)."""
    if ReceivedBundle.objects.filter(
        Q(transfer_id=opened.header["transfer_id"]) | Q(bundle_sha256=opened.sha256)
    ).exists():
        raise bundles.BundleRefused("bundle_already_imported")
    if _duplicate_student(page) is not None:
        raise bundles.BundleRefused("bundle_duplicate_student")


def receipt_data(verified: bundles.Verified, school: School, *, received_on: dt.date) -> dict[str, Any]:
    """The content of the signed acceptance receipt (``TransferReceipt``)."""
    student = verified.header["student"]
    return {
        "TransferId": verified.header["transfer_id"],
        "BundleSha256": verified.sha256,
        "ReceivedOn": received_on.isoformat(),
        "ReceivingSchool": {"Code": school.code, "Name": school.name, "Deployment": settings.PUBLIC_BASE_URL},
        "Student": {"FullName": student.get("full_name", ""), "DateOfBirth": student.get("date_of_birth", "")},
        "Records": [
            {
                "IssuanceCode": y.issuance_code,
                "SchoolYear": y.school_year,
                "PdfSha256": y.pdf_sha256,
                "XmlSha256": y.xml_sha256,
            }
            for y in verified.years
        ],
    }


def import_bundle(
    *,
    by: User,
    raw: bytes,
    school: School,
    credential: SigningCredential,
    authorisation: str,
    to_class: ClassGroup | None = None,
    channel: str = "web",
) -> tuple[ReceivedBundle, bytes]:
    """Receive a child from another system: verify the whole bundle first (container, seal,
    decision, every record, with the verification core and the trust of this deployment plus the
    imported trust bundles), then create the student, their earlier schooling and the received
    records (kept byte for byte), enrol them in ``to_class`` from the transfer's date when given,
    and return the acceptance receipt signed with this school's seal.

    Refused with nothing written: not a head of ``school`` (``not_receiving_principal``); every
    ``bundle_*`` code of docs/transfer-bundle.md (``bundle_unknown_issuer`` for a seal or record
    this system cannot trust); a bundle already imported (``bundle_already_imported``); a child who
    already exists here (``bundle_duplicate_student``); a class of another school (``class_mismatch``).
    In the order of docs/transfer-bundle.md: the cheap checks (``bundles.open_bundle``), then an
    admission bundle, a bundle already imported and a child already here, and only then the
    records' examine (``bundles.examine_records``, nearly all of the time).
    """
    if not permissions.heads(by, school):
        raise PermissionRefused(
            _("Only the principal of the receiving school imports a transfer bundle."), code="not_receiving_principal"
        )
    if to_class is not None and to_class.school_id != school.pk:
        raise ValidationFailed(
            _("Choose a class of %(school)s.") % {"school": school.name}, code="class_mismatch", field="to_class"
        )
    trust = transfer_trust.trust_for_import()
    opened = bundles.open_bundle(raw, trust=trust)
    header = opened.header
    if header["kind"] != "transfer":
        raise bundles.BundleRefused("bundle_format_unknown", "not a transfer bundle")
    latest = opened.years[-1].data if opened.years else None
    page = dict(latest["student"]) if latest else dict(header["student"])
    _refuse_known(opened, page)  # before the expensive examine: what is refused anyway costs nothing
    verified = bundles.examine_records(opened, trust=trust)
    with signature.opened(
        by=by, credential=credential, authorisation=authorisation, role=SignatureRole.SCHOOL, school=school
    ) as (kit, title):
        unsigned = documents.build("TransferReceipt", receipt_data(verified, school, received_on=clock.today()))
        receipt = signature.sign_document(unsigned, kit, title)
    with transaction.atomic():
        _refuse_known(opened, page)  # again: a concurrent import of the same bundle or child may have won
        from hocbaso.directory.actions import STUDENT_FIELDS

        data = {k: v for k, v in page.items() if k in STUDENT_FIELDS}
        data["date_of_birth"] = dt.date.fromisoformat(str(page["date_of_birth"]))
        student = directory.create_student(by=by, school=school, data=data, channel=channel)
        source = _("Transfer bundle from %(school)s") % {"school": header["source"]["school"]["name"]}
        if latest:
            directory.add_prior_schooling(
                by=by, student=student, rows=latest["history"], source=str(source), channel=channel
            )
        if to_class is not None:
            directory.enrol_student(
                by=by,
                student=student,
                class_group=to_class,
                start_date=max(dt.date.fromisoformat(header["effective_date"]), to_class.school_year.start_date),
                channel=channel,
            )
        bundle_stored, _digest = storage.put(raw, ".zip")
        receipt_stored, receipt_digest = storage.put(receipt, ".xml")
        received = ReceivedBundle.objects.create(
            transfer_id=header["transfer_id"],
            bundle_name=bundle_stored,
            bundle_sha256=verified.sha256,
            sending_school_code=str(header["source"]["school"]["code"])[:20],
            sending_school_name=str(header["source"]["school"]["name"])[:200],
            sending_deployment=str(header["source"].get("deployment", ""))[:200],
            student=student,
            school=school,
            class_group=to_class,
            header=header,
            imported_by=by,
            imported_at=clock.now(),
            receipt_name=receipt_stored,
            receipt_sha256=receipt_digest,
        )
        ReceivedRecord.objects.bulk_create(
            ReceivedRecord(
                bundle=received,
                school_year=year.school_year,
                issuing_school=str(year.data["school"]["name"])[:200],
                issuance_code=year.issuance_code,
                class_name=str(year.data["year"]["class_name"])[:20],
                pdf_name=storage.put(year.pdf, ".pdf")[0],
                pdf_sha256=year.pdf_sha256,
                xml_name=storage.put(year.xml, ".xml")[0],
                xml_sha256=year.xml_sha256,
            )
            for year in verified.years
        )
        audit.record(
            by=by,
            action="transfer.import",
            obj=received,
            school_id=school.pk,
            channel=channel,
            changes={
                "bundle_sha256": [None, verified.sha256],
                "from": [None, received.sending_school_name],
                "student": [None, student.pk],
                "records": [None, [y.issuance_code for y in verified.years]],
                "receipt_sha256": [None, receipt_digest],
            },
        )
    return received, receipt


def import_receipt(*, by: User, transfer: Transfer, raw: bytes, channel: str = "web") -> Transfer:
    """Close the sending side: the receiving system's signed acceptance receipt for this
    transfer's bundle. The child's enrolment here ends on the transfer's date.

    Refused: not staff of the sending school (``not_school_manager``); not waiting for a receipt
    (``transfer_state``); a receipt whose signature is not valid or not trusted
    (``receipt_invalid`` / ``bundle_unknown_issuer``); a receipt for another transfer or another
    bundle (``receipt_mismatch``).
    """
    transfer = Transfer.objects.select_related("student", "from_school").get(pk=transfer.pk)
    if not permissions.can_manage(by, transfer.from_school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    if transfer.state != TransferState.SENT:
        raise Conflict(_("This transfer is not waiting for a receipt."), code="transfer_state")
    report = documents.verify(raw, transfer_trust.trust_for_import(), kind="TransferReceipt")
    if report.outcome != "valid":
        if report.reason in ("signature_untrusted", "xml_signature_revocation_unknown"):
            raise bundles.BundleRefused("bundle_unknown_issuer", report.reason)
        raise ValidationFailed(
            _("The receipt's signature is not valid (%(reason)s).") % {"reason": report.reason},
            code="receipt_invalid",
            field="file",
        )
    content = documents.parse(raw, kind="TransferReceipt")
    if content.get("TransferId") != str(transfer.public_id) or content.get("BundleSha256") != transfer.bundle_sha256:
        raise ValidationFailed(
            _("This receipt is for another transfer or another bundle."), code="receipt_mismatch", field="file"
        )
    with transaction.atomic():
        transfer = _locked(transfer)
        transfer.transition_to(TransferState.ACCEPTED)
        name, digest = storage.put(raw, ".xml")
        transfer.receipt_name, transfer.receipt_sha256 = name, digest
        transfer.answered_at = clock.now()
        transfer.save()
        directory.withdraw_student(
            by=by,
            student=transfer.student,
            on=transfer.desired_date,
            reason=f"transfer {transfer.public_id} → {transfer.destination}",
            channel=channel,
        )
        _audit(
            by,
            "transfer.receipt",
            transfer,
            {
                "state": [TransferState.SENT, TransferState.ACCEPTED],
                "receipt_sha256": [None, digest],
                "received_by": [None, (content.get("ReceivingSchool") or {}).get("Name", "")],
            },
            channel,
        )
    return transfer


@transaction.atomic
def import_trust(*, by: User | None, raw: bytes, name: str, channel: str = "web") -> TrustedDeployment:
    """An operator trusts another deployment: its trust bundle (``hocbaso-trust-bundle/1``, from its
    ``/verify/trust-bundle.json``). Audited; importing the same bundle again is refused
    (``trust_already_imported``); an unreadable one too (``trust_bundle_invalid``)."""
    if by is not None and not permissions.is_operator(by):
        raise PermissionRefused(_("Only an operator imports another system's trust."), code="operator_only")
    name = _text(name, field="name", message=_("Name the system you trust."), code="name_required")
    try:
        parsed = load_bundle(raw)
    except BundleInvalid as exc:
        raise ValidationFailed(
            _("This is not a trust bundle (%(detail)s).") % {"detail": str(exc)},
            code="trust_bundle_invalid",
            field="file",
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if TrustedDeployment.objects.filter(bundle_sha256=digest).exists():
        raise Conflict(_("This trust bundle has already been imported."), code="trust_already_imported", field="file")
    fingerprints = [c.fingerprint(hashes.SHA256()).hex().upper() for c in parsed.trust.roots]
    trusted = TrustedDeployment.objects.create(
        name=name,
        bundle=raw,
        bundle_sha256=digest,
        roots_fingerprints=fingerprints,
        demo=parsed.trust.demo,
        imported_by=by if getattr(by, "is_authenticated", False) else None,
        imported_at=clock.now(),
    )
    audit.record(
        by=by,
        action="trust.import",
        obj=trusted,
        channel=channel,
        changes={"name": [None, name], "roots": [None, fingerprints], "bundle_sha256": [None, digest]},
    )
    return trusted


# --- admission to grade 6 --------------------------------------------------------------------------


def export_admission(
    *,
    by: User,
    school: School,
    school_year: SchoolYear,
    recipient: str,
    credential: SigningCredential,
    authorisation: str,
    channel: str = "web",
) -> bytes:
    """The admission export of ``school`` for ``recipient`` (a lower-secondary school or a board):
    one zip holding the ``.xlsx`` list of grade-5 completers and one admission bundle (sealed by
    the school) per child whose family consented and whose records are issued. Children without
    consent are listed, never sent. Refused: not staff of the school (``not_school_manager``); no
    recipient (``recipient_required``). Audited with the children sent.
    """
    from hocbaso.records.assembly_parts import student_page
    from hocbaso.transfers import admission

    if not permissions.can_manage(by, school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    recipient = _text(recipient, field="recipient", message=_("Name the recipient."), code="recipient_required")
    candidates = admission.completers(School.objects.filter(pk=school.pk), school_year)
    sent = [c for c in candidates if c.consented and c.record_status == "issued"]
    out = io.BytesIO()
    with (
        signature.opened(
            by=by, credential=credential, authorisation=authorisation, role=SignatureRole.SCHOOL, school=school
        ) as (kit, title),
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(
            "danh-sach-tuyen-sinh-lop-6.xlsx", admission.workbook(candidates, admission.tally(candidates), school_year)
        )
        for candidate in sent:
            versions = issued_versions(candidate.student)
            files = _record_files(versions)
            files[bundles.HEADER] = bundles.header(
                kind="admission",
                transfer_id=str(uuid.uuid4()),
                source=_source(school),
                destination=recipient,
                student=student_page(candidate.student),
                school_year=school_year.code,
                effective_date=school_year.end_date.isoformat(),
                years=[(v.school_year.code, v.issuance_code) for v in versions],
                with_decision=False,
            )
            packed = asic.pack(files, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=title)
            code = candidate.version.issuance_code if candidate.version else str(candidate.student.pk)
            archive.writestr(f"hoc-ba/{code}.zip", packed, compress_type=zipfile.ZIP_STORED)
    audit.record(
        by=by,
        action="admission.export",
        obj=school,
        school_id=school.pk,
        channel=channel,
        changes={
            "recipient": [None, recipient],
            "school_year": [None, school_year.code],
            "sent": [None, [c.student.pk for c in sent]],
            "listed": [None, len(candidates)],
        },
    )
    return out.getvalue()
