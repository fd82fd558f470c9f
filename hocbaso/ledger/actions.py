"""Writing to and proving from the transparency log. The only code that writes ledger rows.

``append``/``append_many`` add leaves under a lock on the ``LedgerHead`` row (so concurrent
writers take consecutive indexes on PostgreSQL; SQLite's IMMEDIATE transactions serialise them
anyway), store the complete subtrees each leaf closes, and audit in the same transaction.
Proofs and roots read only the O(log n) stored subtrees they need, in at most two queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Protocol, TypeVar

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import NotFound, ValidationFailed
from hocbaso.ledger import keys, merkle
from hocbaso.ledger.models import AUDIT_ANCHOR, Event, LedgerEntry, LedgerHead, LedgerNode, TreeHead, canonical_json

T = TypeVar("T")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class LedgerInvalidEntry(ValidationFailed):
    """An entry to append breaks a rule; nothing was written."""

    code = "ledger_invalid_entry"


class LedgerOutOfRange(ValidationFailed):
    """A requested index or tree size is outside what the log holds."""

    code = "ledger_out_of_range"


class LedgerNotFound(NotFound):
    """No entry or tree head with that number."""

    code = "ledger_not_found"


class LedgerCorrupt(RuntimeError):
    """Stored subtrees are missing: the database was altered outside ``actions.py``."""


@dataclass(frozen=True)
class EntryData:
    """What one leaf attests: hashes and identifiers only, never personal data."""

    record_id: str
    version: int
    xml_sha256: str | None
    pdf_sha256: str | None
    event: str

    def cleaned(self) -> EntryData:
        """This entry normalised, or ``LedgerInvalidEntry`` naming the field.

        ``record_id`` is a non-empty identifier (≤ 64 characters, e.g. a record's public UUID);
        ``version`` ≥ 1; ``event`` one of ``Event``; the hashes lowercase SHA-256 hex, each
        required except for ``revoked`` (which attests no new file).
        """
        record_id = str(self.record_id).strip()
        if not record_id or len(record_id) > 64:
            raise LedgerInvalidEntry(_("A record identifier of 1 to 64 characters is required."), field="record_id")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise LedgerInvalidEntry(_("The version must be a whole number from 1."), field="version")
        if self.event not in Event.values:
            raise LedgerInvalidEntry(_("Unknown ledger event."), field="event")
        hashes: dict[str, str | None] = {}
        for name in ("xml_sha256", "pdf_sha256"):
            value = getattr(self, name)
            value = value.lower() if isinstance(value, str) else value
            if value is None and self.event == Event.REVOKED:
                hashes[name] = None
            elif not isinstance(value, str) or not SHA256_HEX.fullmatch(value):
                raise LedgerInvalidEntry(_("A SHA-256 digest in hexadecimal is required."), field=name)
            else:
                hashes[name] = value
        return EntryData(record_id, self.version, hashes["xml_sha256"], hashes["pdf_sha256"], str(self.event))

    def payload(self, time: str) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "version": self.version,
            "event": self.event,
            "xml_sha256": self.xml_sha256,
            "pdf_sha256": self.pdf_sha256,
            "time": time,
        }


class Attestation(Protocol):
    """What a leaf can attest: a record version's files (``EntryData``) or the audit chain's
    head (``AuditAnchorData``). ``cleaned`` validates; ``payload`` is the leaf's data."""

    def cleaned(self) -> Attestation: ...

    def payload(self, time: str) -> dict[str, Any]: ...


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fetch_nodes(wanted: Sequence[merkle.Key]) -> dict[merkle.Key, bytes]:
    """The stored complete subtrees at ``wanted`` positions (two queries at most)."""
    found: dict[merkle.Key, bytes] = {}
    leaves = [index for level, index in wanted if level == 0]
    if leaves:
        for index, value in LedgerEntry.objects.filter(index__in=leaves).values_list("index", "leaf_hash"):
            found[(0, index)] = bytes.fromhex(value)
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in wanted:
        if level:
            by_level[level].append(index)
    if by_level:
        query = reduce(or_, (Q(level=level, index__in=indexes) for level, indexes in by_level.items()))
        for level, index, value in LedgerNode.objects.filter(query).values_list("level", "index", "hash"):
            found[(level, index)] = bytes.fromhex(value)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise LedgerCorrupt(f"stored subtrees missing: {missing[:5]}")
    return found


def _from_storage(compute: Callable[[merkle.NodeFn], T]) -> T:
    """Run a merkle computation over stored subtrees, fetching what it reads in one go."""
    nodes = _fetch_nodes(merkle.required_nodes(compute))
    return compute(lambda level, index: nodes[(level, index)])


def log_size() -> int:
    """Number of entries appended so far (committed)."""
    return LedgerHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def append_many(*, by: User | None, items: Sequence[Attestation], channel: str = Channel.WEB) -> list[LedgerEntry]:
    """Append ``items`` in order as consecutive leaves, atomically, with one audit event.

    Validates everything before writing; raises ``LedgerInvalidEntry`` (nothing written).
    All entries of one call share the same ``time``. The audit chain's head is locked before the
    log's (``audit.locked_head``), the order every transaction that writes both follows.
    """
    cleaned = [item.cleaned() for item in items]
    if not cleaned:
        return []
    with transaction.atomic():
        audit.locked_head()
        head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        frontier = merkle.Frontier(head.size, _fetch_nodes(merkle.frontier_keys(head.size)))
        now = clock.now()
        time = _utc_iso(now)
        entries: list[LedgerEntry] = []
        nodes: list[LedgerNode] = []
        for item in cleaned:
            payload = item.payload(time)
            closed = frontier.append(merkle.leaf_hash(canonical_json(payload)))
            _level, index, leaf = closed[0]
            entries.append(LedgerEntry(index=index, leaf_hash=leaf.hex(), payload=payload, created_at=now))
            nodes.extend(LedgerNode(level=lv, index=position, hash=value.hex()) for lv, position, value in closed[1:])
        LedgerEntry.objects.bulk_create(entries, batch_size=500)
        LedgerNode.objects.bulk_create(nodes, batch_size=500)
        head.size = frontier.size
        head.save(update_fields=["size"])
        first = entries[0]
        audit.record(
            by=by,
            action="ledger.append",
            object_type="ledger.ledgerentry",
            object_id=first.index,
            changes={
                "first_index": first.index,
                "count": len(entries),
                "entries": [[e.index, *(e.payload.get(k) for k in ("record_id", "version", "event"))] for e in entries],
            },
            channel=channel,
        )
    return entries


def append(
    *,
    by: User | None,
    record_id: str,
    version: int,
    xml_sha256: str | None,
    pdf_sha256: str | None,
    event: str,
    channel: str = Channel.WEB,
) -> LedgerEntry:
    """Append one leaf attesting ``event`` for a record version's files; see ``append_many``."""
    item = EntryData(record_id=record_id, version=version, xml_sha256=xml_sha256, pdf_sha256=pdf_sha256, event=event)
    return append_many(by=by, items=[item], channel=channel)[0]


def tree_root(size: int) -> bytes:
    """MTH of the first ``size`` entries (``LedgerOutOfRange`` beyond the log)."""
    if not 0 <= size <= log_size():
        raise LedgerOutOfRange(_("The log does not have that many entries."), field="size")
    return _from_storage(lambda node: merkle.root(node, size))


def publish_tree_head(*, by: User | None = None, channel: str = Channel.TASK) -> TreeHead:
    """Sign and store the head of the whole log; returns the existing head if nothing was appended.

    Timestamps strictly increase from one head to the next. Audited when a head is new.
    """
    with transaction.atomic():
        audit.locked_head()  # before the log's head, as in append_many
        head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        latest = TreeHead.objects.order_by("-size").first()
        if latest is not None and latest.size == head.size:
            return latest
        frontier = merkle.Frontier(head.size, _fetch_nodes(merkle.frontier_keys(head.size)))
        root_hash = frontier.root()
        timestamp_ms = int(clock.now().timestamp() * 1000)
        if latest is not None:
            timestamp_ms = max(timestamp_ms, latest.timestamp_ms + 1)
        signature = keys.sign(merkle.tree_head_signing_input(head.size, root_hash, timestamp_ms))
        tree_head = TreeHead.objects.create(
            size=head.size,
            root_hash=root_hash.hex(),
            timestamp_ms=timestamp_ms,
            signature=signature.hex(),
            key_id=keys.key_id(),
        )
        audit.record(
            by=by,
            action="ledger.publish",
            obj=tree_head,
            changes={"size": tree_head.size, "root_hash": tree_head.root_hash, "timestamp_ms": timestamp_ms},
            channel=channel,
        )
    return tree_head


@dataclass(frozen=True)
class InclusionProof:
    """Entry ``index`` is leaf ``leaf_hash`` of the tree of ``tree_size`` whose root is ``root_hash``."""

    index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    path: list[bytes]

    def verify(self) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.index, self.tree_size, self.path, self.root_hash)

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaf_index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "root_hash": self.root_hash.hex(),
            "inclusion_path": [p.hex() for p in self.path],
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of ``first`` entries (root ``first_root``) is a prefix of that of ``second``."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: list[bytes]

    def verify(self) -> bool:
        return merkle.verify_consistency(self.first, self.second, self.first_root, self.second_root, self.path)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "first_root_hash": self.first_root.hex(),
            "second_root_hash": self.second_root.hex(),
            "consistency_path": [p.hex() for p in self.path],
        }


def entry_at(index: int) -> LedgerEntry:
    """The entry at ``index`` or ``LedgerNotFound``."""
    entry = LedgerEntry.objects.filter(index=index).first()
    if entry is None:
        raise LedgerNotFound(_("No ledger entry has that index."), field="index")
    return entry


def entries_for_record(record_id: str) -> QuerySet[LedgerEntry]:
    """Every entry about a record, oldest first."""
    return LedgerEntry.objects.filter(payload__record_id=str(record_id)).order_by("index")


def inclusion_for(entry_or_index: LedgerEntry | int, tree_size: int) -> InclusionProof:
    """Proof that the entry is in the tree of ``tree_size`` entries.

    Raises ``LedgerNotFound`` for an unknown index, ``LedgerOutOfRange`` unless
    ``index < tree_size <= log size``.
    """
    entry = entry_or_index if isinstance(entry_or_index, LedgerEntry) else entry_at(entry_or_index)
    if not entry.index < tree_size <= log_size():
        raise LedgerOutOfRange(_("The tree size must be above the index and within the log."), field="size")

    def compute(node: merkle.NodeFn) -> tuple[list[bytes], bytes]:
        return merkle.inclusion_proof(entry.index, tree_size, node), merkle.root(node, tree_size)

    path, root_hash = _from_storage(compute)
    return InclusionProof(entry.index, tree_size, bytes.fromhex(entry.leaf_hash), root_hash, path)


def consistency(first: int, second: int) -> ConsistencyProof:
    """Proof that the log's first ``first`` entries are a prefix of its first ``second``.

    Raises ``LedgerOutOfRange`` unless ``1 <= first <= second <= log size``.
    """
    if first < 1:
        raise LedgerOutOfRange(_("The first tree size must be at least 1."), field="first")
    if not first <= second <= log_size():
        raise LedgerOutOfRange(_("The second tree size must be at least the first and within the log."), field="second")

    def compute(node: merkle.NodeFn) -> tuple[list[bytes], bytes, bytes]:
        return (
            merkle.consistency_proof(first, second, node),
            merkle.root(node, first),
            merkle.root(node, second),
        )

    path, first_root, second_root = _from_storage(compute)
    return ConsistencyProof(first, second, first_root, second_root, path)


def latest_tree_head() -> TreeHead:
    """The most recent signed tree head or ``LedgerNotFound``."""
    tree_head = TreeHead.objects.order_by("-size").first()
    if tree_head is None:
        raise LedgerNotFound(_("No tree head has been published yet."))
    return tree_head


def tree_head_of(size: int) -> TreeHead:
    """The signed tree head for ``size`` entries or ``LedgerNotFound``."""
    tree_head = TreeHead.objects.filter(size=size).first()
    if tree_head is None:
        raise LedgerNotFound(_("No tree head was published for that size."), field="size")
    return tree_head


@dataclass(frozen=True)
class AuditAnchorData:
    """The audit chain's state to attest: ``size`` events, the last with hash ``last_hash``."""

    size: int
    last_hash: str

    def cleaned(self) -> AuditAnchorData:
        """This anchor, or ``LedgerInvalidEntry``: a size ≥ 1 and a lowercase SHA-256 hex hash."""
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise LedgerInvalidEntry(_("An audit anchor needs at least one event."), field="audit_size")
        if not isinstance(self.last_hash, str) or not SHA256_HEX.fullmatch(self.last_hash):
            raise LedgerInvalidEntry(_("A SHA-256 digest in hexadecimal is required."), field="audit_hash")
        return self

    def payload(self, time: str) -> dict[str, Any]:
        return {"event": AUDIT_ANCHOR, "audit_size": self.size, "audit_hash": self.last_hash, "time": time}


@dataclass(frozen=True)
class Anchored:
    """What one anchoring wrote: the ledger entry and the signed tree head that covers it."""

    entry: LedgerEntry
    tree_head: TreeHead


def anchor_audit_chain(*, by: User | None = None, channel: str = Channel.TASK) -> Anchored | None:
    """Append the audit chain's current head to the log and publish a signed tree head covering it.

    One transaction: the audit head is locked first (no event slips in between reading it and
    anchoring it), then the entry and the head are written, each with its audit event (those
    two events come after the anchored position). None when the chain is still empty.
    """
    with transaction.atomic():
        head = audit.locked_head()
        if head.size == 0:
            return None
        (entry,) = append_many(by=by, items=[AuditAnchorData(head.size, head.last_hash)], channel=channel)
        tree_head = publish_tree_head(by=by, channel=channel)
    return Anchored(entry, tree_head)
