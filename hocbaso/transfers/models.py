"""Transfers (chuyển trường), transfer bundles between deployments and the trust this
deployment places in other deployments.

- ``Transfer``: one child moving from a school of this deployment, to another school of it
  (``internal``) or to a school elsewhere (``external``, carried by a transfer bundle). States move
  through one table (``TRANSITIONS``); at most one transfer per child is open at a time (the
  database refuses a second).
- The family's consent before a record is sent is ``directory.ConsentRequest`` (asked by a school,
  answered by the family through the portal; ``directory/consent.py``).
- ``TrustedDeployment``: another deployment's trust bundle imported by an operator.
- ``ReceivedBundle`` / ``ReceivedRecord``: a bundle imported from another deployment and the
  records it carried, kept byte for byte.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import Transitions
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolYear, Student
from hocbaso.records.models import RecordVersion


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("To a school of this system")
    EXTERNAL = "external", _("To a school of another system (transfer bundle)")


class TransferState(models.TextChoices):
    REQUESTED = "requested", _("Requested by the family")
    DECIDED = "decided", _("Decision signed by the sending principal")
    SENT = "sent", _("Bundle sent, waiting for the receipt")
    ACCEPTED = "accepted", _("Accepted by the receiving school")
    REFUSED = "refused", _("Refused by the receiving school")
    CANCELLED = "cancelled", _("Cancelled")


TRANSITIONS: dict[str, set[str]] = {
    TransferState.REQUESTED: {TransferState.DECIDED, TransferState.CANCELLED},
    TransferState.DECIDED: {TransferState.ACCEPTED, TransferState.REFUSED, TransferState.SENT, TransferState.CANCELLED},
    TransferState.SENT: {TransferState.ACCEPTED, TransferState.CANCELLED},
    TransferState.ACCEPTED: set(),
    TransferState.REFUSED: set(),
    TransferState.CANCELLED: set(),
}
TRANSFER_MOVES = Transitions.of(
    TransferState,
    TRANSITIONS,
    code="transfer_state",
    message=_("A transfer that is “%(current)s” cannot become “%(target)s”."),
)
OPEN_STATES = [TransferState.REQUESTED, TransferState.DECIDED, TransferState.SENT]


class Transfer(models.Model):
    """A child's transfer out of ``from_school``, from the family's request to the receiving side's answer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=TransferState.choices, default=TransferState.REQUESTED)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("student"))
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="transfers_out")
    from_enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    to_school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("to school"),
    )
    destination = models.CharField(_("receiving school (other system)"), max_length=300, blank=True)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    desired_date = models.DateField(_("desired date"))
    reason = models.TextField(_("reason"))
    requested_by_family = models.CharField(_("requested by (family member)"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_name = models.CharField(max_length=200, blank=True)
    decision_sha256 = models.CharField(max_length=64, blank=True)
    decision_fingerprint = models.CharField(max_length=64, blank=True)
    attached_versions = models.ManyToManyField(RecordVersion, blank=True, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    to_class = models.ForeignKey(ClassGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("transfer")
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(state__in=["requested", "decided", "sent"]),
                name="one_open_transfer_per_student",
                violation_error_message=_("This child already has a transfer in progress."),
            ),
            models.CheckConstraint(
                condition=Q(kind="internal", to_school__isnull=False, destination="")
                | Q(kind="external", to_school__isnull=True) & ~Q(destination=""),
                name="transfer_destination_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, decision_sha256="")
                | Q(decided_at__isnull=False) & ~Q(decision_sha256=""),
                name="transfer_decision_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.to_school or self.destination} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def destination_name(self) -> str:
        return self.to_school.name if self.to_school is not None else self.destination

    def transition_to(self, state: str) -> None:
        """Move to ``state`` if ``TRANSITIONS`` allows it (the caller saves); ``transfer_state`` otherwise."""
        TRANSFER_MOVES.move(self, state)


class TrustedDeployment(models.Model):
    """Another deployment's trust bundle (``hocbaso-trust-bundle/1``), imported by an operator.

    Bundles signed under its roots verify here; deactivating it withdraws that trust.
    """

    name = models.CharField(_("name"), max_length=200)
    bundle = models.BinaryField()
    bundle_sha256 = models.CharField(max_length=64, unique=True)
    roots_fingerprints = models.JSONField(default=list)
    demo = models.BooleanField(default=False)
    active = models.BooleanField(_("active"), default=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("trusted deployment")

    def __str__(self) -> str:
        return self.name


class ReceivedBundle(models.Model):
    """A transfer bundle accepted from another deployment, kept byte for byte with its signed receipt."""

    transfer_id = models.UUIDField(unique=True)
    bundle_name = models.CharField(max_length=200)
    bundle_sha256 = models.CharField(max_length=64, unique=True)
    sending_school_code = models.CharField(max_length=20)
    sending_school_name = models.CharField(max_length=200)
    sending_deployment = models.CharField(max_length=200, blank=True)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="received_bundles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="received_bundles")
    class_group = models.ForeignKey(ClassGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    header = models.JSONField(default=dict)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    receipt_name = models.CharField(max_length=200)
    receipt_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("received transfer bundle")

    def __str__(self) -> str:
        return f"{self.student} ← {self.sending_school_name}"


class ReceivedRecord(models.Model):
    """One year's record carried by a received bundle: the issuing school's PDF and XML, unchanged."""

    bundle = models.ForeignKey(ReceivedBundle, on_delete=models.PROTECT, related_name="records")
    school_year = models.CharField(max_length=9)
    issuance_code = models.CharField(max_length=32)
    issuing_school = models.CharField(max_length=200)
    class_name = models.CharField(max_length=20, blank=True)
    pdf_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    xml_name = models.CharField(max_length=200)
    xml_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["bundle", "school_year"]
        constraints = [models.UniqueConstraint(fields=["bundle", "school_year"], name="received_record_once_per_year")]

    def __str__(self) -> str:
        return f"{self.issuance_code} ({self.school_year})"
