"""Web wording of the core's reason codes (English msgids, Vietnamese in locale/vi).

``core.TEXTS`` holds the same sentences in Vietnamese for the offline command, which runs
without Django's translations.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hocbaso.verification import core

OUTCOMES: dict[str, Promise] = {
    "valid": _("Valid"),
    "invalid": _("Not valid"),
    "cannot_determine": _("Cannot be determined"),
}

TEXTS: dict[str, Promise] = {
    "all_checks_passed": _("Every check passed."),
    "empty_file": _("The file is empty."),
    "file_too_large": _("The file is too large."),
    "not_a_record_file": _("The file is not a digital school record PDF or XML."),
    "pdf_unreadable": _("The PDF cannot be read."),
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
    "xml_present": _("The file carries the record data (XML)."),
    "xml_missing": _("The file carries no record data (XML)."),
    "xml_valid": _("The XML data matches its schema."),
    "xml_invalid": _("The XML data does not match its schema."),
    "xml_matches_pdf": _("What the PDF shows is exactly the attached XML data."),
    "xml_not_what_pdf_shows": _("What the PDF shows does not match the attached XML data."),
    "xml_render_failed": _("The PDF could not be rebuilt from the XML data for comparison."),
    "registry_unavailable": _("Not compared with the issuing registry (offline)."),
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
    "xml_signature_ok": _("The XML signature is valid."),
    "xml_signature_data_not_covered": _("The XML signature does not cover the record data."),
    "xml_signature_revocation_unknown": _("The certificate's revocation status could not be checked (%(detail)s)."),
    "code_malformed": _("The issuance code is not in the right form."),
    "code_checksum": _("The issuance code's check character is wrong (perhaps a typing mistake)."),
    "code_unknown": _("No record has this issuance code."),
    "paper_ok": _("The digital seal on the printed copy is valid."),
    "paper_malformed": _("The QR code of the printed copy cannot be read."),
    "paper_signature_invalid": _("The digital seal on the printed copy is wrong: the details were altered."),
    "paper_seal_unknown": _("The certificate of the printed copy's digital seal is unknown."),
    "paper_seal_untrusted": _("The digital seal's certificate is not from a trusted authority."),
    "photo_unreadable": _("The photo cannot be opened (JPEG, PNG or WebP)."),
    "photo_too_large": _("The photo is too large."),
    "photo_no_code": _("No QR code of a digital school record was found in the photo; take it closer and sharper."),
}


def text(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated sentence for ``code`` (Vietnamese from the core when no msgid exists)."""
    message = TEXTS.get(code)
    if message is None:
        return core.text_of(code, params)
    try:
        return str(message) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(message)
