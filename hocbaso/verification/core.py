"""The verification core: one function that judges a record file, with no Django import.

``verify(document, trust=, registry=, tree_head=) -> Report`` returns exactly one outcome —
``valid``, ``invalid`` or ``cannot_determine`` — and every check with its status and a stable
reason code (plus parameters). Pages, the API and the offline command map codes to words;
:data:`TEXTS` holds the Vietnamese wording (the document's own language) for the offline command.

Fail closed: a check that could not run is ``not_checked`` and makes the outcome
``cannot_determine``; ``valid`` needs every check to have run and passed. One failed check makes
the outcome ``invalid``.

The work is split in two so the server can cache the expensive half:

- :func:`examine` (signatures, XML schema, "the XML is what the PDF shows") depends only on the
  bytes and the trust store;
- :func:`judge` adds the registry's answers (hashes, status, signer roles) and the transparency
  log (inclusion against a signed tree head); it is cheap.

This module imports ``hocbaso.signing.pades``/``xades`` and ``hocbaso.records.xml``/``rendering``,
which import pyHanko, signxml, lxml, typst and only ``django.utils`` helpers that need no
settings (lazy translations are only rendered when those modules raise; the offline command
configures bare settings for that). It never touches a database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from hocbaso.ledger import merkle

Outcome = Literal["valid", "invalid", "cannot_determine"]
CheckStatus = Literal["passed", "failed", "not_checked"]

ROLES = ("homeroom", "principal", "school")
# Appointments are dated in Vietnam's local time (UTC+7, no daylight saving).
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# pyHanko modification levels that a later signature or archive timestamp may legitimately cause.
ALLOWED_MODIFICATIONS = {None, "NONE", "LTA_UPDATES", "FORM_FILLING"}
PDF_MAGIC = b"%PDF-"

# Vietnamese wording of every reason code (the offline command prints these; the web maps codes
# through Django's translations). ``{name}`` placeholders are filled from the check's params.
TEXTS: dict[str, str] = {
    "valid": "Hợp lệ",
    "invalid": "Không hợp lệ",
    "cannot_determine": "Không xác định được",
    "all_checks_passed": "Mọi kiểm tra đều đạt.",
    "empty_file": "Tệp rỗng.",
    "file_too_large": "Tệp quá lớn.",
    "not_a_record_file": "Tệp không phải là PDF hay XML của học bạ số.",
    "pdf_unreadable": "Không đọc được tệp PDF.",
    "signature_ok": "Chữ ký số hợp lệ, chứng thư tin cậy, có dấu thời gian.",
    "signature_digest_mismatch": "Nội dung đã bị thay đổi sau khi ký (sai mã băm).",
    "signature_invalid": "Chữ ký số không đúng.",
    "signature_revoked": "Chứng thư số của người ký đã bị thu hồi.",
    "signature_disallowed_modification": "Tệp đã bị sửa đổi theo cách không được phép sau khi ký.",
    "signature_untrusted": "Chứng thư số không thuộc tổ chức được tin cậy hoặc không kiểm tra được ({detail}).",
    "signature_no_timestamp": "Chữ ký không có dấu thời gian (bắt buộc với học bạ số).",
    "signature_timestamp_invalid": "Dấu thời gian của chữ ký không hợp lệ.",
    "signature_timestamp_untrusted": "Dấu thời gian không do tổ chức được tin cậy cấp.",
    "signature_check_failed": "Không kiểm tra được chữ ký ({detail}).",
    "modified_after_signing": "Tệp có thay đổi sau chữ ký “{field}” ({level}).",
    "signatures_complete": "Đủ ba chữ ký: giáo viên chủ nhiệm, hiệu trưởng, nhà trường.",
    "signature_missing": "Thiếu chữ ký: {roles}.",
    "xml_present": "Tệp có dữ liệu học bạ (XML) đính kèm.",
    "xml_missing": "Tệp không có dữ liệu học bạ (XML) đính kèm.",
    "xml_valid": "Dữ liệu XML đúng lược đồ.",
    "xml_invalid": "Dữ liệu XML không đúng lược đồ.",
    "xml_matches_pdf": "Nội dung hiển thị trong PDF đúng là dữ liệu XML đính kèm.",
    "xml_not_what_pdf_shows": "Nội dung hiển thị trong PDF không khớp với dữ liệu XML đính kèm.",
    "xml_render_failed": "Không dựng lại được bản PDF từ dữ liệu XML để so sánh.",
    "registry_unavailable": "Chưa đối chiếu với cơ sở dữ liệu phát hành (ngoại tuyến).",
    "not_registered": "Không có học bạ nào với mã này trong cơ sở dữ liệu phát hành.",
    "hash_matches": "Tệp trùng khớp với bản đã đăng ký.",
    "hash_mismatch": "Tệp khác với bản đã đăng ký cho mã {code}.",
    "status_current": "Bản hiện hành.",
    "status_superseded": "Đã được thay thế bằng bản {by}.",
    "status_revoked": "Đã bị thu hồi: {reason}",
    "status_not_issued": "Học bạ chưa được phát hành (đang chờ ký).",
    "signer_ok": "{name} giữ chức vụ “{title}” vào ngày ký {day}.",
    "signer_unexpected": "Người ký “{name}” không phải là người đã ký bản đã đăng ký.",
    "signer_not_appointed": "{name} không giữ chức vụ phù hợp vào ngày ký {day}.",
    "signer_unknown_date": "Không xác định được ngày ký.",
    "tree_head_unavailable": "Không có gốc cây nhật ký minh bạch đã ký để đối chiếu.",
    "ledger_key_missing": "Bộ tin cậy không có khoá công khai của nhật ký minh bạch.",
    "tree_head_signature_invalid": "Chữ ký trên gốc cây nhật ký minh bạch không hợp lệ.",
    "not_in_ledger": "Không tìm thấy bản này trong nhật ký minh bạch.",
    "ledger_proof_stale": "Bằng chứng nhật ký không ứng với gốc cây đã cho (kích thước {size}).",
    "ledger_entry_mismatch": "Mục nhật ký không ứng với tệp này.",
    "ledger_inclusion_invalid": "Bằng chứng có mặt trong nhật ký minh bạch không đúng.",
    "ledger_included": "Có mặt trong nhật ký minh bạch (mục {index}, cây {size}).",
    "xml_signature_ok": "Chữ ký XML hợp lệ.",
    "xml_signature_data_not_covered": "Chữ ký XML không bao phủ dữ liệu học bạ.",
    "xml_signature_revocation_unknown": "Không kiểm tra được tình trạng thu hồi của chứng thư ({detail}).",
    "code_malformed": "Mã phát hành không đúng dạng.",
    "code_checksum": "Mã phát hành sai ký tự kiểm tra (có thể gõ nhầm).",
    "code_unknown": "Không có học bạ nào với mã phát hành này.",
    "no_file_for_code": "Chưa có tệp đã ký cho mã này.",
    "paper_ok": "Con dấu số trên bản in hợp lệ.",
    "paper_malformed": "Mã QR trên bản in không đọc được.",
    "paper_signature_invalid": "Con dấu số trên bản in không đúng: thông tin đã bị sửa.",
    "paper_seal_unknown": "Không biết chứng thư của con dấu số trên bản in.",
    "paper_seal_untrusted": "Chứng thư con dấu số không thuộc tổ chức được tin cậy.",
    "photo_unreadable": "Không mở được ảnh (JPEG, PNG hoặc WebP).",
    "photo_too_large": "Ảnh quá lớn.",
    "photo_no_code": "Không tìm thấy mã QR của học bạ số trong ảnh; hãy chụp gần và rõ hơn.",
}


def text_of(code: str, params: dict[str, Any] | None = None) -> str:
    """Vietnamese wording of ``code`` with ``params`` filled in (the code itself when unknown)."""
    template = TEXTS.get(code, code)
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError):
        return template


# --- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustStore:
    """What the verifier trusts: CA roots, extra certificates and CRLs, the log's public key.

    ``allow_fetching`` lets the validator fetch CRLs/OCSP named in certificates (online); offline,
    only the bundle's CRLs and the document's own validation data (DSS) are used. ``demo`` marks
    the demo root: every page shows a banner then.
    """

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()
    ledger_public_key_pem: str | None = None
    allow_fetching: bool = True
    revocation_mode: str = "hard-fail"
    demo: bool = False

    def pades_trust(self) -> Any:
        from hocbaso.signing import pades

        return pades.Trust.of(
            self.roots,
            other_certs=self.intermediates,
            crls=self.crls,
            allow_fetching=self.allow_fetching,
            revocation_mode=self.revocation_mode,
        )

    def fingerprint(self) -> str:
        """Identifies the trust settings (a cache key part); computed once per store."""
        cached = self.__dict__.get("_fingerprint")
        if isinstance(cached, str):
            return cached
        digest = hashlib.sha256()
        for cert in (*self.roots, *self.intermediates):
            digest.update(cert.fingerprint(hashes.SHA256()))
        for crl in self.crls:
            digest.update(hashlib.sha256(crl).digest())
        digest.update(repr((self.ledger_public_key_pem, self.allow_fetching, self.revocation_mode)).encode())
        object.__setattr__(self, "_fingerprint", digest.hexdigest())  # frozen: the fields never change
        return self.__dict__["_fingerprint"]


@dataclass(frozen=True)
class SignerAnswer:
    """Who the registry says signed in ``role``: certificate fingerprint (SHA-256, upper hex), name,
    title shown, and the periods (first day, last day or None) in which they held a role entitling
    them to that signature."""

    role: str
    fingerprint: str
    name: str
    title: str
    entitled: tuple[tuple[dt.date, dt.date | None], ...]


@dataclass(frozen=True)
class LedgerAnswer:
    """The record's issuance entry in the transparency log and its inclusion proof at ``tree_size``."""

    index: int
    leaf_input: str
    tree_size: int
    inclusion_path: tuple[bytes, ...]


@dataclass(frozen=True)
class RegistryAnswers:
    """What the deployment's registry says about the issuance code the document carries.

    ``found=False``: no version has that code. ``status`` is the version's workflow status
    (``issued``, ``superseded``, ``revoked``, or a signing stage). ``pdf_sha256s``/``xml_sha256s``
    are the hashes of the issued files (the XML set includes the canonical unsigned XML embedded in
    the PDF and the XAdES-signed exchange file).
    """

    found: bool
    issuance_code: str
    status: str = ""
    superseded_by: str | None = None
    status_reason: str = ""
    record_id: str = ""
    version: int = 0
    pdf_sha256s: tuple[str, ...] = ()
    xml_sha256s: tuple[str, ...] = ()
    signers: tuple[SignerAnswer, ...] = ()
    ledger: LedgerAnswer | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["signers"] = [
            {**asdict(s), "entitled": [[a.isoformat(), b.isoformat() if b else None] for a, b in s.entitled]}
            for s in self.signers
        ]
        if self.ledger is not None:
            data["ledger"] = {**asdict(self.ledger), "inclusion_path": [p.hex() for p in self.ledger.inclusion_path]}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryAnswers:
        signers = tuple(
            SignerAnswer(
                role=s["role"],
                fingerprint=s["fingerprint"],
                name=s["name"],
                title=s["title"],
                entitled=tuple(
                    (dt.date.fromisoformat(a), dt.date.fromisoformat(b) if b else None) for a, b in s["entitled"]
                ),
            )
            for s in data.get("signers", [])
        )
        ledger = data.get("ledger")
        return cls(
            found=bool(data["found"]),
            issuance_code=str(data["issuance_code"]),
            status=str(data.get("status", "")),
            superseded_by=data.get("superseded_by"),
            status_reason=str(data.get("status_reason", "")),
            record_id=str(data.get("record_id", "")),
            version=int(data.get("version", 0)),
            pdf_sha256s=tuple(data.get("pdf_sha256s", ())),
            xml_sha256s=tuple(data.get("xml_sha256s", ())),
            signers=signers,
            ledger=None
            if not ledger
            else LedgerAnswer(
                index=int(ledger["index"]),
                leaf_input=str(ledger["leaf_input"]),
                tree_size=int(ledger["tree_size"]),
                inclusion_path=tuple(bytes.fromhex(p) for p in ledger["inclusion_path"]),
            ),
        )


@dataclass(frozen=True)
class SignedTreeHead:
    """A transparency-log tree head as published at ``/ledger/tree-head`` (hex fields)."""

    size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedTreeHead:
        return cls(
            size=int(data["tree_size"]),
            root_hash=bytes.fromhex(data["root_hash"]),
            timestamp_ms=int(data["timestamp"]),
            signature=bytes.fromhex(data["signature"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp_ms,
            "signature": self.signature.hex(),
            "signature_algorithm": "ed25519",
        }


# --- outputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check: ``name`` (e.g. ``signature:homeroom``), ``status``, a stable ``code`` and its params."""

    name: str
    status: CheckStatus
    code: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return text_of(self.code, self.params)


@dataclass(frozen=True)
class SignatureInfo:
    """A signature as the document shows it: role (field), signer, time proven by its timestamp."""

    role: str
    signer_name: str | None
    fingerprint: str | None
    signing_time: dt.datetime | None
    outcome: str
    reasons: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class DocumentFacts:
    """What the presented document itself shows (nothing more is ever displayed)."""

    kind: Literal["pdf", "xml", "paper"]
    sha256: str
    xml_sha256: str | None = None
    issuance_code: str | None = None
    record_id: str | None = None
    version: int | None = None
    student_name: str | None = None
    date_of_birth: str | None = None
    school_name: str | None = None
    school_year: str | None = None
    class_name: str | None = None
    result: str | None = None


@dataclass(frozen=True)
class Findings:
    """The document-only half of a verification (:func:`examine`); cacheable by file hash and trust."""

    facts: DocumentFacts | None
    checks: tuple[Check, ...]
    signatures: tuple[SignatureInfo, ...]


@dataclass(frozen=True)
class Report:
    """The verdict: exactly one ``outcome``, the deciding ``reason`` code, every check."""

    outcome: Outcome
    reason: str
    reason_params: dict[str, str]
    checks: tuple[Check, ...]
    signatures: tuple[SignatureInfo, ...] = ()
    document: DocumentFacts | None = None
    status: str | None = None
    superseded_by: str | None = None
    demo: bool = False

    def to_json(self) -> dict[str, Any]:
        """The report schema shared by the API, the page's JSON and the offline command's ``--json``."""
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "reason_params": self.reason_params,
            "document": asdict(self.document) if self.document else None,
            "status": self.status,
            "superseded_by": self.superseded_by,
            "signatures": [
                {
                    "role": s.role,
                    "signer_name": s.signer_name,
                    "title": s.title,
                    "fingerprint": s.fingerprint,
                    "signing_time": s.signing_time.isoformat() if s.signing_time else None,
                    "outcome": s.outcome,
                    "reasons": list(s.reasons),
                }
                for s in self.signatures
            ],
            "checks": [{"name": c.name, "status": c.status, "code": c.code, "params": c.params} for c in self.checks],
            "demo": self.demo,
        }


def decide(checks: Sequence[Check]) -> tuple[Outcome, Check | None]:
    """The outcome of ``checks`` and the check that decided it (None when all passed).

    Any failed → ``invalid`` (the first failed decides); else any not checked →
    ``cannot_determine``; else ``valid``. No checks at all → ``cannot_determine``.
    """
    for check in checks:
        if check.status == "failed":
            return "invalid", check
    for check in checks:
        if check.status == "not_checked":
            return "cannot_determine", check
    if not checks:
        return "cannot_determine", Check("document", "not_checked", "not_a_record_file")
    return "valid", None


def report_of(
    checks: Sequence[Check],
    *,
    signatures: Sequence[SignatureInfo] = (),
    document: DocumentFacts | None = None,
    status: str | None = None,
    superseded_by: str | None = None,
    demo: bool = False,
) -> Report:
    outcome, deciding = decide(checks)
    return Report(
        outcome=outcome,
        reason=deciding.code if deciding else "all_checks_passed",
        reason_params=dict(deciding.params) if deciding else {},
        checks=tuple(checks),
        signatures=tuple(signatures),
        document=document,
        status=status,
        superseded_by=superseded_by,
        demo=demo,
    )


# --- examining the document -------------------------------------------------------------------------


def kind_of(document: bytes) -> Literal["pdf", "xml"] | None:
    """``pdf``, ``xml`` or None, from the first bytes."""
    head = document[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(b"<"):
        return "xml"
    return None


def examine(document: bytes, *, trust: TrustStore) -> Findings:
    """Check what the file alone can prove: signatures, the embedded XML and its agreement with the PDF."""
    if not document:
        return Findings(None, (Check("document", "failed", "empty_file"),), ())
    kind = kind_of(document)
    if kind == "pdf":
        return _examine_pdf(document, trust)
    if kind == "xml":
        return _examine_xml(document, trust)
    return Findings(None, (Check("document", "failed", "not_a_record_file"),), ())


def _facts(
    kind: Literal["pdf", "xml"], document: bytes, xml: bytes | None, data: dict[str, Any] | None = None
) -> DocumentFacts:
    sha = hashlib.sha256(document).hexdigest()
    if xml is None:
        return DocumentFacts(kind=kind, sha256=sha)
    if data is None:
        data = _parsed(xml)
    if data is None:  # an unparsable XML shows nothing we can display
        return DocumentFacts(kind=kind, sha256=sha, xml_sha256=hashlib.sha256(xml).hexdigest())
    student = data.get("student") or {}
    year = data.get("year") or {}
    school = data.get("school") or {}
    return DocumentFacts(
        kind=kind,
        sha256=sha,
        xml_sha256=hashlib.sha256(xml).hexdigest(),
        issuance_code=data.get("issuance_code"),
        record_id=data.get("record_id"),
        version=data.get("version"),
        student_name=student.get("full_name"),
        date_of_birth=student.get("date_of_birth"),
        school_name=school.get("name"),
        school_year=year.get("school_year"),
        class_name=year.get("class_name"),
        result=year.get("result"),
    )


def _xml_schema_check(xml: bytes) -> Check:
    from hocbaso.records.xml import validate_xml

    try:
        validate_xml(xml)
    except Exception as exc:  # RecordXmlInvalid, or a parser error on hostile input
        return Check("xml_schema", "failed", "xml_invalid", {"detail": str(exc)[:300]})
    return Check("xml_schema", "passed", "xml_valid")


def _signature_check(report: Any) -> Check:
    """Map one ``pades.SignatureReport`` to a check (fail closed; our policy requires B-T)."""
    name = f"signature:{report.field_name!s}" if report.kind == "signature" else f"timestamp:{report.field_name}"
    reasons: tuple[str, ...] = report.reasons
    for reason in reasons:
        if reason in ("digest_mismatch", "signature_invalid", "revoked", "disallowed_modification"):
            return Check(name, "failed", f"signature_{reason}")
        if reason == "unreadable":
            return Check(name, "failed", "pdf_unreadable")
        if reason == "timestamp_invalid":
            return Check(name, "failed", "signature_timestamp_invalid")
    if report.kind == "signature" and "no_timestamp" in reasons:
        return Check(name, "failed", "signature_no_timestamp")
    if report.outcome == "valid":
        return Check(name, "passed", "signature_ok")
    for reason in reasons:
        if reason.startswith("untrusted"):
            return Check(
                name, "not_checked", "signature_untrusted", {"detail": reason.partition(":")[2] or "untrusted"}
            )
        if reason == "timestamp_untrusted":
            return Check(name, "not_checked", "signature_timestamp_untrusted")
    return Check(name, "not_checked", "signature_check_failed", {"detail": ",".join(reasons) or report.outcome})


def _validate_signatures(document: bytes, trust: TrustStore) -> tuple[list[Any], Any]:
    """``pades.validate_pdf``'s reports, with one reader and one validation context for the whole file.

    ``pades.validate_pdf`` builds a fresh context (DSS read again, an empty revocation cache) for
    each signature, so the same certificates' OCSP responses were fetched once per signature (11
    fetches for an issued record instead of 5) and their paths rebuilt. Every signature is still
    validated in full (integrity, chain, revocation, timestamp, difference analysis) against the
    same anchors, DSS data and validation time; only the work they share is done once. Returns
    the reports and the reader (None when the file could not be read).
    """
    import asyncio
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp

    from hocbaso.signing import pades

    try:
        reader = PdfFileReader(BytesIO(document))
        embedded = list(reader.embedded_signatures)
    except Exception:  # pyHanko raises PdfReadError, ValueError, KeyError… on damaged input
        return [pades._unreadable()], None
    settings = trust.pades_trust()

    async def one(sig: Any, context: Any) -> Any:
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                ts_status = await async_validate_pdf_timestamp(sig, validation_context=context)
                return pades._report_timestamp(sig.field_name, ts_status)
            status = await async_validate_pdf_signature(sig, signer_validation_context=context)
            return pades._report_signature(sig, status)
        except Exception as exc:  # a check that crashed cannot vouch for anything
            return pades._empty_report(sig.field_name, "indeterminate", f"error:{type(exc).__name__}")

    async def body() -> list[Any]:
        try:
            context = settings.context_with_dss(reader)
        except Exception as exc:  # an unusable DSS: no signature can be vouched for
            return [pades._empty_report(s.field_name, "indeterminate", f"error:{type(exc).__name__}") for s in embedded]
        try:
            # Concurrently: the revocation fetches of different signatures overlap (pyHanko's
            # fetchers share one cache and never fetch the same response twice); the CPU work
            # between awaits runs one coroutine at a time on the same reader.
            return list(await asyncio.gather(*(one(sig, context) for sig in embedded)))
        finally:
            await context.aclose()

    return asyncio.run(body()), reader


def _examine_pdf(document: bytes, trust: TrustStore) -> Findings:
    checks: list[Check] = []
    reports, reader = _validate_signatures(document, trust)
    if len(reports) == 1 and reports[0].reasons == ("unreadable",):
        return Findings(_facts("pdf", document, None), (Check("document", "failed", "pdf_unreadable"),), ())
    signatures = []
    for report in reports:
        checks.append(_signature_check(report))
        if report.modification_level not in ALLOWED_MODIFICATIONS:
            checks.append(
                Check(
                    f"changes_after:{report.field_name!s}",
                    "failed",
                    "modified_after_signing",
                    {"field": str(report.field_name), "level": str(report.modification_level)},
                )
            )
        if report.kind == "signature":
            signatures.append(
                SignatureInfo(
                    role=str(report.field_name),
                    signer_name=str(report.signer_name) if report.signer_name is not None else None,
                    fingerprint=report.signer_fingerprint,
                    signing_time=report.timestamp_time,
                    outcome=report.outcome,
                    reasons=tuple(report.reasons),
                )
            )
    signed_roles = {s.role for s in signatures}  # plain str: findings are pickled into the cache
    missing = [role for role in ROLES if role not in signed_roles]
    checks.append(
        Check("signatures_complete", "failed", "signature_missing", {"roles": ", ".join(missing)})
        if missing
        else Check("signatures_complete", "passed", "signatures_complete")
    )
    xml = _embedded_xml(document, reader)
    if xml is None:
        checks.append(Check("embedded_xml", "failed", "xml_missing"))
        return Findings(_facts("pdf", document, None), tuple(checks), tuple(signatures))
    checks.append(Check("embedded_xml", "passed", "xml_present"))
    schema = _xml_schema_check(xml)
    checks.append(schema)
    data = _parsed(xml)
    if schema.status == "passed":
        checks.append(_shows_xml_check(document, xml, data))
    return Findings(_facts("pdf", document, xml, data), tuple(checks), tuple(signatures))


def _embedded_xml(document: bytes, reader: Any = None) -> bytes | None:
    """The embedded record XML, read through ``reader`` (the signature validation's, already parsed)
    when given; the renderer's own extraction (a lenient reader) decides when that finds nothing."""
    from hocbaso.records import rendering

    if reader is not None:
        with contextlib.suppress(Exception):  # whatever goes wrong, the renderer's extraction decides
            tree = reader.root.get("/Names", {}).get("/EmbeddedFiles")
            for key, spec_ref in rendering._name_tree_items(tree.get_object()) if tree is not None else []:
                spec = spec_ref.get_object()
                if str(spec.get("/UF", spec.get("/F", key))) == rendering.EMBEDDED_XML_NAME:
                    return bytes(spec["/EF"].get_object()["/F"].get_object().data)
    try:
        return rendering.extract_embedded_xml(document)
    except Exception:  # EmbeddedXmlMissing (or its lazy message without settings)
        return None


def _parsed(xml: bytes) -> dict[str, Any] | None:
    """``records.xml.parse_xml(xml)``, or None when it cannot be parsed (parsed once per examine)."""
    from hocbaso.records.xml import parse_xml

    try:
        return parse_xml(xml)
    except Exception:  # an unparsable XML shows nothing we can display
        return None


def _shows_xml_check(document: bytes, xml: bytes, data: dict[str, Any] | None = None) -> Check:
    """The PDF's first revision must be byte for byte the Typst rendering of the embedded XML.

    Rendering is deterministic (the record template, the XML, its assembly date as the PDF
    timestamp), and signatures are incremental updates after it, so a genuine record starts with
    exactly those bytes; any other page content, or another XML, breaks the equality.
    """
    try:
        rendered = _typst_revision(xml, data)
    except Exception as exc:  # the renderer could not run here: the comparison cannot vouch for anything
        return Check("xml_matches_pdf", "not_checked", "xml_render_failed", {"detail": type(exc).__name__})
    if document.startswith(rendered):
        return Check("xml_matches_pdf", "passed", "xml_matches_pdf")
    return Check("xml_matches_pdf", "failed", "xml_not_what_pdf_shows")


def _typst_revision(xml: bytes, data: dict[str, Any] | None = None) -> bytes:
    """The Typst output (before signature fields) that ``records.rendering.render_pdf`` produces for
    ``xml`` (``data``: its ``parse_xml`` result, when already parsed)."""
    from hocbaso.records import rendering
    from hocbaso.records.xml import parse_xml

    if data is None:
        data = parse_xml(xml)
    inputs = {
        "data": json.dumps({**data, "display": rendering.display_values(data)}, ensure_ascii=False),
        "xml": xml.decode("utf-8"),
        "qr": rendering.qr_svg(data["verify_url"]),
        "draft": "1" if data["status"] == "draft" else "0",
    }
    assembled = dt.datetime.fromisoformat(data["assembled_on"]).replace(tzinfo=dt.UTC)
    compiler = rendering._compiler(rendering.RECORD_TEMPLATE)
    return rendering._compile(compiler, sys_inputs=inputs, pdf_standards=[rendering.PDF_STANDARD], timestamp=assembled)


def _examine_xml(document: bytes, trust: TrustStore) -> Findings:
    checks: list[Check] = []
    schema = _xml_schema_check(document)
    checks.append(schema)
    signatures: list[SignatureInfo] = []
    if schema.status == "passed":
        xml_checks, signatures = signed_xml_checks(document, trust)
        checks.extend(xml_checks)
        missing = [role for role in ROLES if role not in {s.role for s in signatures}]
        checks.append(
            Check("signatures_complete", "failed", "signature_missing", {"roles": ", ".join(missing)})
            if missing
            else Check("signatures_complete", "passed", "signatures_complete")
        )
    return Findings(
        _facts("xml", document, document if schema.status == "passed" else None), tuple(checks), tuple(signatures)
    )


def signed_xml_checks(document: bytes, trust: TrustStore) -> tuple[list[Check], list[SignatureInfo]]:
    """One check per XAdES signature appended to the root of ``document`` (any signed document of
    the system: a record XML, a transfer decision, a receipt): valid and certificate trusted, valid
    now and not revoked → passed; digest or value wrong → failed; unknown issuer → not checked."""
    from hocbaso.signing import xades

    checks: list[Check] = []
    signatures: list[SignatureInfo] = []
    try:
        reports = xades.verify_xml(document, list(trust.roots))
    except Exception as exc:  # malformed signature structure
        reports = []
        checks.append(Check("xml_signatures", "failed", "signature_invalid", {"detail": str(exc)[:200]}))
    role_by_title = _role_by_title()
    for report in reports:
        name = f"xml_signature:{report.index}"
        role = role_by_title.get((report.role or "").split("\n")[0], f"#{report.index}")
        if report.outcome == "valid":
            checks.append(_xml_revocation_check(name, document, report, trust))
        elif "data_not_covered" in report.reasons:
            checks.append(Check(name, "failed", "xml_signature_data_not_covered"))
        elif report.reasons and report.reasons[0] == "digest_mismatch":
            checks.append(Check(name, "failed", "signature_digest_mismatch"))
        elif report.reasons and report.reasons[0].startswith("untrusted"):
            checks.append(Check(name, "not_checked", "signature_untrusted", {"detail": report.reasons[0][:200]}))
        else:
            checks.append(Check(name, "failed", "signature_invalid"))
        signatures.append(
            SignatureInfo(
                role=role,
                signer_name=report.signer_name,
                fingerprint=report.signer_fingerprint,
                signing_time=report.signing_time,
                outcome=report.outcome,
                reasons=tuple(report.reasons),
                title=report.role,
            )
        )
    return checks, signatures


def _role_by_title() -> dict[str, str]:
    """XAdES claimed role (first line of the title shown) → signature role."""
    return {
        "Giáo viên chủ nhiệm": "homeroom",
        "Hiệu trưởng": "principal",
        "KT. Hiệu trưởng": "principal",
        "Xác nhận của nhà trường": "school",
    }


def _xml_revocation_check(name: str, document: bytes, report: Any, trust: TrustStore) -> Check:
    """XAdES-BES carries no timestamp and signxml checks no revocation: check the signer's
    certificate now (chain, validity, CRL/OCSP)."""
    cert, chain = _xml_signature_certs(document, report.index)
    if cert is None:
        return Check(name, "failed", "signature_invalid")
    checked = certificate_check(name, cert, chain, trust)
    return Check(name, "passed", "xml_signature_ok") if checked.status == "passed" else checked


def certificate_check(name: str, cert: x509.Certificate, chain: list[x509.Certificate], trust: TrustStore) -> Check:
    """``cert`` chains to a trusted root, is valid now and not revoked (pyhanko-certvalidator,
    with the trust store's CRLs and, if allowed, fetched CRL/OCSP). Revoked → failed; any other
    problem (unknown CA, status unknown, expired) → not checked."""
    import asyncio

    from pyhanko_certvalidator import CertificateValidator

    from hocbaso.signing.backends import to_asn1

    settings = trust.pades_trust()

    async def run() -> None:
        context = settings.context()
        try:
            validator = CertificateValidator(
                to_asn1(cert), intermediate_certs=[to_asn1(c) for c in chain], validation_context=context
            )
            await validator.async_validate_usage({"digital_signature"})
        finally:
            await context.aclose()

    try:
        asyncio.run(run())
    except Exception as exc:  # RevokedError, PathValidationError, network errors…
        label = type(exc).__name__
        if label == "RevokedError":
            return Check(name, "failed", "signature_revoked")
        return Check(name, "not_checked", "xml_signature_revocation_unknown", {"detail": label})
    return Check(name, "passed", "signature_ok")


def _xml_signature_certs(document: bytes, index: int) -> tuple[x509.Certificate | None, list[x509.Certificate]]:
    import base64

    from lxml import etree

    ds = "http://www.w3.org/2000/09/xmldsig#"
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(document, parser)
    signatures = root.findall(f"{{{ds}}}Signature")
    if index >= len(signatures):
        return None, []
    certs = []
    for element in signatures[index].iter(f"{{{ds}}}X509Certificate"):
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode("".join((element.text or "").split()))))
        except ValueError:
            continue
    return (certs[0], certs[1:]) if certs else (None, [])


# --- judging against the registry and the log -------------------------------------------------------


def judge(
    findings: Findings,
    *,
    trust: TrustStore,
    registry: RegistryAnswers | None,
    tree_head: SignedTreeHead | None,
) -> Report:
    """Complete :func:`examine`'s findings with the registry's answers and the transparency log."""
    checks = list(findings.checks)
    facts = findings.facts
    signatures = list(findings.signatures)
    status = superseded_by = None
    if facts is None or facts.xml_sha256 is None:
        return report_of(checks, signatures=signatures, document=facts, demo=trust.demo)
    if registry is None:
        checks.append(Check("registered", "not_checked", "registry_unavailable"))
    elif not registry.found:
        checks.append(Check("registered", "failed", "not_registered", {"code": registry.issuance_code}))
    else:
        known = registry.pdf_sha256s if facts.kind == "pdf" else registry.xml_sha256s
        matches = facts.sha256 in known and (facts.kind == "xml" or facts.xml_sha256 in registry.xml_sha256s)
        checks.append(
            Check("registered", "passed", "hash_matches")
            if matches
            else Check("registered", "failed", "hash_mismatch", {"code": registry.issuance_code})
        )
        status, superseded_by = registry.status, registry.superseded_by
        checks.append(_status_check(registry))
        signatures = [_with_title(s, registry) for s in signatures]
        checks.extend(_signer_checks(signatures, registry))
    checks.append(_ledger_check(facts, trust, registry, tree_head))
    return report_of(
        checks, signatures=signatures, document=facts, status=status, superseded_by=superseded_by, demo=trust.demo
    )


def _status_check(registry: RegistryAnswers) -> Check:
    if registry.status == "issued":
        return Check("status", "passed", "status_current")
    if registry.status == "superseded":
        return Check("status", "failed", "status_superseded", {"by": registry.superseded_by or "?"})
    if registry.status == "revoked":
        return Check("status", "failed", "status_revoked", {"reason": registry.status_reason})
    return Check("status", "failed", "status_not_issued")


def _with_title(signature: SignatureInfo, registry: RegistryAnswers) -> SignatureInfo:
    for answer in registry.signers:
        if answer.role == signature.role and answer.fingerprint == signature.fingerprint:
            return SignatureInfo(
                signature.role,
                signature.signer_name,
                signature.fingerprint,
                signature.signing_time,
                signature.outcome,
                signature.reasons,
                answer.title,
            )
    return signature


def _signer_checks(signatures: Sequence[SignatureInfo], registry: RegistryAnswers) -> list[Check]:
    """Each signature's certificate is the one the registry recorded for that role, and its holder
    was appointed to the role on the signing date (proven by the signature's timestamp)."""
    checks = []
    for signature in signatures:
        if signature.role not in ROLES:
            continue
        name = f"signer:{signature.role}"
        answer = next((a for a in registry.signers if a.role == signature.role), None)
        who = signature.signer_name or "?"
        if answer is None or answer.fingerprint != signature.fingerprint:
            checks.append(Check(name, "failed", "signer_unexpected", {"name": who}))
            continue
        if signature.signing_time is None:
            checks.append(Check(name, "not_checked", "signer_unknown_date"))
            continue
        day = signature.signing_time.astimezone(VIETNAM).date()
        params = {"name": answer.name, "title": answer.title, "day": day.strftime("%d/%m/%Y")}
        held = any(start <= day and (end is None or day <= end) for start, end in answer.entitled)
        checks.append(
            Check(name, "passed", "signer_ok", params)
            if held
            else Check(name, "failed", "signer_not_appointed", params)
        )
    return checks


def _ledger_check(
    facts: DocumentFacts, trust: TrustStore, registry: RegistryAnswers | None, tree_head: SignedTreeHead | None
) -> Check:
    name = "ledger"
    if tree_head is None:
        return Check(name, "not_checked", "tree_head_unavailable")
    if not trust.ledger_public_key_pem:
        return Check(name, "not_checked", "ledger_key_missing")
    if not merkle.verify_tree_head_signature(
        trust.ledger_public_key_pem, tree_head.size, tree_head.root_hash, tree_head.timestamp_ms, tree_head.signature
    ):
        return Check(name, "failed", "tree_head_signature_invalid")
    if registry is None:
        return Check(name, "not_checked", "registry_unavailable")
    if not registry.found:
        return Check(name, "failed", "not_in_ledger")
    entry = registry.ledger
    if entry is None:
        return Check(name, "failed", "not_in_ledger")
    if entry.tree_size != tree_head.size:
        return Check(name, "not_checked", "ledger_proof_stale", {"size": str(tree_head.size)})
    try:
        payload = json.loads(entry.leaf_input)
    except ValueError:
        return Check(name, "failed", "ledger_entry_mismatch")
    expected = {"pdf": payload.get("pdf_sha256"), "xml": payload.get("xml_sha256")}[facts.kind]
    known = registry.pdf_sha256s if facts.kind == "pdf" else registry.xml_sha256s
    same_file = expected == facts.sha256 or (expected in known and facts.sha256 in known)
    if payload.get("record_id") != facts.record_id or not same_file:
        return Check(name, "failed", "ledger_entry_mismatch")
    leaf = merkle.leaf_hash(entry.leaf_input.encode("utf-8"))
    if not merkle.verify_inclusion(leaf, entry.index, tree_head.size, list(entry.inclusion_path), tree_head.root_hash):
        return Check(name, "failed", "ledger_inclusion_invalid")
    return Check(name, "passed", "ledger_included", {"index": str(entry.index), "size": str(tree_head.size)})


def verify(
    document: bytes,
    *,
    trust: TrustStore,
    registry: RegistryAnswers | None,
    tree_head: SignedTreeHead | None,
) -> Report:
    """Verify a record PDF or XML file; see the module docstring for the outcome rules."""
    return judge(examine(document, trust=trust), trust=trust, registry=registry, tree_head=tree_head)


def issuance_code_of(findings: Findings) -> str | None:
    """The issuance code the examined document carries (to ask the registry about), if any."""
    return findings.facts.issuance_code if findings.facts else None
