"""Checking the audit chain end to end, and against anchors kept outside the audit tables.

The hash chain alone shows that no event was changed *unless the hashes after it were recomputed
too*: someone with write access to the database can do that, or delete the newest events and
move the head back. An **anchor** — the chain's size and last hash at a moment, copied into the
transparency log (``hocbaso.ledger.anchors``) — closes both holes: a rewritten event changes the
hash at every anchored position after it, and removed events leave fewer events than an anchor
counted.

Reads need no snapshot isolation (SQLite runs IMMEDIATE transactions, which would block writers
for the whole check): the anchors are read first, then the head, then the events. Anchors and
the head only ever move forward, and an event commits together with the head that counts it, so
every event the head (or an anchor) counts is already committed when the events are read; events
appended meanwhile are simply checked as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hocbaso.audit.models import GENESIS_HASH, AuditEvent, ChainHead


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops holding and why (``event_id`` 0: not about one event)."""

    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainState:
    """The chain's length and its last event's hash (``GENESIS_HASH`` when empty)."""

    size: int
    last_hash: str


@dataclass(frozen=True)
class Anchor:
    """A chain state recorded elsewhere at some time; ``source`` says where (for messages)."""

    size: int
    last_hash: str
    source: str


def head_state() -> ChainState:
    """The committed chain head (size 0 and ``GENESIS_HASH`` before the first event)."""
    head = ChainHead.objects.filter(pk=1).values_list("size", "last_hash").first()
    return ChainState(*head) if head is not None else ChainState(0, GENESIS_HASH)


def verify_chain(anchors: Sequence[Anchor] = (), batch_size: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Recompute every hash in order; returns (events checked, breaks found).

    Breaks: an event whose content or link does not match; a head that does not point at the
    event at its position; events missing below the head's size; an anchor whose hash differs
    from the event at its position (a rewrite) or whose size exceeds the events found (a
    truncation). Read ``anchors`` *before* calling (see the module docstring).
    """
    head = head_state()
    by_size: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_size.setdefault(anchor.size, []).append(anchor)
    previous = GENESIS_HASH
    checked = 0
    breaks: list[ChainBreak] = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        checked += 1
        if event.prev_hash != previous:
            breaks.append(ChainBreak(event.id, "prev_hash does not match the previous event's hash"))
        if event.compute_hash() != event.hash:
            breaks.append(ChainBreak(event.id, "content does not match its hash"))
        if checked == head.size and event.hash != head.last_hash:
            breaks.append(ChainBreak(event.id, f"chain head does not point at event number {checked}"))
        for anchor in by_size.get(checked, ()):
            if anchor.last_hash != event.hash:
                breaks.append(
                    ChainBreak(
                        event.id, f"event number {checked} differs from {anchor.source}: the chain was rewritten"
                    )
                )
        previous = event.hash
    if checked < head.size:
        breaks.append(ChainBreak(0, f"the chain head counts {head.size} events, only {checked} were found"))
    for anchor in anchors:
        if anchor.size > checked:
            breaks.append(
                ChainBreak(
                    0, f"{anchor.source} counted {anchor.size} events, only {checked} remain: events were removed"
                )
            )
    return checked, breaks
