"""The Django side of verification: the registry's answers, the deployment's trust, the log.

- :func:`trust_store` — the deployment's trust (``HOCBASO_TRUSTED_ROOTS`` with CRL/OCSP fetching;
  in demo mode the demo root and the demo CAs' CRLs) plus the transparency log's public key.
- :func:`answers_for` — what the registry knows about an issuance code (hashes, status, signers
  with the periods their appointments entitled them to sign, the ledger entry and its proof).
- :func:`verify_document` / :func:`verify_code` — the same core verification for an uploaded file
  and for a typed code or QR link (which verifies the stored signed PDF of that code).
- :func:`bundle_bytes` / :func:`tree_head_json` — what the offline verifier downloads.

The document-only half of a verification (signatures, XML) is cached by file hash and trust; the
registry half (status, roles, ledger) is asked again every time, so a revocation shows at once.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from hocbaso.directory.models import Appointment
from hocbaso.records import issuance, storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import workflow
from hocbaso.signing.models import SignatureEvent, SigningCredential
from hocbaso.verification import core
from hocbaso.verification.models import VerificationLog
from hocbaso.verification.trust import dump_bundle

FINDINGS_TTL = 600  # seconds a document's signature findings are reused
TRUST_TTL = 60.0

_trust_cache: dict[str, tuple[float, core.TrustStore]] = {}


def is_demo_trust() -> bool:
    """True when the demo root is what this deployment trusts (no configured roots)."""
    return not workflow._setting("HOCBASO_TRUSTED_ROOTS")


def trust_store() -> core.TrustStore:
    """The deployment's trust store (rebuilt at most every minute)."""
    key = str(workflow._setting("HOCBASO_TRUSTED_ROOTS")) + str(settings.VAR_DIR)
    cached = _trust_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < TRUST_TTL:
        return cached[1]
    from hocbaso.ledger import keys

    pades_trust = workflow.default_trust()
    store = core.TrustStore(
        roots=pades_trust.roots,
        intermediates=pades_trust.other_certs,
        crls=pades_trust.crls,
        ledger_public_key_pem=keys.public_key_pem(),
        allow_fetching=pades_trust.allow_fetching,
        revocation_mode=pades_trust.revocation_mode,
        demo=is_demo_trust(),
    )
    _trust_cache.clear()
    _trust_cache[key] = (time.monotonic(), store)
    return store


def _entitled(event: SignatureEvent, version: RecordVersion) -> tuple[tuple[Any, Any], ...]:
    allowed = workflow.SIGNING_ROLES[workflow.SignatureRole(event.role)]
    appointments = Appointment.objects.filter(staff_id=event.signer_id, role__in=allowed)
    if event.role == workflow.SignatureRole.HOMEROOM:
        appointments = appointments.filter(class_group_id=version.class_group_id)
    else:
        appointments = appointments.filter(school_id=version.school_id)
    return tuple((a.valid_from, a.valid_to) for a in appointments.order_by("valid_from"))


def _ledger_answer(version: RecordVersion, tree_size: int | None) -> core.LedgerAnswer | None:
    from hocbaso.ledger import actions as ledger

    # The newest attestation of this version's current file: its issuance, or a later
    # archive renewal (which changed the PDF's hash).
    entry = (
        ledger.entries_for_record(str(version.record.public_id))
        .filter(
            payload__version=version.number,
            payload__event__in=["issued", "archive_renewed"],
            payload__pdf_sha256=version.signed_pdf_sha256,
        )
        .order_by("-index")
        .first()
    )
    if entry is None or tree_size is None or entry.index >= tree_size:
        return None
    proof = ledger.inclusion_for(entry, tree_size)
    return core.LedgerAnswer(
        index=entry.index,
        leaf_input=entry.leaf_input().decode("utf-8"),
        tree_size=tree_size,
        inclusion_path=tuple(proof.path),
    )


def answers_for(code: str, *, tree_size: int | None) -> core.RegistryAnswers:
    """The registry's answers about ``code`` (canonical form), with a ledger proof at ``tree_size``."""
    version = RecordVersion.objects.select_related("record", "school", "class_group").filter(issuance_code=code).first()
    if version is None:
        return core.RegistryAnswers(found=False, issuance_code=code)
    superseded_by = None
    with contextlib.suppress(RecordVersion.DoesNotExist):
        superseded_by = version.superseded_by.issuance_code
    events = list(SignatureEvent.objects.filter(version=version).select_related("signer"))
    pdfs = {version.signed_pdf_sha256} - {""}
    xmls = {version.xml_sha256, version.signed_xml_sha256} - {""}
    for event in events:
        if event.role == workflow.SignatureRole.SCHOOL:
            pdfs.add(event.pdf_sha256_after)
            xmls.add(event.xml_sha256_after)
    signers = tuple(
        core.SignerAnswer(
            role=event.role,
            fingerprint=event.certificate_fingerprint.upper(),
            name=event.signer.full_name,
            title=event.title,
            entitled=_entitled(event, version),
        )
        for event in events
    )
    return core.RegistryAnswers(
        found=True,
        issuance_code=code,
        status=version.status,
        superseded_by=superseded_by,
        status_reason=version.status_reason,
        record_id=str(version.record.public_id),
        version=version.number,
        pdf_sha256s=tuple(sorted(pdfs)),
        xml_sha256s=tuple(sorted(xmls)),
        signers=signers,
        ledger=_ledger_answer(version, tree_size),
    )


def signed_tree_head(*, covering_code: str | None = None) -> core.SignedTreeHead | None:
    """The latest signed tree head; if the version of ``covering_code`` was logged after it, a new
    head is published first (one head per size, so this is idempotent and cheap)."""
    from hocbaso.ledger import actions as ledger
    from hocbaso.ledger.models import TreeHead

    head = TreeHead.objects.order_by("-size").first()
    if ledger.log_size() and (head is None or head.size < ledger.log_size()) and covering_code:
        head = ledger.publish_tree_head(by=None)
    if head is None:
        return None
    return core.SignedTreeHead(
        size=head.size,
        root_hash=bytes.fromhex(head.root_hash),
        timestamp_ms=head.timestamp_ms,
        signature=bytes.fromhex(head.signature),
    )


def findings_for(document: bytes, trust: core.TrustStore) -> core.Findings:
    """:func:`core.examine`, cached by the file's SHA-256 and the trust settings."""
    import hashlib

    key = f"verification:findings:{hashlib.sha256(document).hexdigest()}:{trust.fingerprint()}"
    found = cache.get(key)
    if isinstance(found, core.Findings):
        return found
    findings = core.examine(document, trust=trust)
    cache.set(key, findings, FINDINGS_TTL)
    return findings


def verify_document(document: bytes) -> core.Report:
    """Verify an uploaded PDF or XML against the registry and the log."""
    trust = trust_store()
    findings = findings_for(document, trust)
    code = core.issuance_code_of(findings)
    registry = tree_head = None
    if code:
        try:
            canonical = issuance.check_code(code)
        except Exception:  # a malformed code inside a document: nothing registered can match it
            return core.judge(
                findings, trust=trust, registry=core.RegistryAnswers(found=False, issuance_code=code), tree_head=None
            )
        tree_head = signed_tree_head(covering_code=canonical)
        registry = answers_for(canonical, tree_size=tree_head.size if tree_head else None)
    return core.judge(findings, trust=trust, registry=registry, tree_head=tree_head)


def verify_code(raw: str) -> core.Report:
    """Verify the document registered under a typed or scanned code.

    Raises ``ValidationFailed`` (``code_malformed`` / ``code_checksum``) for a code that cannot be
    one; a well-formed code nobody issued gives an ``invalid`` report (``code_unknown``).
    """
    code = issuance.check_code(raw)
    # Answer unknown and unissued codes without loading the trust store (which may need the PKI).
    demo = is_demo_trust()
    version = RecordVersion.objects.filter(issuance_code=code).only("signed_pdf_name", "signed_pdf_sha256").first()
    if version is None:
        return core.report_of([core.Check("code", "failed", "code_unknown", {"code": code})], demo=demo)
    if not version.signed_pdf_name or version.status in (Status.DRAFT, Status.FROZEN):
        return core.report_of(
            [core.Check("code", "failed", "status_not_issued", {"code": code})], status=version.status, demo=demo
        )
    document = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    return verify_document(document)


def document_for_code(code: str) -> bytes | None:
    """The stored signed PDF of an issued (or superseded/revoked) version, for download from the verify page."""
    version = RecordVersion.objects.filter(issuance_code=code).exclude(signed_pdf_name="").first()
    if version is None:
        return None
    return storage.get(version.signed_pdf_name, version.signed_pdf_sha256)


def log(report: core.Report, *, channel: str) -> None:
    """Record that a verification happened (outcome, reason, channel, time, printed code) — nothing about who."""
    code = report.document.issuance_code if report.document and report.document.issuance_code else ""
    with transaction.atomic():
        VerificationLog.objects.create(
            at=timezone.now(),
            channel=channel,
            outcome=report.outcome,
            reason=report.reason[:64],
            issuance_code=code[:32],
        )


def seal_certificates() -> tuple[x509.Certificate, ...]:
    """The school seal certificates registered here (they sign the paper-copy QR payloads)."""
    seals: list[x509.Certificate] = []
    for pem in SigningCredential.objects.filter(for_organisation=True).values_list("certificate_pem", flat=True):
        seals.extend(x509.load_pem_x509_certificates(pem.encode()))
    return tuple(seals)


def bundle_bytes() -> bytes:
    """The downloadable trust bundle of this deployment (roots, CRLs, log key, school seals)."""
    trust = trust_store()
    seals = seal_certificates()
    return dump_bundle(
        roots=trust.roots,
        intermediates=trust.intermediates,
        crls=trust.crls,
        ledger_public_key_pem=trust.ledger_public_key_pem,
        seals=seals,
        demo=trust.demo,
    )


def tree_head_json() -> dict[str, Any] | None:
    """The latest signed tree head in ``/ledger/tree-head``'s shape (what ``--tree-head`` reads)."""
    head = signed_tree_head(covering_code="*")
    return head.to_json() if head else None
