"""Audit events: who did what, when, old → new; each event carries the hash of the one before.

Rows are only ever inserted (by ``actions.record``); ``save`` refuses updates and ``delete``
is refused, so the chain can be checked end to end with ``hocbaso audit-verify``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    IMPORT = "import", _("Spreadsheet import")
    TASK = "task", _("Background task")


class AuditEvent(models.Model):
    """One recorded fact. ``hash`` = SHA-256 over ``prev_hash`` and this event's canonical content."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, in a JSON-stable form."""
        return {
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "school_id": self.school_id,
            "channel": self.channel,
            "changes": self.changes,
        }

    def compute_hash(self) -> str:
        """SHA-256 hex of prev_hash + canonical JSON of ``content()``."""
        body = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256((self.prev_hash + body).encode("utf-8")).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class ChainHead(models.Model):
    """A single row locked while appending, so concurrent writers chain one after another.

    ``size`` events exist and the last one's hash is ``last_hash``; both change in the
    transaction that inserts the event, so a reader sees them together with it. An anchor is a
    copy of (``size``, ``last_hash``) kept outside this table (``hocbaso.ledger.anchors``).
    """

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.size} {self.last_hash}"
