"""The audit chain anchored in the transparency log, and the audit trail checked against its anchors.

An anchor is a leaf of its own kind, ``{"event": "audit_anchor", "audit_size": N, "audit_hash":
H, "time": T}``: the audit chain had N events and the N-th one's hash was H. The anchoring
transaction also publishes a signed tree head, so every anchor is covered by a head signed with
the log key (a file, not a database row) as soon as it exists. Someone able to write the database
can then no longer rewrite an event and recompute the hashes after it (the hash at an anchored
position changes) nor delete the newest events (fewer events than an anchor counted) without
``hocbaso audit-verify`` saying so; removing or editing an anchor breaks the signed tree head.

Anchor at least daily (``tasks.anchor_audit`` from cron or a systemd timer) and on demand
(``hocbaso audit-anchor``). The audit app sits below the ledger, so the anchoring is here and
reads the chain through ``hocbaso.audit.chain`` and ``audit.actions.locked_head``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hocbaso.audit.chain import Anchor, ChainBreak, verify_chain
from hocbaso.ledger import keys, merkle
from hocbaso.ledger.models import AUDIT_ANCHOR, LedgerEntry, TreeHead


def anchor_entries() -> list[LedgerEntry]:
    """Every audit anchor in the log, oldest first."""
    return list(LedgerEntry.objects.filter(payload__event=AUDIT_ANCHOR).order_by("index"))


@dataclass
class TrailReport:
    """The audit trail checked against the log: events checked, anchors used, every break found."""

    checked: int
    anchors: list[LedgerEntry]
    tree_head: TreeHead | None
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class KnownHead:
    """A signed tree head to hold the log to: the latest stored one, or one kept outside
    (``/ledger/tree-head`` saved by a monitor, a Sở, an auditor); ``source`` names it in messages."""

    size: int
    root_hash: str
    timestamp_ms: int
    signature: str
    key_id: str
    source: str

    @classmethod
    def of(cls, tree_head: TreeHead) -> KnownHead:
        return cls(
            tree_head.size,
            tree_head.root_hash,
            tree_head.timestamp_ms,
            tree_head.signature,
            tree_head.key_id,
            f"the stored tree head of size {tree_head.size}",
        )

    @classmethod
    def from_json(cls, data: Any, source: str) -> KnownHead:
        """A head in the JSON form ``/ledger/tree-head`` serves; ``ValueError`` when malformed."""
        try:
            head = cls(
                int(data["tree_size"]),
                str(data["root_hash"]),
                int(data["timestamp"]),
                str(data["signature"]),
                str(data["key_id"]),
                f"{source} (tree size {int(data['tree_size'])})",
            )
            bytes.fromhex(head.root_hash)  # hex, or ValueError
            bytes.fromhex(head.signature)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{source} is not a tree head ({exc})") from None
        return head

    def signed(self) -> bool:
        """Whether the log's key signed this head."""
        return self.key_id == keys.key_id() and merkle.verify_tree_head_signature(
            keys.public_key_pem(),
            self.size,
            bytes.fromhex(self.root_hash),
            self.timestamp_ms,
            bytes.fromhex(self.signature),
        )


def _signed_log_problems(heads: Sequence[KnownHead], batch_size: int) -> list[str]:
    """What is wrong with the log under ``heads`` (nothing: an empty list).

    Each head must verify with the log key, and the entries 0 … size-1 must all be there and hash,
    *from their payloads*, to the root it signs — so no anchor (nor any other entry) under it was
    removed, edited or slipped in, and the log was not rolled back below a head published
    earlier. One pass over the entries (hashing only), whatever the number of heads.
    """
    problems = [f"{head.source} does not verify with the log key" for head in heads if not head.signed()]
    wanted = {head.size for head in heads}
    if not wanted:
        return problems
    roots: dict[int, str] = {}
    frontier = merkle.Frontier(0, {})
    entries = LedgerEntry.objects.filter(index__lt=max(wanted)).order_by("index")
    for entry in entries.iterator(chunk_size=batch_size):
        if entry.index != frontier.size:
            break
        frontier.append(merkle.leaf_hash(entry.leaf_input()))
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root().hex()
    for head in heads:
        if head.size == 0:
            continue
        if head.size not in roots:
            problems.append(f"ledger entry {frontier.size} is missing under {head.source}")
        elif roots[head.size] != head.root_hash:
            problems.append(f"the ledger entries differ from those signed by {head.source}")
    return problems


def _anchor_of(entry: LedgerEntry, tree_head: TreeHead | None) -> tuple[Anchor | None, list[str]]:
    """The anchor an entry states, and what is wrong with it (as reasons)."""
    source = f"the anchor in ledger entry {entry.index}"
    problems = []
    if tree_head is None or entry.index >= tree_head.size:
        problems.append(f"{source} is not covered by a signed tree head")
    size, last_hash = entry.payload.get("audit_size"), entry.payload.get("audit_hash")
    if not isinstance(size, int) or not isinstance(last_hash, str):
        return None, [*problems, f"{source} is unreadable"]
    return Anchor(size, last_hash, source), problems


def verify_audit_trail(known_heads: Sequence[KnownHead] = (), batch_size: int = 2000) -> TrailReport:
    """Check the audit chain (``audit.chain.verify_chain``) against every anchor in the log.

    Also checks the log itself (``_signed_log_problems``) under its latest stored signed tree head
    and under ``known_heads`` kept outside the database, and that every anchor is under the
    stored head. Reads in this order, so writers appending meanwhile cause no false alarm: the
    anchors, then the latest tree head (published in the anchoring transaction, so it covers
    every anchor read), then the chain.
    """
    entries = anchor_entries()
    tree_head = TreeHead.objects.order_by("-size").first()
    heads = [KnownHead.of(tree_head)] if tree_head is not None else []
    reasons = _signed_log_problems([*heads, *known_heads], batch_size)
    anchors: list[Anchor] = []
    for entry in entries:
        anchor, problems = _anchor_of(entry, tree_head)
        reasons.extend(problems)
        if anchor is not None:
            anchors.append(anchor)
    checked, breaks = verify_chain(anchors, batch_size=batch_size)
    return TrailReport(checked, entries, tree_head, [*(ChainBreak(0, r) for r in reasons), *breaks])
