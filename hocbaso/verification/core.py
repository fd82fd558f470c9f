"""The verification core: one function that judges a record file, with no Django import.

``verify(document, trust=, registry=, tree_head=) -> Report`` returns exactly one outcome —
``valid``, ``invalid`` or ``cannot_determine`` — and every check with its status and a stable
reason code (plus parameters). Pages, the API and the offline command map codes to words;
:data:`MESSAGES` holds the wording of every code, once, for every channel.

Fail closed: a check that could not run is ``not_checked`` and makes the outcome
``cannot_determine``; ``valid`` needs every check to have run and passed. One failed check makes
the outcome ``invalid``.

The work is split in two so the server can cache the expensive half:

- :func:`examine` (signatures, XML schema, "the XML is what the PDF shows") depends only on the
  bytes and the trust store;
- :func:`judge` adds the registry's answers (hashes, status, signer roles) and the transparency
  log (inclusion against a signed tree head); it is cheap.

The offline checks of a file also cover the order of the signatures (homeroom → principal →
school) and the homeroom teacher's certification signature. A digitised copy of a paper book (XML
format 1.2 with its Digitisation element) needs instead the school seal alone, as the certification
signature (the conversion certification), and the attached scan whose SHA-256 the XML names
(:func:`digitised_checks`); its facts say it is a digitised copy, of which book, compared by whom.
Registry answers used offline come in a *verification packet* signed by the deployment's log key (:func:`open_packet`).

This module imports ``hocbaso.signing.pades``/``xades`` and ``hocbaso.records.xml``/``rendering``,
which import pyHanko, signxml, lxml, typst and only ``django.utils`` helpers that need no
settings (lazy translations are only rendered when those modules raise; the offline command
configures bare settings for that). It never touches a database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from hocbaso.ledger import merkle
from hocbaso.records import signed_record

Outcome = Literal["valid", "invalid", "cannot_determine"]
CheckStatus = Literal["passed", "failed", "not_checked"]

# The signed record's vocabulary (``records.signed_record``): the roles in order, a digitised
# copy's seal alone, the attached scan's name, titles read back as roles.
ROLES = signed_record.ROLES
DIGITISED_ROLES = signed_record.DIGITISED_ROLES
SCAN_NAME = signed_record.SCAN_NAME
# Appointments are dated in Vietnam's local time (UTC+7, no daylight saving).
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# pyHanko modification levels that a later signature or archive timestamp may legitimately cause.
ALLOWED_MODIFICATIONS = {None, "NONE", "LTA_UPDATES", "FORM_FILLING"}
PDF_MAGIC = b"%PDF-"
# An issued record has a few hundred PDF objects in 5-8 revisions (rendering, signature fields,
# three signatures, validation data, archive timestamps and their renewals); far more is refused
# unexamined, which bounds the work and memory of a hostile file within the size limit.
MAX_PDF_OBJECTS = 10_000
MAX_PDF_REVISIONS = 40


def _(message: str) -> str:
    """Marks an English msgid for the catalogue (``makemessages`` extracts ``_(…)``); the page and
    the API translate it with Django, the offline command with :func:`translator` — one source."""
    return message


# The wording of every outcome, reason code and displayed fact: the ONE source of these sentences
# for the page, the API and the offline command (``%(name)s`` placeholders from a check's params).
MESSAGES: dict[str, str] = {
    "valid": _("Valid"),
    "invalid": _("Not valid"),
    "cannot_determine": _("Cannot be determined"),
    "all_checks_passed": _("Every check passed."),
    "empty_file": _("The file is empty."),
    "file_too_large": _("The file is too large."),
    "not_a_record_file": _("The file is not a digital school record PDF or XML."),
    "pdf_unreadable": _("The PDF cannot be read."),
    "pdf_too_complex": _(
        "The PDF holds far more than a school record (%(objects)s objects, %(revisions)s revisions): not examined."
    ),
    "signature_ok": _("The digital signature is valid, its certificate trusted, and it carries a timestamp."),
    "signature_digest_mismatch": _("The content was changed after signing (hash mismatch)."),
    "signature_invalid": _("The digital signature is not correct."),
    "signature_revoked": _("The signer's certificate was revoked."),
    "signature_disallowed_modification": _("The file was modified after signing in a way that is not allowed."),
    "signature_untrusted": _("The certificate is not from a trusted authority or could not be checked (%(detail)s)."),
    "signature_no_timestamp": _("The signature has no timestamp (required for digital school records)."),
    "signature_timestamp_invalid": _("The signature's timestamp is not valid."),
    "signature_timestamp_untrusted": _("The timestamp is not from a trusted authority."),
    "signature_check_failed": _("The signature could not be checked (%(detail)s)."),
    "modified_after_signing": _("The file was changed after the signature “%(field)s” (%(level)s)."),
    "signatures_complete": _("All three signatures present: homeroom teacher, principal, school."),
    "signature_missing": _("Missing signature: %(roles)s."),
    "signatures_in_order": _("Signed in the required order: homeroom teacher, principal, school."),
    "signatures_out_of_order": _("The signatures are not in the required order (homeroom teacher, principal, school)."),
    "certification_ok": _("The homeroom teacher's signature certifies the document; only signatures may follow it."),
    "certification_missing": _(
        "The homeroom teacher's signature is not the certification signature the record requires."
    ),
    "xml_present": _("The file carries the record data (XML)."),
    "xml_missing": _("The file carries no record data (XML)."),
    "xml_valid": _("The XML data matches its schema."),
    "xml_invalid": _("The XML data does not match its schema."),
    "xml_matches_pdf": _("What the PDF shows is exactly the attached XML data."),
    "xml_not_what_pdf_shows": _("What the PDF shows does not match the attached XML data."),
    "xml_render_failed": _("The PDF could not be rebuilt from the XML data for comparison."),
    "registry_unavailable": _("Not compared with the issuing registry (offline)."),
    "registry_signed": _("The issuing registry's answer is signed by the deployment."),
    "registry_unsigned": _("The registry answer is not signed by the deployment: it cannot be relied on."),
    "registry_signature_invalid": _(
        "The registry answer's signature is wrong: it was altered or does not come from the deployment."
    ),
    "registry_other_code": _("The verification packet is about another code (%(code)s)."),
    "not_registered": _("No record with this code is in the issuing registry."),
    "hash_matches": _("The file is identical to the registered one."),
    "hash_mismatch": _("The file differs from the one registered under code %(code)s."),
    "status_current": _("This is the current version."),
    "status_superseded": _("Replaced by version %(by)s."),
    "status_revoked": _("Revoked: %(reason)s"),
    "status_not_issued": _("The record has not been issued yet (awaiting signatures)."),
    "signer_ok": _("%(name)s held the role “%(title)s” on the signing date %(day)s."),
    "signer_unexpected": _("The signer “%(name)s” is not who signed the registered version."),
    "signer_not_appointed": _("%(name)s did not hold a fitting role on the signing date %(day)s."),
    "signer_unknown_date": _("The signing date cannot be established."),
    "tree_head_unavailable": _("No signed tree head of the transparency log to compare with."),
    "ledger_key_missing": _("The trust settings lack the transparency log's public key."),
    "tree_head_signature_invalid": _("The transparency log's tree head signature is not valid."),
    "not_in_ledger": _("This version is not in the transparency log."),
    "ledger_proof_stale": _("The log proof does not match the given tree head (size %(size)s)."),
    "ledger_entry_mismatch": _("The log entry does not match this file."),
    "ledger_inclusion_invalid": _("The proof of inclusion in the transparency log is wrong."),
    "ledger_included": _("Included in the transparency log (entry %(index)s, tree %(size)s)."),
    "tree_heads_consistent": _("The tree head you hold (size %(size)s) is consistent with the registry's."),
    "tree_heads_inconsistent": _(
        "The tree head you hold (size %(size)s) contradicts the registry's: the log was rewritten."
    ),
    "consistency_proof_missing": _("No consistency proof between the tree heads of sizes %(first)s and %(second)s."),
    "xml_signature_ok": _("The XML signature is valid."),
    "xml_signature_data_not_covered": _("The XML signature does not cover the record data."),
    "xml_signature_revocation_unknown": _("The certificate's revocation status could not be checked (%(detail)s)."),
    "code_malformed": _("The issuance code is not in the right form."),
    "code_checksum": _("The issuance code's check character is wrong (perhaps a typing mistake)."),
    "code_unknown": _("No record has this issuance code."),
    "no_file_for_code": _("No signed file exists for this code yet."),
    "paper_ok": _("The digital seal on the printed copy is valid."),
    "paper_malformed": _("The QR code of the printed copy cannot be read."),
    "paper_signature_invalid": _("The digital seal on the printed copy is wrong: the details were altered."),
    "paper_seal_unknown": _("The certificate of the printed copy's digital seal is unknown."),
    "paper_seal_untrusted": _("The digital seal's certificate is not from a trusted authority."),
    "paper_format_old": _(
        "This printed copy's seal is of an old format that does not name its school: look its code up."
    ),
    "paper_seal_school": _(
        "The digital seal belongs to another school than school %(school)s named on the printed copy."
    ),
    "paper_seal_year": _("This school seal may not seal records of the school year %(year)s."),
    "paper_school_ok": _("The digital seal is the seal of school %(school)s, for the school year %(year)s."),
    "paper_offline": _(
        "The school sealed these values on %(day)s; whether they are still current "
        "(not replaced or revoked) needs a lookup of the code."
    ),
    "paper_registered": _("The printed values are those of the registered version, which is current."),
    "paper_fields_differ": _("The printed values are not those registered under code %(code)s."),
    "photo_unreadable": _("The photo cannot be opened (JPEG, PNG or WebP)."),
    "photo_too_large": _("The photo is too large."),
    "photo_no_code": _("No QR code of a digital school record was found in the photo; take it closer and sharper."),
    "input_unreadable": _("An input file cannot be read (%(detail)s)."),
    "not_a_transfer_document": _("The file is not a transfer document of the expected kind (%(detail)s)."),
    "bundle_invalid": _("The trust bundle cannot be used (%(detail)s)."),
    "fetch_failed": _("The deployment named in the file could not be asked (%(detail)s)."),
    "fetch_other_deployment": _(
        "The file names another deployment (%(url)s) than the trust bundle's: it was not asked."
    ),
    "no_input": _("Give a record file, or the text of a printed copy's seal (--paper)."),
    "rate_limited": _("Too many verifications; wait a minute."),
    "digitised_certified": _(
        "A copy digitised from a paper book: the school's seal alone certifies the conversion, "
        "and nothing but signatures may follow it."
    ),
    "digitised_certification_missing": _(
        "The school's seal is not the certification signature a digitised copy requires."
    ),
    "digitised_extra_signature": _(
        "A digitised copy carries only the school's seal, yet it has other signatures (%(roles)s)."
    ),
    "scan_attached": _("The scan of the paper book is attached and is the one the data names."),
    "scan_missing": _("The scan of the paper book the data names is not attached."),
    "scan_mismatch": _("The attached scan is not the one the data names (it was replaced)."),
    # Displayed facts: the values a forger would change, shown next to the verdict on every channel.
    "fact_result": _("Year result"),
    "fact_completion": _("Completion"),
    "result_htxs": _("Completed excellently"),
    "result_htt": _("Completed well"),
    "result_ht": _("Completed"),
    "result_cht": _("Not completed"),
    "result_not_classified": _("Not classified (individual plan)"),
    "completion_primary": _("Completed primary school"),
    "completion_grade": _("Completed the grade"),
    "completion_none": _("Not completed"),
    "fact_kind": _("Kind of document"),
    "fact_digitised": _(
        "Digitised copy of the paper book no. %(book)s dated %(date)s (not a digitally born record); "
        "compared with the scan by %(by)s, certified by the school's seal"
    ),
    # How people read a report (``presented_outcome``, ``signature_lines``): the record still
    # waiting for signatures, each signature naming its signer and role, roles and statuses in words.
    "not_issued": _("Not issued yet"),
    "not_issued_reason": _(
        "This record is still waiting for signatures and has not been issued, so it is not yet an official "
        "record. This is not a sign of forgery: ask the school again once it is issued."
    ),
    "signature_ok_by": _("Valid digital signature of %(name)s — %(role)s."),
    "timestamp_ok": _("The archive timestamp is valid (it keeps the signatures checkable after certificates expire)."),
    "role_homeroom": _("Homeroom teacher"),
    "role_principal": _("Principal"),
    "role_school": _("School seal"),
    "record_status_draft": _("Draft"),
    "record_status_frozen": _("Awaiting signatures"),
    "record_status_signed_homeroom": _("Signed by the homeroom teacher"),
    "record_status_signed_principal": _("Signed by the principal"),
    "record_status_issued": _("Issued"),
    "record_status_superseded": _("Superseded"),
    "record_status_revoked": _("Revoked"),
}

# A report that fails only because the record is still on its way through the signatures reads as
# "not issued yet", never as a forgery; the outcome itself stays ``invalid`` (fail closed).
AWAITING_CODES = frozenset({"status_not_issued", "signature_missing", "not_in_ledger"})


def text_of(code: str, params: dict[str, Any] | None = None, translate: Callable[[str], str] = _) -> str:
    """The sentence for ``code`` with ``params`` filled in, through ``translate`` (the code itself when unknown)."""
    message = MESSAGES.get(code)
    if message is None:
        return code
    template = translate(message)
    shown = dict(params or {})
    if "roles" in shown:  # role slugs ("principal, school") in words
        shown["roles"] = ", ".join(role_label(r.strip(), translate) for r in str(shown["roles"]).split(","))
    try:
        return template % shown
    except (KeyError, TypeError, ValueError):
        return template


def role_label(role: str, translate: Callable[[str], str] = _) -> str:
    """A signature role (``homeroom`` | ``principal`` | ``school``) in words."""
    return text_of(f"role_{role}", translate=translate) if role in ROLES else role


def status_label(status: str | None, translate: Callable[[str], str] = _) -> str:
    """A record version's registry status (``issued``, ``signed_homeroom`` …) in words."""
    if not status:
        return ""
    return text_of(f"record_status_{status}", translate=translate) if f"record_status_{status}" in MESSAGES else ""


def display_date(value: str | None) -> str:
    """An ISO date (``2016-11-13``, or the date part of a timestamp) as people write it: 13/11/2016."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def display_time(moment: dt.datetime | None) -> str:
    """A signing time in Vietnam's time, dd/mm/yyyy HH:MM."""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if moment else ""


def presented_outcome(report: Report) -> str:
    """How a report is shown to a person: its outcome, except ``not_issued`` for a record that fails
    only because it still waits for signatures (and says so itself). The outcome is unchanged."""
    failed = [c for c in report.checks if c.status == "failed"]
    if (
        report.outcome == "invalid"
        and any(c.code == "status_not_issued" for c in failed)
        and all(c.code in AWAITING_CODES for c in failed)
    ):
        return "not_issued"
    return report.outcome


def presented_reason(report: Report, translate: Callable[[str], str] = _) -> str:
    """The sentence under the verdict, in the reader's words."""
    if presented_outcome(report) == "not_issued":
        return text_of("not_issued_reason", translate=translate)
    return text_of(report.reason, report.reason_params, translate)


def check_sentence(check: Check, report: Report, translate: Callable[[str], str] = _) -> str:
    """A check in words; a valid signature names its signer and role, a valid timestamp says so."""
    kind, _sep, role = check.name.partition(":")
    if check.code == "signature_ok" and kind == "signature":
        signer = next((s for s in report.signatures if s.role == role), None)
        name = (signer.signer_name if signer else None) or "?"
        return text_of("signature_ok_by", {"name": name, "role": role_label(role, translate)}, translate)
    if check.code == "signature_ok" and kind == "timestamp":
        return text_of("timestamp_ok", translate=translate)
    return check.text(translate)


def translator(language: str = "vi") -> Callable[[str], str]:
    """``gettext`` of the project's compiled catalogue (``locale/<language>/LC_MESSAGES/django.mo``,
    made by ``make install``) without Django; English msgids when it is not there."""
    import gettext
    from pathlib import Path

    localedir = Path(__file__).resolve().parents[2] / "locale"
    return gettext.translation("django", localedir=str(localedir), languages=[language], fallback=True).gettext


def facts_shown(facts: DocumentFacts | None, translate: Callable[[str], str] = _) -> list[tuple[str, str]]:
    """The values a forger would change — the year result and the completion — as (label, value)
    pairs in the reader's language, for every channel to show next to the verdict."""
    if facts is None:
        return []
    shown = []
    if facts.result:
        result = text_of(f"result_{facts.result}", translate=translate)
        shown.append(
            (text_of("fact_result", translate=translate), facts.result if result.startswith("result_") else result)
        )
    if facts.completion:
        shown.append(
            (
                text_of("fact_completion", translate=translate),
                text_of(f"completion_{facts.completion}", translate=translate),
            )
        )
    if facts.digitised:
        day = facts.original_date or ""
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(day).strftime("%d/%m/%Y")
        params = {"book": facts.book_number or "?", "date": day, "by": facts.compared_by or "?"}
        shown.append((text_of("fact_kind", translate=translate), text_of("fact_digitised", params, translate)))
    return shown


def completion_of(completion: dict[str, Any] | int | None) -> str | None:
    """``primary`` | ``grade`` | ``none`` from the XML's completion element (or the paper bit field)."""
    if completion is None:
        return None
    if isinstance(completion, int):
        primary, grade = bool(completion & 2), bool(completion & 1)
    else:
        primary, grade = bool(completion.get("completed_primary")), bool(completion.get("completed_grade"))
    return "primary" if primary else "grade" if grade else "none"


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
        fingerprint = digest.hexdigest()
        object.__setattr__(self, "_fingerprint", fingerprint)  # frozen: the fields never change
        return fingerprint


@dataclass(frozen=True)
class SealBinding:
    """A school seal certificate as the trust bundle publishes it: the one school (sector code) it
    belongs to and the school years (first years, inclusive) whose records it may seal. A paper
    seal is vouched for only by a binding naming the school and year the printout names."""

    certificate: x509.Certificate
    school_code: str
    first_year: int
    last_year: int


@dataclass(frozen=True)
class SignerAnswer:
    """Who the registry says signed in ``role``: certificate fingerprint (SHA-256, upper hex), name,
    title shown, and the periods (first day, last day or None, when the appointment was recorded or
    None if the registry did not say) in which they held a role entitling them to that signature."""

    role: str
    fingerprint: str
    name: str
    title: str
    entitled: tuple[tuple[dt.date, dt.date | None, dt.datetime | None], ...]


@dataclass(frozen=True)
class LedgerAnswer:
    """The record's issuance entry in the transparency log and its inclusion proof at ``tree_size``."""

    index: int
    leaf_input: str
    tree_size: int
    inclusion_path: tuple[bytes, ...]


def _period(item: list[Any]) -> tuple[dt.date, dt.date | None, dt.datetime | None]:
    """An entitled period from JSON: [first, last or null, recorded at or null] (older files: two items)."""
    first, last, *rest = item
    recorded = rest[0] if rest else None
    return (
        dt.date.fromisoformat(first),
        dt.date.fromisoformat(last) if last else None,
        dt.datetime.fromisoformat(recorded) if recorded else None,
    )


@dataclass(frozen=True)
class RegistryAnswers:
    """What the deployment's registry says about the issuance code the document carries.

    ``found=False``: no version has that code. ``status`` is the version's workflow status
    (``issued``, ``superseded``, ``revoked``, or a signing stage). ``pdf_sha256s``/``xml_sha256s``
    are the hashes of the issued files (the XML set includes the canonical unsigned XML embedded in
    the PDF and the XAdES-signed exchange file). ``ledger``: every log entry attesting a file of
    this version (its issuance, archive renewals), each with its inclusion proof; a file is in the
    log only if it is one entry's *own* hash. ``paper_digest``: SHA-256 of the values a paper seal
    of this version covers (``paper_seal.registered_body``), so a printout is compared without the
    registry publishing personal data.
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
    ledger: tuple[LedgerAnswer, ...] = ()
    paper_digest: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["signers"] = [
            {
                **asdict(s),
                "entitled": [
                    [a.isoformat(), b.isoformat() if b else None, r.isoformat() if r else None]
                    for a, b, r in s.entitled
                ],
            }
            for s in self.signers
        ]
        data["ledger"] = [{**asdict(e), "inclusion_path": [p.hex() for p in e.inclusion_path]} for e in self.ledger]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryAnswers:
        signers = tuple(
            SignerAnswer(
                role=s["role"],
                fingerprint=s["fingerprint"],
                name=s["name"],
                title=s["title"],
                entitled=tuple(_period(p) for p in s["entitled"]),
            )
            for s in data.get("signers", [])
        )
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
            ledger=tuple(
                LedgerAnswer(
                    index=int(entry["index"]),
                    leaf_input=str(entry["leaf_input"]),
                    tree_size=int(entry["tree_size"]),
                    inclusion_path=tuple(bytes.fromhex(p) for p in entry["inclusion_path"]),
                )
                for entry in data.get("ledger") or ()
            ),
            paper_digest=str(data.get("paper_digest", "")),
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


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 proof that the log of ``first`` entries is a prefix of the log of ``second``."""

    first: int
    second: int
    path: tuple[bytes, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConsistencyProof:
        return cls(int(data["first"]), int(data["second"]), tuple(bytes.fromhex(p) for p in data["consistency_path"]))

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "second": self.second, "consistency_path": [p.hex() for p in self.path]}


# --- the verification packet: the registry's signed answer for offline use ------------------------

PACKET_FORMAT = "hocbaso-verification-packet/1"
PACKET_DOMAIN = b"hocbaso-verification-packet/1\x00"


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes a packet signature covers."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def packet_signing_input(packet: dict[str, Any]) -> bytes:
    """What the deployment's log key signs: a domain tag, then every field but ``signature``."""
    return PACKET_DOMAIN + canonical_json({k: v for k, v in packet.items() if k != "signature"})


@dataclass(frozen=True)
class Evidence:
    """What a deployment vouches for about one code, as far as it could be checked: the registry's
    answers, the tree head its proofs are against, consistency proofs, and the checks of the
    packet's own signature (``registry_signed`` / ``registry_unsigned`` / …)."""

    registry: RegistryAnswers | None
    tree_head: SignedTreeHead | None
    proofs: tuple[ConsistencyProof, ...] = ()
    checks: tuple[Check, ...] = ()


def packet_url(verify_url: str, code: str, *, since: int | None = None) -> str:
    """Where the deployment named by a record's verify link (``<base>/verify/<code>``) serves the
    signed verification packet of ``code``."""
    base = verify_url.split("?", 1)[0].rstrip("/")
    for marker in ("/verify/", "/xac-minh/"):
        if marker in base:
            base = base.rsplit(marker, 1)[0]
            break
    query = f"?since={since}" if since else ""
    return f"{base}/api/v1/verify/packet/{code}{query}"


def open_packet(raw: bytes | dict[str, Any], trust: TrustStore) -> Evidence:
    """Read a verification packet (``/api/v1/verify/packet/<code>``) and check its signature with the
    log key of ``trust``. An unsigned, wrongly signed or unreadable packet yields no answers and a
    failed ``registry_signature`` check: the verifier never uses what it could not authenticate."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    name = "registry_signature"
    try:
        data = json.loads(raw.decode("utf-8")) if isinstance(raw, bytes) else raw
        if not isinstance(data, dict) or data.get("format") != PACKET_FORMAT:
            return Evidence(None, None, checks=(Check(name, "failed", "registry_unsigned"),))
        signature = data.get("signature")
        if not isinstance(signature, str) or not signature:
            return Evidence(None, None, checks=(Check(name, "failed", "registry_unsigned"),))
        if not trust.ledger_public_key_pem:
            return Evidence(None, None, checks=(Check(name, "not_checked", "ledger_key_missing"),))
        key = load_pem_public_key(trust.ledger_public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            return Evidence(None, None, checks=(Check(name, "not_checked", "ledger_key_missing"),))
        key.verify(bytes.fromhex(signature), packet_signing_input(data))
        registry = RegistryAnswers.from_json(data["answers"])
        head = SignedTreeHead.from_json(data["tree_head"]) if data.get("tree_head") else None
        proofs = tuple(ConsistencyProof.from_json(p) for p in data.get("consistency") or ())
    except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return Evidence(None, None, checks=(Check(name, "failed", "registry_signature_invalid"),))
    return Evidence(registry, head, proofs, (Check(name, "passed", "registry_signed"),))


def sign_packet(
    answers: RegistryAnswers,
    tree_head: SignedTreeHead | None,
    *,
    sign: Callable[[bytes], bytes],
    proofs: Sequence[ConsistencyProof] = (),
    issued_at: str,
) -> dict[str, Any]:
    """The packet for ``answers`` signed with ``sign`` (the deployment's log key)."""
    packet: dict[str, Any] = {
        "format": PACKET_FORMAT,
        "issued_at": issued_at,
        "answers": answers.to_json(),
        "tree_head": tree_head.to_json() if tree_head else None,
        "consistency": [p.to_json() for p in proofs],
    }
    packet["signature"] = sign(packet_signing_input(packet)).hex()
    return packet


# --- outputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check: ``name`` (e.g. ``signature:homeroom``), ``status``, a stable ``code`` and its params."""

    name: str
    status: CheckStatus
    code: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = _) -> str:
        return text_of(self.code, self.params, translate)


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
    completion: str | None = None  # primary | grade | none
    school_code: str | None = None
    sealed_on: str | None = None  # a paper seal's sealing day (YYYY-MM-DD)
    verify_url: str | None = None  # where the record says it is verified (its deployment)
    digitised: bool = False  # a copy digitised from a paper book (not a digitally born record)
    book_number: str | None = None  # the paper book's number (digitised copies)
    original_date: str | None = None  # the paper original's date (YYYY-MM-DD)
    compared_by: str | None = None  # who compared scan and transcription
    scan_sha256: str | None = None  # the attached scan the data names


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
    from hocbaso.signing import pdf_parsing

    pdf_parsing.install()  # exactly equivalent, faster PDF and name parsing (once per process)
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
    digitisation = data.get("digitisation") or {}
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
        completion=completion_of(year.get("completion")),
        school_code=school.get("code"),
        verify_url=data.get("verify_url"),
        digitised=bool(digitisation),
        book_number=digitisation.get("book_number"),
        original_date=digitisation.get("original_date"),
        compared_by=digitisation.get("compared_by"),
        scan_sha256=digitisation.get("scan_sha256"),
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


def _validate_signatures(
    document: bytes, trust: TrustStore, opened: Callable[[Any], None] | None = None
) -> tuple[list[Any], Any, list[tuple[str, int, Any]]]:
    """``pades.validate_pdf``'s reports, with one reader and one validation context for the whole file.

    ``pades.validate_pdf`` builds a fresh context (DSS read again, an empty revocation cache) for
    each signature, so the same certificates' OCSP responses were fetched once per signature (11
    fetches for an issued record instead of 5) and their paths rebuilt. Every signature is still
    validated in full (integrity, chain, revocation, timestamp, difference analysis) against the
    same anchors, DSS data and validation time; only the work they share is done once. Returns
    the reports, the reader (None when the file could not be read) and, per signature (not
    document timestamps), its field name, the revision it signed and its DocMDP level.
    ``opened``: called with the reader once the file is open, before any signature is checked.
    """
    import asyncio
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    from hocbaso.signing import pades
    from hocbaso.verification import diff_ahead, diff_cache, diff_worker

    # The difference analyses start first, beside all that follows (the helper applies the same limits).
    with diff_ahead.start(document, (MAX_PDF_OBJECTS, MAX_PDF_REVISIONS)) as reviews:
        try:
            reader = PdfFileReader(BytesIO(document))
            diff_cache.share_object_reads(reader)  # every signature's difference analysis reads each object once
            objects, revisions = diff_worker.size_of(reader)
            if objects > MAX_PDF_OBJECTS or revisions > MAX_PDF_REVISIONS:
                raise TooComplex(objects, revisions)
        except TooComplex:
            raise
        except Exception:  # pyHanko raises PdfReadError, ValueError, KeyError… on damaged input
            return [pades._unreadable()], None, []
        try:
            embedded = list(reader.embedded_signatures)
            order = [
                (str(sig.field_name), sig.signed_revision, sig.docmdp_level)
                for sig in embedded
                if sig.sig_object_type != "/DocTimeStamp"
            ]
        except Exception:  # as above
            return [pades._unreadable()], None, []
        if opened is not None:
            opened(reader)
        return asyncio.run(_checked(reader, embedded, trust, reviews)), reader, order


async def _checked(reader: Any, embedded: list[Any], trust: TrustStore, reviews: Any) -> list[Any]:
    """Each signature's report: pyHanko's validation with the difference analysis left out
    (``skip_diff``), then that analysis (``reviews``, see ``diff_ahead``) put back exactly where
    pyHanko puts it: into the status (``summarise_integrity_info``; a document timestamp's
    ``diff_result``), or, when the analysis raised, the report of that error — as when pyHanko ran
    it first, before the checks after it. A check that raised before the analysis (the digest, the
    coverage) reports its own error, as it did."""
    import asyncio
    import dataclasses

    from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp

    from hocbaso.signing import pades

    async def one(sig: Any, context: Any) -> tuple[Any, Exception | None]:
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                return await async_validate_pdf_timestamp(sig, validation_context=context, skip_diff=True), None
            return await async_validate_pdf_signature(sig, signer_validation_context=context, skip_diff=True), None
        except Exception as exc:
            return None, exc

    def report(sig: Any, status: Any, failure: Exception | None) -> Any:
        timestamp = sig.sig_object_type == "/DocTimeStamp"
        try:
            if sig.coverage is not None:  # the integrity checks before the analysis passed: it runs
                sig.diff_result = sig.evaluate_modifications(reviews)
                if status is not None:
                    added = {"diff_result": sig.diff_result} if timestamp else sig.summarise_integrity_info()
                    status = dataclasses.replace(status, **added)
            if failure is not None:
                raise failure
            if timestamp:
                return pades._report_timestamp(sig.field_name, status)
            return pades._report_signature(sig, status)
        except Exception as exc:  # a check that crashed cannot vouch for anything
            return pades._empty_report(sig.field_name, "indeterminate", f"error:{type(exc).__name__}")

    settings = trust.pades_trust()
    try:
        context = settings.context_with_dss(reader)
    except Exception as exc:  # an unusable DSS: no signature can be vouched for
        return [pades._empty_report(s.field_name, "indeterminate", f"error:{type(exc).__name__}") for s in embedded]
    try:
        # Concurrently: the revocation fetches of different signatures overlap (pyHanko's
        # fetchers share one cache and never fetch the same response twice); the CPU work
        # between awaits runs one coroutine at a time on the same reader.
        outcomes = await asyncio.gather(*(one(sig, context) for sig in embedded))
    finally:
        await context.aclose()
    return [report(sig, status, failure) for sig, (status, failure) in zip(embedded, outcomes, strict=True)]


def order_checks(order: Sequence[tuple[str, int, Any]], *, certification: bool = True) -> list[Check]:
    """The three signatures were made homeroom → principal → school (each signed a later revision
    than the one before), and the homeroom teacher's is the certification signature (DocMDP: only
    form filling and signatures may follow) — checked on the file itself, offline too. For XAdES,
    ``order`` is the document order of the signatures and ``certification`` is False."""
    position = {role: revision for role, revision, _level in order if role in ROLES}
    checks: list[Check] = []
    if len(position) == len(ROLES):
        revisions = [position[role] for role in ROLES]
        in_order = all(a < b for a, b in itertools.pairwise(revisions))
        checks.append(
            Check("signature_order", "passed", "signatures_in_order")
            if in_order
            else Check("signature_order", "failed", "signatures_out_of_order")
        )
    if certification and "homeroom" in position:
        levels = {role: level for role, _revision, level in order}
        certified = getattr(levels.get("homeroom"), "value", None) == 2  # MDPPerm.FILL_FORMS
        others = any(level is not None for role, level in levels.items() if role != "homeroom")
        checks.append(
            Check("certification", "passed", "certification_ok")
            if certified and not others
            else Check("certification", "failed", "certification_missing")
        )
    return checks


class TooComplex(Exception):
    """A PDF with far more objects or revisions than any school record: not validated at all (the
    difference analysis of every revision would cost minutes and hundreds of megabytes)."""

    def __init__(self, objects: int, revisions: int):
        super().__init__(objects, revisions)
        self.params = {"objects": str(objects), "revisions": str(revisions)}


class _EmbeddedXml:
    """The embedded XML of a PDF, parsed and checked against the schema, and its re-render
    started (``records.render_ahead``: in a helper process when there is one, so it runs beside
    the signature checks; none when this deployment compiled the same job before, ADR 0024).
    ``reader``: the signature validation's (None: the renderer's own extraction). ``rendered`` is
    None when the schema check failed (nothing to render)."""

    def __init__(self, document: bytes, reader: Any) -> None:
        from hocbaso.records import render_ahead

        self.xml = _embedded_xml(document, reader)
        self.data = _parsed(self.xml) if self.xml is not None else None
        self.schema = _xml_schema_check(self.xml) if self.xml is not None else None
        self.rendered = None
        if self.xml is not None and self.schema is not None and self.schema.status == "passed":
            self.rendered = render_ahead.first_revision(self.xml, self.data, digest_will_do=True)


def _examine_pdf(document: bytes, trust: TrustStore) -> Findings:
    found: list[_EmbeddedXml] = []
    with contextlib.ExitStack() as stack:

        def opened(reader: Any) -> None:
            embedded = _EmbeddedXml(document, reader)
            if embedded.rendered is not None:
                stack.enter_context(embedded.rendered)
            found.append(embedded)

        return _examine_opened_pdf(document, trust, opened, found)


def _examine_opened_pdf(
    document: bytes, trust: TrustStore, opened: Callable[[Any], None], found: list[_EmbeddedXml]
) -> Findings:
    checks: list[Check] = []
    try:
        reports, reader, order = _validate_signatures(document, trust, opened)
    except TooComplex as exc:
        return Findings(
            _facts("pdf", document, None), (Check("document", "failed", "pdf_too_complex", exc.params),), ()
        )
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
    embedded = found[0] if found else _EmbeddedXml(document, reader)
    xml, data = embedded.xml, embedded.data
    digitisation = (data or {}).get("digitisation")
    if digitisation:
        checks.extend(digitised_checks(signatures, order))
        checks.append(_scan_check(document, digitisation))
    else:
        checks.append(_complete_check(signatures, ROLES))
        checks.extend(order_checks(order))
    if xml is None:
        checks.append(Check("embedded_xml", "failed", "xml_missing"))
        return Findings(_facts("pdf", document, None), tuple(checks), tuple(signatures))
    checks.append(Check("embedded_xml", "passed", "xml_present"))
    assert embedded.schema is not None
    checks.append(embedded.schema)
    if embedded.rendered is not None:
        checks.append(_shows_xml_check(document, embedded.rendered.begins))
    return Findings(_facts("pdf", document, xml, data), tuple(checks), tuple(signatures))


def _complete_check(signatures: Sequence[SignatureInfo], roles: Sequence[str]) -> Check:
    signed_roles = {s.role for s in signatures}  # plain str: findings are pickled into the cache
    missing = [role for role in roles if role not in signed_roles]
    if missing:
        return Check("signatures_complete", "failed", "signature_missing", {"roles": ", ".join(missing)})
    return Check("signatures_complete", "passed", "signatures_complete")


def digitised_checks(signatures: Sequence[SignatureInfo], order: Sequence[tuple[str, int, Any]]) -> list[Check]:
    """A digitised copy carries the school seal and no personal signature (the homeroom teacher and
    the principal signed the paper original); the seal is the certification signature (DocMDP: only
    signatures and archive timestamps may follow). ``order``: as for :func:`order_checks`; empty for
    an XML file (XAdES has no certification level)."""
    signed = {s.role for s in signatures}
    if "school" not in signed:
        return [Check("signatures_complete", "failed", "signature_missing", {"roles": "school"})]
    extra = sorted(role for role in signed if role != "school")
    if extra:
        return [Check("signatures_complete", "failed", "digitised_extra_signature", {"roles": ", ".join(extra)})]
    if not order:
        return [Check("signatures_complete", "passed", "digitised_certified")]
    levels = {role: level for role, _revision, level in order}
    certified = getattr(levels.get("school"), "value", None) == 2  # MDPPerm.FILL_FORMS
    return [
        Check("signatures_complete", "passed", "digitised_certified")
        if certified
        else Check("certification", "failed", "digitised_certification_missing")
    ]


def _scan_check(document: bytes, digitisation: dict[str, Any]) -> Check:
    """The scan the XML names (by SHA-256) is attached to the PDF (``SCAN_NAME``)."""
    from hocbaso.records import rendering

    try:
        scan = rendering.extract_embedded_xml(document, name=SCAN_NAME)
    except Exception:  # EmbeddedXmlMissing: no such attachment, or an unreadable file
        return Check("scan", "failed", "scan_missing")
    if hashlib.sha256(scan).hexdigest() != digitisation.get("scan_sha256"):
        return Check("scan", "failed", "scan_mismatch")
    return Check("scan", "passed", "scan_attached")


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


def _shows_xml_check(document: bytes, begins: Callable[[bytes], bool]) -> Check:
    """The PDF's first revision must be byte for byte the Typst rendering of the embedded XML
    (``begins(document)``: whether ``document`` starts with ``rendering.first_revision`` of the XML,
    see ``records.render_ahead``; by the kept SHA-256 of that very compile when there is one).

    Rendering is deterministic (the record template, the XML, its assembly date as the PDF
    timestamp), and signatures are incremental updates after it, so a genuine record starts with
    exactly those bytes; any other page content, or another XML, breaks the equality.
    """
    try:
        shown = begins(document)
    except Exception as exc:  # the renderer could not run here: the comparison cannot vouch for anything
        return Check("xml_matches_pdf", "not_checked", "xml_render_failed", {"detail": type(exc).__name__})
    if shown:
        return Check("xml_matches_pdf", "passed", "xml_matches_pdf")
    return Check("xml_matches_pdf", "failed", "xml_not_what_pdf_shows")


def _examine_xml(document: bytes, trust: TrustStore) -> Findings:
    checks: list[Check] = []
    schema = _xml_schema_check(document)
    checks.append(schema)
    signatures: list[SignatureInfo] = []
    if schema.status == "passed":
        xml_checks, signatures = signed_xml_checks(document, trust)
        checks.extend(xml_checks)
        if (_parsed(document) or {}).get("digitisation"):
            checks.extend(digitised_checks(signatures, ()))
        else:
            checks.append(_complete_check(signatures, ROLES))
            checks.extend(order_checks([(s.role, i, None) for i, s in enumerate(signatures)], certification=False))
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
    role_by_title = signed_record.ROLE_BY_TITLE
    revocation = _xml_revocation_checks(document, [r for r in reports if r.outcome == "valid"], trust)
    for report in reports:
        name = f"xml_signature:{report.index}"
        role = role_by_title.get((report.role or "").split("\n")[0], f"#{report.index}")
        if report.outcome == "valid":
            checks.append(revocation[report.index])
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


def _xml_revocation_checks(document: bytes, reports: Sequence[Any], trust: TrustStore) -> dict[int, Check]:
    """XAdES-BES carries no timestamp and signxml checks no revocation: check each valid
    signature's certificate now (chain, validity, CRL/OCSP), all in one validation context.
    Keyed by the signature's index."""
    named = {
        report.index: (f"xml_signature:{report.index}", *_xml_signature_certs(document, report.index))
        for report in reports
    }
    checks = {
        index: Check(name, "failed", "signature_invalid") for index, (name, cert, _c) in named.items() if cert is None
    }
    wanted = [(index, (name, cert, chain)) for index, (name, cert, chain) in named.items() if cert is not None]
    for (index, _item), checked in zip(wanted, certificate_checks([item for _i, item in wanted], trust), strict=True):
        checks[index] = Check(checked.name, "passed", "xml_signature_ok") if checked.status == "passed" else checked
    return checks


def certificate_check(name: str, cert: x509.Certificate, chain: list[x509.Certificate], trust: TrustStore) -> Check:
    """``cert`` chains to a trusted root, is valid now and not revoked (pyhanko-certvalidator,
    with the trust store's CRLs and, if allowed, fetched CRL/OCSP). Revoked → failed; any other
    problem (unknown CA, status unknown, expired) → not checked."""
    return certificate_checks([(name, cert, chain)], trust)[0]


def certificate_checks(
    items: Sequence[tuple[str, x509.Certificate, list[x509.Certificate]]], trust: TrustStore
) -> list[Check]:
    """:func:`certificate_check` of each ``(name, cert, chain)``, in order, with one validation
    context for all (the trust store's anchors, CRLs and fetched responses built and parsed once;
    each certificate still validated in full on its own)."""
    import asyncio

    from pyhanko_certvalidator import CertificateValidator

    from hocbaso.signing.backends import to_asn1

    if not items:
        return []
    settings = trust.pades_trust()

    async def one(context: Any, cert: x509.Certificate, chain: list[x509.Certificate]) -> BaseException | None:
        try:
            validator = CertificateValidator(
                to_asn1(cert), intermediate_certs=[to_asn1(c) for c in chain], validation_context=context
            )
            await validator.async_validate_usage({"digital_signature"})  # type: ignore[no-untyped-call]  # certvalidator's
        except Exception as exc:  # RevokedError, PathValidationError, network errors…
            return exc
        return None

    async def run() -> list[BaseException | None]:
        context = settings.context()
        try:
            return [await one(context, cert, chain) for _name, cert, chain in items]
        finally:
            await context.aclose()

    try:
        errors = asyncio.run(run())
    except Exception as exc:  # the context itself could not be built or closed
        errors = [exc] * len(items)
    checks = []
    for (name, _cert, _chain), error in zip(items, errors, strict=True):
        label = type(error).__name__
        if error is None:
            checks.append(Check(name, "passed", "signature_ok"))
        elif label == "RevokedError":
            checks.append(Check(name, "failed", "signature_revoked"))
        else:
            checks.append(Check(name, "not_checked", "xml_signature_revocation_unknown", {"detail": label}))
    return checks


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
    held_head: SignedTreeHead | None = None,
    proofs: Sequence[ConsistencyProof] = (),
    evidence_checks: Sequence[Check] = (),
) -> Report:
    """Complete :func:`examine`'s findings with the registry's answers and the transparency log.

    ``held_head``: a tree head the verifier holds from elsewhere (older or newer than
    ``tree_head``); it must be consistent with ``tree_head`` through one of ``proofs``.
    ``evidence_checks``: the checks of how the answers were obtained (a packet's signature).
    """
    checks = list(findings.checks) + list(evidence_checks)
    facts = findings.facts
    signatures = list(findings.signatures)
    status = superseded_by = None
    if facts is None or facts.xml_sha256 is None:
        return report_of(checks, signatures=signatures, document=facts, demo=trust.demo)
    if registry is not None and facts.issuance_code and registry.issuance_code != facts.issuance_code:
        checks.append(Check("registered", "failed", "registry_other_code", {"code": registry.issuance_code}))
        registry = None
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
        checks.append(status_check(registry))
        signatures = [_with_title(s, registry) for s in signatures]
        checks.extend(_signer_checks(signatures, registry))
    checks.append(_ledger_check(facts, trust, registry, tree_head))
    if held_head is not None:
        checks.append(heads_check(tree_head, held_head, proofs, trust))
    return report_of(
        checks, signatures=signatures, document=facts, status=status, superseded_by=superseded_by, demo=trust.demo
    )


def status_check(registry: RegistryAnswers) -> Check:
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
        # A timestamp's time may be whole seconds: compare the recording instant at that precision.
        moment = signature.signing_time
        held = any(
            start <= day
            and (end is None or day <= end)
            and (recorded is None or recorded.replace(microsecond=0) <= moment)
            for start, end, recorded in answer.entitled
        )
        checks.append(
            Check(name, "passed", "signer_ok", params)
            if held
            else Check(name, "failed", "signer_not_appointed", params)
        )
    return checks


def tree_head_signed(head: SignedTreeHead, trust: TrustStore) -> bool:
    """True when ``head`` carries the log key's signature (False without a log key)."""
    return bool(trust.ledger_public_key_pem) and merkle.verify_tree_head_signature(
        trust.ledger_public_key_pem or "", head.size, head.root_hash, head.timestamp_ms, head.signature
    )


def _ledger_check(
    facts: DocumentFacts, trust: TrustStore, registry: RegistryAnswers | None, tree_head: SignedTreeHead | None
) -> Check:
    """The file is attested by a log entry whose own hash is the file's, included in a signed head."""
    name = "ledger"
    if tree_head is None:
        return Check(name, "not_checked", "tree_head_unavailable")
    if not trust.ledger_public_key_pem:
        return Check(name, "not_checked", "ledger_key_missing")
    if not tree_head_signed(tree_head, trust):
        return Check(name, "failed", "tree_head_signature_invalid")
    if registry is None:
        return Check(name, "not_checked", "registry_unavailable")
    if not registry.found or not registry.ledger:
        return Check(name, "failed", "not_in_ledger")
    own = None
    for entry in registry.ledger:
        try:
            payload = json.loads(entry.leaf_input)
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get(f"{facts.kind}_sha256") == facts.sha256:
            own = entry, payload
            break
    if own is None:
        return Check(name, "failed", "ledger_entry_mismatch")
    entry, payload = own
    if payload.get("record_id") != facts.record_id or payload.get("version") != facts.version:
        return Check(name, "failed", "ledger_entry_mismatch")
    if entry.tree_size != tree_head.size:
        return Check(name, "not_checked", "ledger_proof_stale", {"size": str(tree_head.size)})
    leaf = merkle.leaf_hash(entry.leaf_input.encode("utf-8"))
    if not merkle.verify_inclusion(leaf, entry.index, tree_head.size, list(entry.inclusion_path), tree_head.root_hash):
        return Check(name, "failed", "ledger_inclusion_invalid")
    return Check(name, "passed", "ledger_included", {"index": str(entry.index), "size": str(tree_head.size)})


def heads_check(
    tree_head: SignedTreeHead | None, held: SignedTreeHead, proofs: Sequence[ConsistencyProof], trust: TrustStore
) -> Check:
    """A tree head the verifier holds (older or newer) and the registry's are of the same log: both
    signed by the log key, equal at equal sizes, else linked by a consistency proof (RFC 9162)."""
    name = "tree_heads"
    params = {"size": str(held.size)}
    if not tree_head_signed(held, trust):
        return Check(name, "failed", "tree_head_signature_invalid")
    if tree_head is None or not tree_head_signed(tree_head, trust):
        return Check(name, "not_checked", "tree_head_unavailable")
    if held.size == tree_head.size:
        same = held.root_hash == tree_head.root_hash
        return (
            Check(name, "passed", "tree_heads_consistent", params)
            if same
            else Check(name, "failed", "tree_heads_inconsistent", params)
        )
    older, newer = sorted((held, tree_head), key=lambda h: h.size)
    proof = next((p for p in proofs if (p.first, p.second) == (older.size, newer.size)), None)
    if older.size == 0:
        return Check(name, "passed", "tree_heads_consistent", params)
    if proof is None:
        return Check(
            name, "not_checked", "consistency_proof_missing", {"first": str(older.size), "second": str(newer.size)}
        )
    if merkle.verify_consistency(older.size, newer.size, older.root_hash, newer.root_hash, list(proof.path)):
        return Check(name, "passed", "tree_heads_consistent", params)
    return Check(name, "failed", "tree_heads_inconsistent", params)


def verify(
    document: bytes,
    *,
    trust: TrustStore,
    registry: RegistryAnswers | None,
    tree_head: SignedTreeHead | None,
    held_head: SignedTreeHead | None = None,
    proofs: Sequence[ConsistencyProof] = (),
    evidence_checks: Sequence[Check] = (),
) -> Report:
    """Verify a record PDF or XML file; see the module docstring for the outcome rules."""
    return judge(
        examine(document, trust=trust),
        trust=trust,
        registry=registry,
        tree_head=tree_head,
        held_head=held_head,
        proofs=proofs,
        evidence_checks=evidence_checks,
    )


def verify_with(
    document: bytes, *, trust: TrustStore, evidence: Evidence | None, held_head: SignedTreeHead | None = None
) -> Report:
    """:func:`verify` with what a verification packet vouched for (None: offline without one)."""
    if evidence is None:
        return verify(document, trust=trust, registry=None, tree_head=held_head)
    return verify(
        document,
        trust=trust,
        registry=evidence.registry,
        tree_head=evidence.tree_head,
        held_head=held_head,
        proofs=evidence.proofs,
        evidence_checks=evidence.checks,
    )


def issuance_code_of(findings: Findings) -> str | None:
    """The issuance code the examined document carries (to ask the registry about), if any."""
    return findings.facts.issuance_code if findings.facts else None
