"""Signing workflow state: who may sign with what, who signed what, and batches of signatures.

- ``SigningCredential``: a certificate a staff member (or a school, for the seal) signs with, and
  where its key lives (a PKCS#12 file, a PKCS#11 token, a remote CSC service). Passwords and PINs
  are never stored here; they are asked for at each batch.
- ``SignatureEvent``: one signature applied to one record version, in one of three roles; unique
  per (version, role), so the database itself refuses a second homeroom signature.
- ``SigningBatch`` / ``SigningBatchItem``: "review then sign all" with one authorisation. Each item
  is finished in the same transaction as its record, so an interrupted batch resumes exactly
  where it stopped, and an idempotency key makes a resubmission return the same batch.
  ``BatchSecret``: that authorisation, encrypted for the worker, deleted when the batch ends.
- ``RemoteApproval``: a signature prepared for a phone signing app (pyHanko interrupted signing):
  what the app must sign and where the prepared files are kept, until the app answers.
"""

from __future__ import annotations

from cryptography import x509
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.directory.models import AdministrativeUnit, Appointment, School, StaffMember
from hocbaso.records.models import RecordVersion


class CredentialKind(models.TextChoices):
    PKCS12 = "pkcs12", _("Certificate file (PKCS#12)")
    PKCS11 = "pkcs11", _("USB token (PKCS#11)")
    CSC = "csc", _("Remote signing service (CSC)")
    REMOTE_APP = "remote_app", _("Signing app on a phone")


class SignatureRole(models.TextChoices):
    """The three signatures of a year page, in the order they must be applied."""

    HOMEROOM = "homeroom", _("Homeroom teacher")
    PRINCIPAL = "principal", _("Principal")
    SCHOOL = "school", _("School seal")


ROLE_ORDER = (SignatureRole.HOMEROOM, SignatureRole.PRINCIPAL, SignatureRole.SCHOOL)


class SigningCredential(models.Model):
    """A signing certificate and the location of its key (never the key's password or PIN).

    ``config`` by kind: pkcs12 ``{"file": <path relative to VAR_DIR>}``; pkcs11 ``{"library",
    "token_label", "key_label"}``; csc ``{"url", "credential_id"}``. An organisation credential
    (``for_organisation``) is a seal and names exactly one organisation: its school (the school
    seal), or its administrative unit (a unit's seal: a Sở's, a commune's or ward's office, for
    the reports it sends upward; ``credentials.register_unit_seal``).
    """

    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="signing_credentials", verbose_name=_("holder")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CredentialKind.choices)
    label = models.CharField(_("label"), max_length=200)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    subject_name = models.CharField(_("subject"), max_length=300)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    for_organisation = models.BooleanField(_("organisation certificate (school seal)"), default=False)
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name=_("school"),
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name=_("administrative unit"),
    )
    config = models.JSONField(_("key location"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["staff", "label"]
        verbose_name = _("signing credential")
        constraints = [
            models.UniqueConstraint(fields=["staff", "fingerprint"], name="credential_unique_per_holder"),
            models.CheckConstraint(
                condition=Q(for_organisation=False, unit__isnull=True)
                | Q(for_organisation=True, school__isnull=False, unit__isnull=True)
                | Q(for_organisation=True, school__isnull=True, unit__isnull=False),
                name="organisation_credential_names_school_or_unit",
            ),
            models.CheckConstraint(condition=Q(not_after__gt=models.F("not_before")), name="credential_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.subject_name})"

    def certificate_and_chain(self) -> tuple[x509.Certificate, list[x509.Certificate]]:
        """The registered certificate and the CA chain kept with it (``config["chain_pem"]``, may be empty)."""
        certificate = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        chain_pem = (self.config or {}).get("chain_pem")
        return certificate, (x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem else [])


class SigningBatch(models.Model):
    """One "sign all" request: one signer, one role, one credential, many record versions."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Signing")
        AWAITING = "awaiting", _("Waiting for approval in the signing app")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Stopped with an error")

    idempotency_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="signing_batches")
    role = models.CharField(_("role"), max_length=20, choices=SignatureRole.choices)
    credential = models.ForeignKey(SigningCredential, on_delete=models.PROTECT, related_name="batches")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # Items are signed by ``shards`` tasks in parallel: shard k takes positions p with (p - 1) % shards == k.
    shards = models.PositiveSmallIntegerField(default=1)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moved on when a worker starts and after every item: a queued or running batch whose
    # heartbeat is old has lost its worker (``recovery.sweep``).
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # How many times the batch was put back in the queue (by the signer or the sweeper).
    resumes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing batch")

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.signer} · {self.done}/{self.total}"


class BatchSecret(models.Model):
    """The PKCS#12 password / PIN of a running batch, encrypted for its worker (Fernet, key derived
    from SECRET_KEY). A row of its own so that it is *deleted*, not blanked: when the batch ends
    (finished, failed, swept) and once ``expires_at`` has passed. Never shown, never logged."""

    batch = models.OneToOneField(SigningBatch, on_delete=models.CASCADE, primary_key=True, related_name="secret")
    sealed = models.TextField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"secret of batch {self.batch_id}"


class ItemOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting")
    AWAITING = "awaiting", _("Waiting for approval in the signing app")
    OK = "ok", _("Signed")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class SigningBatchItem(models.Model):
    """One record version of a batch and what happened to it."""

    batch = models.ForeignKey(SigningBatch, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(RecordVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    code = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [models.UniqueConstraint(fields=["batch", "version"], name="batch_item_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.position} {self.outcome}"


class SignatureEvent(models.Model):
    """One signature on one record version: who, in which role and title, with which certificate, when."""

    version = models.ForeignKey(RecordVersion, on_delete=models.PROTECT, related_name="signature_events")
    role = models.CharField(_("role"), max_length=20, choices=SignatureRole.choices)
    signer = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title shown"), max_length=200)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(SigningCredential, on_delete=models.PROTECT, related_name="signatures")
    certificate_fingerprint = models.CharField(max_length=64)
    batch = models.ForeignKey(SigningBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField()
    pdf_sha256_after = models.CharField(max_length=64)
    xml_sha256_after = models.CharField(max_length=64)

    class Meta:
        ordering = ["version", "signed_at"]
        verbose_name = _("signature")
        constraints = [models.UniqueConstraint(fields=["version", "role"], name="one_signature_per_role")]
        # the school seals' times, for the reporting backlog series (ADR 0017)
        indexes = [
            models.Index(
                fields=["version"], include=["signed_at"], condition=Q(role="school"), name="signature_school_seal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.role} {self.signer}"


class RemoteApproval(models.Model):
    """One prepared signature waiting for the signer's phone app (interrupted signing).

    The prepared PDF state (``pades.PreparedSignature`` as JSON, with the PDF holding the reserved
    signature) and the XML carrying a placeholder signature value are kept in content-addressed
    storage; ``pdf_to_be_signed`` / ``xml_to_be_signed`` are the exact bytes the app signs. The
    prepared state survives restarts: the answer may come hours later (until ``expires_at``).
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the app")
        SIGNED = "signed", _("Signed")
        REFUSED = "refused", _("Refused")

    item = models.OneToOneField(SigningBatchItem, on_delete=models.CASCADE, related_name="remote_approval")
    version = models.ForeignKey(RecordVersion, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    base_pdf_sha256 = models.CharField(max_length=64)
    prepared_name = models.CharField(max_length=200)
    prepared_sha256 = models.CharField(max_length=64)
    xml_name = models.CharField(max_length=200)
    xml_sha256 = models.CharField(max_length=64)
    pdf_to_be_signed = models.BinaryField()
    xml_to_be_signed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    code = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["item__batch", "item__position"]
        verbose_name = _("signature waiting for the signing app")

    def __str__(self) -> str:
        return f"{self.item} {self.state}"
