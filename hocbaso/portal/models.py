"""Family access and share links.

- ``GuardianAccess``: one printed access letter for one guardian of one child. It starts
  *pending* (a one-time activation code, stored only as a keyed hash), becomes *active* when a
  guardian activates it with the code and the child's date of birth (it then names the guardian's
  login), and may be *revoked* by the school at any time. Several guardians per child: one access
  each. A pending letter expires on ``expires_on``.
- ``ShareLink``: a link a guardian makes for chosen school years of the child, valid until
  ``expires_at``, optionally guarded by a PIN (a password hash), revocable at once. Only a SHA-256
  of its token is stored; the token is shown once.
- ``ShareOpening``: every opening of a share link (when, and the name the visitor gave).

Writes go through ``portal/actions.py``; nothing here is ever deleted (revocation is a date).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.core.transitions import Transitions
from hocbaso.directory.models import SchoolYear, Student


class GuardianAccess(models.Model):
    """One guardian's access to one child (see the module docstring for its life)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Letter not yet used")
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="guardian_accesses")
    code_hash = models.CharField(max_length=64, unique=True)
    code_hint = models.CharField(max_length=4, help_text="The code's last four characters, to tell letters apart.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_on = models.DateField(help_text="A letter not activated by this date no longer works.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="guardian_accesses"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["student", "issued_at"]
        constraints = [
            models.CheckConstraint(
                name="guardian_access_shape",
                condition=Q(state="pending", user__isnull=True, activated_at__isnull=True, revoked_at__isnull=True)
                | Q(state="active", user__isnull=False, activated_at__isnull=False, revoked_at__isnull=True)
                | Q(state="revoked", revoked_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["student", "user"], condition=Q(state="active"), name="one_active_access_per_guardian_child"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · …{self.code_hint} ({self.state})"

    def usable_on(self, day: object = None) -> bool:
        """A pending letter whose expiry has not passed."""
        return self.state == self.State.PENDING and (day or clock.today()) <= self.expires_on  # type: ignore[operator]


# A letter is used once (pending → active) or withdrawn; an access is revoked for good.
ACCESS_MOVES = Transitions.of(
    GuardianAccess.State,
    {
        GuardianAccess.State.PENDING: {GuardianAccess.State.ACTIVE, GuardianAccess.State.REVOKED},
        GuardianAccess.State.ACTIVE: {GuardianAccess.State.REVOKED},
        GuardianAccess.State.REVOKED: set(),
    },
    code="access_revoked",
    message=_("This access is already revoked."),
)


class ShareLink(models.Model):
    """A guardian's link to chosen years of a child's record (see the module docstring)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="share_links")
    school_years = models.ManyToManyField(SchoolYear, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("for whom"), max_length=150, blank=True)
    pin_hash = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="share_expires_after_made"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="share_revocation_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.label or self.pk}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    def state_at(self, moment: object = None) -> str:
        """``revoked``, ``expired`` or ``active`` at ``moment`` (now by default)."""
        if self.revoked_at is not None:
            return "revoked"
        if (moment or clock.now()) >= self.expires_at:  # type: ignore[operator]
            return "expired"
        return "active"


class ShareOpening(models.Model):
    """One opening of a share link: when, and who the visitor said they were. No address is kept."""

    link = models.ForeignKey(ShareLink, on_delete=models.PROTECT, related_name="openings")
    at = models.DateTimeField()
    viewer = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.link_id} {self.at:%Y-%m-%d %H:%M} {self.viewer}"
