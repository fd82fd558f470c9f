"""What the officer reads for each code of the store's answer or of the preview (Vietnamese through
gettext). An unknown code from a real endpoint is shown as such, never hidden."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

REASONS = {
    "schema_invalid": gettext_lazy("The row does not follow the Ministry's format."),
    "row_hash_mismatch": gettext_lazy("The row does not match the batch's manifest."),
    "row_not_in_manifest": gettext_lazy("The row is missing from the batch's manifest."),
    "row_ref_repeated": gettext_lazy("The row appears twice in the batch."),
    "row_repeated": gettext_lazy("The same record version appears twice in the batch."),
    "manifest_entry_without_row": gettext_lazy("The manifest lists a row the batch does not hold."),
    "row_count_mismatch": gettext_lazy("The batch's row count does not match its rows."),
    "not_well_formed": gettext_lazy("The batch is not a well-formed document."),
    "doctype_refused": gettext_lazy("The batch is not a well-formed document."),
    "batch_too_large": gettext_lazy("The batch is larger than the Ministry accepts."),
    "signature_missing": gettext_lazy("The batch carries no seal."),
    "signature_invalid": gettext_lazy("The batch's seal does not match its content: it was changed after sealing."),
    "signature_digest_mismatch": gettext_lazy(
        "The batch's seal does not match its content: it was changed after sealing."
    ),
    "xml_signature_data_not_covered": gettext_lazy("The batch's seal does not cover its content."),
    "signature_untrusted": gettext_lazy("The Ministry does not trust the certificate of the seal."),
    "certificate_revoked": gettext_lazy("The certificate of the seal has been revoked."),
    "department_unknown": gettext_lazy("The Ministry does not know this department of education."),
    "seal_not_department": gettext_lazy("The batch was sealed with a certificate that is not the department's seal."),
    "wrong_department": gettext_lazy("The record belongs to another department of education."),
    "version_changed": gettext_lazy(
        "The Ministry holds this version with other content; a correction must be a new version."
    ),
    "stale_version": gettext_lazy("The Ministry already holds a later version of this record."),
    "batch_rejected": gettext_lazy("Rejected with the whole batch because of another row or the seal."),
    "batch_id_reused": gettext_lazy("The Ministry already received another batch under this identifier."),
    "endpoint_refused_credentials": gettext_lazy(
        "The Ministry refused this server's credentials: ask the operator to check the configuration."
    ),
    "ministry_not_configured": gettext_lazy("The Ministry's address is not configured on this server."),
    "batch_body_damaged": gettext_lazy("The stored batch no longer matches its hash; prepare a new one."),
    # preview warnings (the record lacks a code the Ministry's tables carry)
    "ethnicity_code_unknown": gettext_lazy("Ethnicity without a code"),
    "nationality_code_unknown": gettext_lazy("Nationality without a code"),
    "department_code_missing": gettext_lazy(
        "Record without the department's code (format 1.0: filled in by the batch)"
    ),
    "level_code_unknown": gettext_lazy("Unknown school level code"),
}


def reason(code: str) -> str:
    if not code:
        return ""
    known = REASONS.get(code)
    return str(known) if known is not None else _("Refused by the Ministry (%(code)s).") % {"code": code}
