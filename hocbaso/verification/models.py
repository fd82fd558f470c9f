"""The verification log: one row per verification, without the verifier's personal data.

No IP address, user agent, uploaded file or file hash is stored: only when, through which channel,
the outcome and its reason code, and (when the presented document named one) the issuance code,
which is printed on the document itself and identifies the record, not the person checking it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationChannel(models.TextChoices):
    CODE = "code", _("Issuance code")
    QR = "qr", _("QR link")
    UPLOAD = "upload", _("Uploaded file")
    API = "api", _("API")
    PAPER = "paper", _("Paper copy")


class VerificationOutcome(models.TextChoices):
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")
    CANNOT_DETERMINE = "cannot_determine", _("Cannot determine")


class VerificationLog(models.Model):
    """One verification. Append-only in practice: nothing updates these rows."""

    at = models.DateTimeField(_("time"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=VerificationChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VerificationOutcome.choices)
    reason = models.CharField(_("reason"), max_length=64)
    issuance_code = models.CharField(_("issuance code"), max_length=32, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("verification")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.outcome}"
