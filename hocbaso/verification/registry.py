"""The Django side of verification: the registry's answers, the deployment's trust, the log.

- :func:`trust_store` — the deployment's trust (``HOCBASO_TRUSTED_ROOTS`` with CRL/OCSP fetching;
  in demo mode the demo root and the demo CAs' CRLs) plus the transparency log's public key.
- :func:`answers_for` — what the registry knows about an issuance code (hashes, status, signers
  with the periods their appointments entitled them to sign, the ledger entry and its proof).
- :func:`verify_document` / :func:`verify_code` — the same core verification for an uploaded file
  and for a typed code or QR link (which verifies the stored signed PDF of that code).
- :func:`verify_paper` — a printed copy's seal, against the seal bindings and the registry.
- :func:`bundle_bytes` / :func:`packet` / :func:`tree_head_json` — what the offline verifier
  downloads: the trust bundle, the signed verification packet of a code, the latest tree head.

The document-only half of a verification (signatures, XML) is cached by file hash and trust; the
registry half (status, roles, ledger) is asked again every time, so a revocation shows at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from hocbaso.directory.models import Appointment
from hocbaso.records import issuance, storage
from hocbaso.records.models import Origin, RecordVersion, Status
from hocbaso.signing import order as signing_order
from hocbaso.signing import trust as signing_trust
from hocbaso.signing.models import SignatureEvent, SignatureRole, SigningCredential
from hocbaso.verification import core
from hocbaso.verification.models import VerificationLog
from hocbaso.verification.trust import dump_bundle

FINDINGS_TTL = 600  # seconds a document's signature findings are reused
UNSURE_FINDINGS_TTL = 30  # …when a check could not run (e.g. the OCSP responder was unreachable)
TRUST_TTL = 60.0

_trust_cache: dict[str, tuple[float, core.TrustStore]] = {}


def is_demo_trust() -> bool:
    """True when the demo root is what this deployment trusts (no configured roots)."""
    return signing_trust.demo_trust_in_use()


def trust_store() -> core.TrustStore:
    """The deployment's trust store (rebuilt at most every minute)."""
    key = str(signing_trust.trusted_roots_file()) + str(settings.VAR_DIR)
    cached = _trust_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < TRUST_TTL:
        return cached[1]
    from hocbaso.ledger import keys

    pades_trust = signing_trust.default_trust()
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


def entitled_periods(
    event: SignatureEvent, version: RecordVersion, appointments: list[Appointment]
) -> tuple[tuple[Any, Any, Any], ...]:
    """The periods (first day, last day, recorded at) in which ``event``'s signer held a role
    entitling them to its signature on ``version``: an appointment of theirs granting the
    signature's permission (``directory.roles``) in the version's class (homeroom) or school (the
    others), **recorded before the signature** — an appointment written afterwards, even backdated,
    proves nothing. ``appointments`` are candidates in ``valid_from`` order."""
    allowed = set(signing_order.SIGNING_ROLES[SignatureRole(event.role)])
    homeroom = event.role == SignatureRole.HOMEROOM
    return tuple(
        (a.valid_from, a.valid_to, a.recorded_at)
        for a in appointments
        if a.staff_id == event.signer_id
        and a.role in allowed
        and a.recorded_at <= event.signed_at
        and (a.class_group_id == version.class_group_id if homeroom else a.school_id == version.school_id)
    )


def _appointments_of(events: list[SignatureEvent]) -> list[Appointment]:
    """Every appointment of the signers to a signing role (one query for all signatures)."""
    if not events:
        return []
    roles = {role for event in events for role in signing_order.SIGNING_ROLES[SignatureRole(event.role)]}
    return list(
        Appointment.objects.filter(staff_id__in={e.signer_id for e in events}, role__in=roles).order_by(
            "valid_from", "pk"
        )
    )


def _ledger_answers(version: RecordVersion, tree_size: int | None) -> tuple[core.LedgerAnswer, ...]:
    """Every log entry attesting a file of this version (its issuance, archive renewals that changed
    the PDF's hash), each with its inclusion proof in the tree of ``tree_size``."""
    from hocbaso.ledger import actions as ledger

    if tree_size is None:
        return ()
    entries = ledger.entries_for_record(str(version.record.public_id)).filter(
        payload__version=version.number, payload__event__in=["issued", "archive_renewed"], index__lt=tree_size
    )
    answers = []
    for entry in entries:
        proof = ledger.inclusion_for(entry, tree_size)
        answers.append(
            core.LedgerAnswer(
                index=entry.index,
                leaf_input=entry.leaf_input().decode("utf-8"),
                tree_size=tree_size,
                inclusion_path=tuple(proof.path),
            )
        )
    return tuple(answers)


def paper_digest_of(version: RecordVersion) -> str:
    """The digest of the values a paper seal of ``version`` covers (``paper_seal.registered_body``)."""
    from hocbaso.signing import paper_seal

    data = version.data or {}
    try:
        code = data.get("issuance_code") or version.issuance_code
        fields = paper_seal.fields_of(data, issuance_code=code, xml_sha256=version.xml_sha256)
        return paper_seal.fields_digest(paper_seal.registered_body(fields))
    except (KeyError, TypeError, ValueError):  # a version without record data (test fixtures)
        return ""


def _versions() -> QuerySet[RecordVersion]:
    """Versions with what the answers need in the same query (the record, the successor)."""
    return RecordVersion.objects.select_related("record", "superseded_by")


def answers_for(code: str, *, tree_size: int | None) -> core.RegistryAnswers:
    """The registry's answers about ``code`` (canonical form), with a ledger proof at ``tree_size``."""
    version = _versions().filter(issuance_code=code).first()
    if version is None:
        return core.RegistryAnswers(found=False, issuance_code=code)
    return answers_of(version, tree_size=tree_size)


def answers_of(version: RecordVersion, *, tree_size: int | None) -> core.RegistryAnswers:
    """:func:`answers_for` a version already loaded (read fresh in this request: status is never cached)."""
    code = version.issuance_code
    superseded_by = None
    with contextlib.suppress(RecordVersion.DoesNotExist):
        superseded_by = version.superseded_by.issuance_code
    events = list(SignatureEvent.objects.filter(version=version).select_related("signer"))
    appointments = _appointments_of(events)
    pdfs = {version.signed_pdf_sha256} - {""}
    xmls = {version.xml_sha256, version.signed_xml_sha256} - {""}
    for event in events:
        if event.role == SignatureRole.SCHOOL:
            pdfs.add(event.pdf_sha256_after)
            xmls.add(event.xml_sha256_after)
    signers = tuple(
        core.SignerAnswer(
            role=event.role,
            fingerprint=event.certificate_fingerprint.upper(),
            name=event.signer.full_name,
            title=event.title,
            entitled=entitled_periods(event, version, appointments),
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
        ledger=_ledger_answers(version, tree_size),
        paper_digest=paper_digest_of(version),
    )


def signed_tree_head(*, covering_code: str | None = None) -> core.SignedTreeHead | None:
    """The latest signed tree head; if the version of ``covering_code`` was logged after it, a new
    head is published first (one head per size, so this is idempotent and cheap)."""
    from hocbaso.ledger import actions as ledger
    from hocbaso.ledger.models import TreeHead

    head = TreeHead.objects.order_by("-size").first()
    size = ledger.log_size() if covering_code else 0
    if size and (head is None or head.size < size):
        head = ledger.publish_tree_head(by=None)
    if head is None:
        return None
    return core.SignedTreeHead(
        size=head.size,
        root_hash=bytes.fromhex(head.root_hash),
        timestamp_ms=head.timestamp_ms,
        signature=bytes.fromhex(head.signature),
    )


def _findings_key(sha256: str, trust: core.TrustStore) -> str:
    return f"verification:findings:{sha256}:{trust.fingerprint()}"


def findings_for(document: bytes, trust: core.TrustStore) -> core.Findings:
    """:func:`core.examine`, cached by the file's SHA-256 and the trust settings."""
    return _cached_findings(hashlib.sha256(document).hexdigest(), trust, lambda: document)


def _cached_findings(sha256: str, trust: core.TrustStore, read: Callable[[], bytes]) -> core.Findings:
    """The findings of the file whose SHA-256 is ``sha256``, from the cache or by examining ``read()``.

    Findings depend only on the bytes and the trust settings, so the key needs nothing else; a
    stored file is content-addressed by its registered hash, so a cached code lookup need not read
    the file at all. What can change (status, roles, the log) is never in here.
    """
    key = _findings_key(sha256, trust)
    found = cache.get(key)
    if isinstance(found, core.Findings):
        return found
    findings = core.examine(read(), trust=trust)
    cache.set(key, findings, findings_ttl(findings))
    return findings


def findings_ttl(findings: core.Findings) -> int:
    """Seconds to reuse ``findings``: briefly when a check could not run, so a passing outage of a
    revocation service does not leave the document undeterminable for long."""
    unsure = any(check.status == "not_checked" for check in findings.checks)
    return UNSURE_FINDINGS_TTL if unsure else FINDINGS_TTL


def verify_document(document: bytes) -> core.Report:
    """Verify an uploaded PDF or XML against the registry and the log."""
    trust = trust_store()
    return _judged(findings_for(document, trust), trust)


def _judged(findings: core.Findings, trust: core.TrustStore, *, known: RecordVersion | None = None) -> core.Report:
    """Complete ``findings`` with the registry and the log. ``known``: the version already loaded
    for the code being looked up (used when the document carries that same code)."""
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
        size = tree_head.size if tree_head else None
        if known is not None and known.issuance_code == canonical:
            registry = answers_of(known, tree_size=size)
        else:
            registry = answers_for(canonical, tree_size=size)
    return core.judge(findings, trust=trust, registry=registry, tree_head=tree_head)


def verify_code(raw: str) -> core.Report:
    """Verify the document registered under a typed or scanned code.

    Raises ``ValidationFailed`` (``code_malformed`` / ``code_checksum``) for a code that cannot be
    one; a well-formed code nobody issued gives an ``invalid`` report (``code_unknown``).
    The stored signed PDF is read (and checked against its registered hash) only when its
    findings are not cached; the registry half is always read afresh.
    """
    code = issuance.check_code(raw)
    # Answer unknown and unissued codes without loading the trust store (which may need the PKI).
    demo = is_demo_trust()
    version = _versions().filter(issuance_code=code).first()
    if version is None:
        return core.report_of([core.Check("code", "failed", "code_unknown", {"code": code})], demo=demo)
    if not version.signed_pdf_name or version.status in (Status.DRAFT, Status.FROZEN):
        return core.report_of(
            [core.Check("code", "failed", "status_not_issued", {"code": code})], status=version.status, demo=demo
        )
    trust = trust_store()
    name, sha256 = version.signed_pdf_name, version.signed_pdf_sha256
    findings = _cached_findings(sha256, trust, lambda: storage.get(name, sha256))
    return _judged(findings, trust, known=version)


def document_for_code(code: str) -> bytes | None:
    """The stored signed PDF of an issued (or superseded/revoked) version, for download from the verify page."""
    version = RecordVersion.objects.filter(issuance_code=code).exclude(signed_pdf_name="").first()
    if version is None:
        return None
    return storage.get(version.signed_pdf_name, version.signed_pdf_sha256)


def scan_for_code(code: str) -> bytes | None:
    """The paper book's scan attached to the digitised copy issued under ``code`` (None for any
    other code, or a copy not yet certified): whoever presents the code may view it, as they may
    view the copy that carries it."""
    version = (
        RecordVersion.objects.filter(issuance_code=code, origin=Origin.DIGITISED)
        .exclude(signed_pdf_name="")
        .exclude(status__in=(Status.DRAFT, Status.FROZEN))
        .select_related("digitised_book")
        .first()
    )
    book = getattr(version, "digitised_book", None) if version is not None else None
    if book is None:
        return None
    return storage.get(book.scan_name, book.scan_sha256)


class Logged(Protocol):
    """What a verification log row is made of (a cached lookup's ``answers.Answer``)."""

    @property
    def outcome(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def issuance_code(self) -> str: ...


def log(report: core.Report | Logged, *, channel: str) -> None:
    """Record that a verification happened (outcome, reason, channel, time, printed code) — nothing about who.

    ``report``: a report, or a cached lookup's answer (``answers.Answer``, ADR 0018) — every lookup
    is logged, cached or not.
    """
    if isinstance(report, core.Report):
        document = report.document
        code = document.issuance_code if document and document.issuance_code else ""
    else:
        code = report.issuance_code
    # One INSERT in autocommit: a single statement is atomic on its own, and an explicit
    # transaction would add two round trips (and, on SQLite, take the write lock earlier).
    VerificationLog.objects.create(
        at=timezone.now(),
        channel=channel,
        outcome=report.outcome,
        reason=report.reason[:64],
        issuance_code=code[:32],
    )


def seal_bindings(*, key_id: bytes | None = None) -> tuple[core.SealBinding, ...]:
    """The school seal certificates registered here, each bound to its school's code and the school
    years it may seal: from the earliest to the latest year of the records it sealed, extended to the
    current school year while the credential is active (it is sealing this year's records).

    ``key_id`` (a paper seal's first 4 bytes of the certificate's SHA-256) limits the answer to the
    seals it can name. Two queries whatever the number of signatures (the years are aggregated in
    the database).
    """
    from django.db.models import Max, Min

    from hocbaso.directory.models import SchoolYear

    credentials_qs = SigningCredential.objects.filter(for_organisation=True, school__isnull=False)
    if key_id is not None:
        credentials_qs = credentials_qs.filter(fingerprint__istartswith=key_id.hex())
    credentials = list(credentials_qs.select_related("school"))
    spans = {
        row["credential_id"]: (int(row["first"][:4]), int(row["last"][:4]))
        for row in SignatureEvent.objects.filter(role=SignatureRole.SCHOOL, credential__in=credentials)
        .values("credential_id")
        .annotate(first=Min("version__school_year__code"), last=Max("version__school_year__code"))
    }
    today = timezone.localdate()
    current = (
        SchoolYear.objects.filter(start_date__lte=today).order_by("-start_date").values_list("code", flat=True).first()
    )
    bindings: dict[tuple[str, str], core.SealBinding] = {}
    for credential in credentials:
        years = set(spans.get(credential.pk, ()))
        if credential.active and current:
            years.add(int(current[:4]))
        if not years or credential.school is None:
            continue
        for cert in x509.load_pem_x509_certificates(credential.certificate_pem.encode()):
            key = (cert.fingerprint(hashes.SHA256()).hex(), credential.school.code)
            known = bindings.get(key)
            first, last = min(years), max(years)
            if known is not None:
                first, last = min(first, known.first_year), max(last, known.last_year)
            bindings[key] = core.SealBinding(cert, credential.school.code, first, last)
    return tuple(bindings.values())


def bundle_bytes() -> bytes:
    """The downloadable trust bundle of this deployment (roots, CRLs, log key, school seals)."""
    trust = trust_store()
    intermediates = {c.fingerprint(hashes.SHA256()): c for c in trust.intermediates}
    for credential in SigningCredential.objects.filter(for_organisation=True):
        _cert, chain = credential.certificate_and_chain()  # a paper seal carries no chain: publish it
        intermediates.update({c.fingerprint(hashes.SHA256()): c for c in chain if c not in trust.roots})
    return dump_bundle(
        roots=trust.roots,
        intermediates=tuple(intermediates.values()),
        crls=trust.crls,
        ledger_public_key_pem=trust.ledger_public_key_pem,
        seals=seal_bindings(),
        demo=trust.demo,
        deployment_url=settings.PUBLIC_BASE_URL.rstrip("/"),
    )


def verify_paper(text: str) -> core.Report:
    """A paper seal checked online: the seal bindings of this deployment and the registry's answers
    for the printed code (status, XML hash and every printed value)."""
    from hocbaso.verification import paper

    def answers(code: str) -> core.RegistryAnswers:
        try:
            canonical = issuance.check_code(code)
        except Exception:  # a malformed code inside a seal: nothing registered can match it
            return core.RegistryAnswers(found=False, issuance_code=code)
        return answers_for(canonical, tree_size=None)

    seals = seal_bindings(key_id=paper.key_id_of(text) or b"\xff" * 5)  # 5 bytes: no fingerprint has them
    return paper.verify_paper(text, trust=trust_store(), seals=seals, answers_for=answers)


def packet(code: str, *, since: int | None = None) -> dict[str, Any]:
    """The signed verification packet for ``code`` (canonical form): the registry's answers with
    the ledger proofs at the latest signed tree head, that head, and — when ``since`` names the size
    of a tree head the verifier holds — the consistency proof between the two. Signed with the
    log key (the trust bundle's ``ledger_public_key``)."""
    from hocbaso.ledger import actions as ledger
    from hocbaso.ledger import keys

    head = signed_tree_head(covering_code=code)
    answers = answers_for(code, tree_size=head.size if head else None)
    proofs = []
    if since is not None and head is not None and 0 < since <= ledger.log_size():
        first, second = sorted((since, head.size))
        if first != second:
            proofs.append(core.ConsistencyProof(first, second, tuple(ledger.consistency(first, second).path)))
    issued_at = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return core.sign_packet(answers, head, sign=keys.sign, proofs=proofs, issued_at=issued_at)


def consistency_for(first: int, second: int) -> core.ConsistencyProof | None:
    """The consistency proof between two tree sizes of this log (None when out of range)."""
    from hocbaso.ledger import actions as ledger

    first, second = sorted((first, second))
    if first < 1 or first == second or second > ledger.log_size():
        return None
    return core.ConsistencyProof(first, second, tuple(ledger.consistency(first, second).path))


def tree_head_json(*, since: int | None = None) -> dict[str, Any] | None:
    """The latest signed tree head in ``/ledger/tree-head``'s shape (what ``--tree-head`` reads);
    with ``since`` (the size of the head a packet was made at) also the consistency proof between
    them, under ``consistency``."""
    head = signed_tree_head(covering_code="*")
    if head is None:
        return None
    proof = consistency_for(since, head.size) if since else None
    return {**head.to_json(), "consistency": [proof.to_json()] if proof else []}
