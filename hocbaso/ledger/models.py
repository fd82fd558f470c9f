"""The transparency log's tables: entries (leaves), stored complete subtrees, signed tree heads.

Everything but the ``LedgerHead`` lock row is append-only: ``save`` refuses updates, ``delete``
and queryset ``update``/``delete`` are refused. Rows are written only by ``actions.py``.
Entries hold hashes and identifiers only — never personal data — because they are public.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

APPEND_ONLY = "The transparency log is append-only."


class Event(models.TextChoices):
    """What happened to a record version that the log attests."""

    SIGNED = "signed", _("Signed")
    ISSUED = "issued", _("Issued")
    CORRECTED = "corrected", _("Corrected")
    REVOKED = "revoked", _("Revoked")
    ARCHIVE_RENEWED = "archive_renewed", _("Archive timestamp renewed")


# The ``event`` of a leaf attesting the audit chain's head (``anchors.py``), not a record event.
AUDIT_ANCHOR = "audit_anchor"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ValueError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(APPEND_ONLY)


class AppendOnly(models.Model):
    """Inserted once, never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(APPEND_ONLY)


def canonical_json(payload: dict[str, Any]) -> bytes:
    """The leaf data of an entry: UTF-8 JSON, keys sorted, no whitespace.

    Payload values are strings and integers only, so the encoding survives a database
    round trip (PostgreSQL ``jsonb`` reorders keys; sorting makes that irrelevant).
    """
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class LedgerEntry(AppendOnly):
    """One leaf: ``leaf_hash`` = RFC 9162 leaf hash of ``canonical_json(payload)``.

    ``payload`` keys: ``record_id``, ``version``, ``event``, ``xml_sha256``, ``pdf_sha256``
    (hex or null) and ``time`` (UTC, ISO 8601 with milliseconds); for an audit anchor
    (``event`` = ``AUDIT_ANCHOR``): ``event``, ``audit_size``, ``audit_hash`` and ``time``.
    """

    index = models.PositiveBigIntegerField(unique=True)
    leaf_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["leaf_hash"])]

    def __str__(self) -> str:
        return f"#{self.index} {self.payload.get('event', '')} {self.payload.get('record_id', '')}"

    def leaf_input(self) -> bytes:
        """The bytes whose leaf hash is ``leaf_hash``."""
        return canonical_json(self.payload)


class LedgerNode(AppendOnly):
    """A complete subtree ``(level >= 1, index)``: its leaves never change, so its hash is kept.

    Level 0 is ``LedgerEntry.leaf_hash``. With these, proofs read O(log n) rows.
    """

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_node_unique_position"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="ledger_node_level_above_leaves"),
        ]

    def __str__(self) -> str:
        return f"({self.level}, {self.index})"


class LedgerHead(models.Model):
    """The single row locked while appending; ``size`` = number of entries so far."""

    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.size)


class TreeHead(AppendOnly):
    """A signed statement of the tree's size and root at a time; one per size.

    ``signature`` (hex) is the Ed25519 signature by key ``key_id`` over
    ``merkle.tree_head_signing_input(size, root_hash, timestamp_ms)``.
    """

    size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp_ms = models.PositiveBigIntegerField()
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"size {self.size} root {self.root_hash[:12]}…"

    @property
    def timestamp(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp_ms / 1000, tz=dt.UTC)

    def as_dict(self) -> dict[str, Any]:
        """The public JSON form."""
        return {
            "tree_size": self.size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp_ms,
            "signature": self.signature,
            "signature_algorithm": "Ed25519",
            "signed_data": "rfc9162-tree-head-data-v2",
            "key_id": self.key_id,
        }
