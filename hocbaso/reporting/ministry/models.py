"""The Sở's submissions to the Ministry's record store, and what the store answered.

- ``Department``: a province's Sở GDĐT as a sender — its unit, its code (``masogd``) and its seal (a
  registered signing credential, held by one of its officers, whose password or PIN every sending
  officer gives). Set up by the operator; the seal by an officer of the province.
- ``Submission``: one signed batch (docs/ministry-export.md): the Sở, the school year, delta or
  full, who prepared it and when, the SHA-256 of the exact bytes sent, the state of sending, every
  attempt, and the store's answer. The body is kept (content-addressed storage) so a retry sends
  the very same bytes: the store answers a known batch as before, so retries never duplicate.
- ``SubmissionRow``: one record version in a batch, with the row's hash and the store's answer for
  it. "Held by the store" = a row answered ``accepted`` or ``unchanged`` with the same hash; the
  next delta sends only versions not held.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core.transitions import Transitions
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear
from hocbaso.records.models import RecordVersion
from hocbaso.signing.models import SigningCredential


class Department(models.Model):
    """A Sở GDĐT sending its province's records to the Ministry."""

    unit = models.OneToOneField(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="ministry_department",
        verbose_name=_("province"),
        limit_choices_to={"kind": "province"},
    )
    code = models.CharField(_("department of education code"), max_length=3, unique=True, help_text="masogd")
    name = models.CharField(_("name"), max_length=200)
    seal = models.ForeignKey(
        SigningCredential,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seal of the department"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department of education")
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{2,3}$"), name="department_code_digits")]

    def __str__(self) -> str:
        return self.name


class SubmissionKind(models.TextChoices):
    DELTA = "delta", _("Changes since the last accepted batch")
    FULL = "full", _("Everything again")


class SubmissionState(models.TextChoices):
    PREPARING = "preparing", _("Being prepared and sealed")
    NOT_PREPARED = "not_prepared", _("Could not be prepared")
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Not reached; will be sent again")
    ACCEPTED = "accepted", _("Accepted")
    PARTIAL = "partial", _("Partly accepted")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Not reached after every attempt")


ANSWERED = (SubmissionState.ACCEPTED, SubmissionState.PARTIAL, SubmissionState.REJECTED)
SENDABLE = (SubmissionState.QUEUED, SubmissionState.RETRYING, SubmissionState.FAILED)
# Prepared once in the background (preparing → queued, or not_prepared for good); sent by one
# worker at a time (queued/retrying/failed → sending), answered once; a batch not answered yet may
# be queued again by hand (``retry``).
SUBMISSION_MOVES = Transitions.of(
    SubmissionState,
    {
        SubmissionState.PREPARING: {SubmissionState.QUEUED, SubmissionState.NOT_PREPARED},
        SubmissionState.NOT_PREPARED: set(),
        SubmissionState.QUEUED: {SubmissionState.QUEUED, SubmissionState.SENDING},
        SubmissionState.SENDING: {SubmissionState.RETRYING, SubmissionState.FAILED, *ANSWERED},
        SubmissionState.RETRYING: {SubmissionState.QUEUED, SubmissionState.SENDING},
        SubmissionState.FAILED: {SubmissionState.QUEUED, SubmissionState.SENDING},
        SubmissionState.ACCEPTED: set(),
        SubmissionState.PARTIAL: set(),
        SubmissionState.REJECTED: set(),
    },
    code="submission_state",
)


class Submission(models.Model):
    """One signed batch sent (or to send) to the Ministry's store."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="submissions")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SubmissionKind.choices)
    mapping_version = models.CharField(max_length=40)
    batch_id = models.CharField(_("batch identifier"), max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=SubmissionState.choices, default=SubmissionState.QUEUED)
    # preparation in the background (actions.request_batch → tasks.prepare_submission_task): steps
    # done of total (one per row mapped, then building, sealing, storing), the refusal code if it
    # could not be prepared, and the key of the request that asked for it (a resubmitted form
    # finds its batch instead of preparing a second one)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    request_key = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("prepared at"))
    body_name = models.CharField(max_length=200)
    body_sha256 = models.CharField(_("SHA-256 of the batch"), max_length=64)
    seal_fingerprint = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    school_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # [{"at", "status", "detail"}] one per attempt to reach the store, oldest first
    attempt_log = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    receipt = models.CharField(max_length=64, blank=True)
    errors = models.JSONField(default=list, blank=True)  # the store's batch-level refusals
    accepted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("submission to the Ministry")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "request_key"],
                condition=~Q(request_key=""),
                name="ministry_submission_request_once",
            ),
            models.UniqueConstraint(
                fields=["department", "school_year"],
                condition=Q(state="preparing"),
                name="ministry_one_batch_preparing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.school_year} {self.batch_id}"

    @property
    def answered(self) -> bool:
        return self.state in ANSWERED


class RowOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the answer")
    ACCEPTED = "accepted", _("Accepted")
    UNCHANGED = "unchanged", _("Already held, unchanged")
    REJECTED = "rejected", _("Rejected")


HELD = (RowOutcome.ACCEPTED, RowOutcome.UNCHANGED)


class SubmissionRow(models.Model):
    """One record version in a batch and the store's answer for it (codes only: no child's data)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="rows")
    ref = models.CharField(max_length=16)
    version = models.ForeignKey(RecordVersion, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    record_public_id = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    row_sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices, default=RowOutcome.PENDING)
    code = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["submission", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "version"], name="ministry_row_once_per_batch"),
            models.UniqueConstraint(fields=["submission", "ref"], name="ministry_row_ref_unique"),
        ]
        indexes = [models.Index(fields=["version", "outcome"], name="ministry_row_held")]

    def __str__(self) -> str:
        return f"{self.ref} {self.record_public_id} v{self.number}: {self.outcome}"
