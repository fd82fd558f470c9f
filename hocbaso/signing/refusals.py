"""The signing domain's refusals, each with its stable ``code`` (API errors, form messages).

Kept apart from the modules that raise them so that every job (order, trust, providers, batches)
refuses with the same classes and the callers catch one set.
"""

from __future__ import annotations

from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed


class SignerNotAppointed(PermissionRefused):
    code = "signer_not_appointed"


class SignerInTwoRoles(Conflict):
    """One person may not give two personal signatures (homeroom and principal) on one version."""

    code = "signer_two_roles"


class SigningOutOfOrder(Conflict):
    code = "signing_out_of_order"


class CredentialRefused(ValidationFailed):
    """The credential or its certificate cannot sign (revoked, expired, untrusted, not the signer's…)."""

    code = "credential_refused"


class AuthorisationRequired(ValidationFailed):
    code = "authorisation_required"


class SigningNotConfigured(ValidationFailed):
    code = "signing_not_configured"
