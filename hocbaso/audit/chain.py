"""Checking the audit chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from hocbaso.audit.models import GENESIS_HASH, AuditEvent, ChainHead


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops holding and why."""

    event_id: int
    reason: str


def verify_chain(batch_size: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Recompute every hash in order; returns (events checked, breaks found)."""
    previous = GENESIS_HASH
    checked = 0
    breaks: list[ChainBreak] = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        checked += 1
        if event.prev_hash != previous:
            breaks.append(ChainBreak(event.id, "prev_hash does not match the previous event's hash"))
        if event.compute_hash() != event.hash:
            breaks.append(ChainBreak(event.id, "content does not match its hash"))
        previous = event.hash
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        breaks.append(ChainBreak(0, "chain head does not point at the last event"))
    return checked, breaks
