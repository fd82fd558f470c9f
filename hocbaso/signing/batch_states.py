"""The states of signing batches, their items and phone-app approvals, and the one way to move them.

Transition tables (``from → allowed targets``) instead of bare ``.update(state=…)``:

- :data:`BATCH_TRANSITIONS`: ``queued`` → ``running`` (a worker starts) → ``finished`` (nothing
  pending), ``awaiting`` (a phone-app batch prepared: approvals wait) or ``failed`` (refused before
  signing, or its worker was lost); ``running`` again from ``running`` (another shard or a second
  worker), from ``awaiting`` (the pending items prepared again) and from ``failed`` (resumed with
  the key in hand); back to ``queued`` from ``queued``, ``running`` or ``failed`` when resumed
  (``recovery``); ``finished`` from ``failed`` when another shard signs the last item.
  ``finished`` is final.
- :data:`APPROVAL_TRANSITIONS`: ``waiting`` → ``signed`` | ``refused``; both final.
- Items (:func:`finish_item`): an open item (``pending``, ``awaiting``) gets its outcome once.

:func:`move_batch` is a conditional update (the row moves only from a state allowed to reach the
target, plus any extra condition such as the state and heartbeat read before — a compare and set),
so a late worker never reopens a finished batch. It returns how many rows moved.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.core.errors import Conflict
from hocbaso.signing.models import ItemOutcome, RemoteApproval, SigningBatch, SigningBatchItem

State = SigningBatch.State
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    State.QUEUED: frozenset({State.QUEUED, State.RUNNING, State.FAILED}),
    State.RUNNING: frozenset({State.RUNNING, State.AWAITING, State.FINISHED, State.FAILED, State.QUEUED}),
    State.AWAITING: frozenset({State.RUNNING, State.AWAITING, State.FINISHED, State.FAILED}),
    State.FAILED: frozenset({State.RUNNING, State.QUEUED, State.FAILED, State.FINISHED}),
    State.FINISHED: frozenset(),
}
APPROVAL_TRANSITIONS: dict[str, frozenset[str]] = {
    RemoteApproval.State.WAITING: frozenset({RemoteApproval.State.SIGNED, RemoteApproval.State.REFUSED}),
    RemoteApproval.State.SIGNED: frozenset(),
    RemoteApproval.State.REFUSED: frozenset(),
}
OPEN_OUTCOMES = (ItemOutcome.PENDING, ItemOutcome.AWAITING)


def sources_of(table: dict[str, frozenset[str]], target: str) -> list[str]:
    """The states that may move to ``target``."""
    return [state for state, targets in table.items() if target in targets]


def move_batch(
    batch_id: int, to: str, *, not_from: Collection[str] = (), where: dict[str, Any] | None = None, **fields: Any
) -> int:
    """Move batch ``batch_id`` to state ``to`` with ``fields`` if its state allows it (and is not in
    ``not_from``, and ``where`` holds); returns 1 when it moved, 0 when not."""
    allowed = [state for state in sources_of(BATCH_TRANSITIONS, to) if state not in not_from]
    rows = SigningBatch.objects.filter(pk=batch_id, state__in=allowed, **(where or {}))
    return rows.update(state=to, **fields)


def move_approval(approval: RemoteApproval, to: str, **fields: Any) -> None:
    """Give ``approval`` its answer ``to`` (saved with ``fields``); ``approval_answered`` when its
    state does not allow it (already signed or refused)."""
    if to not in APPROVAL_TRANSITIONS[approval.state]:
        raise Conflict(_("This signature was already answered."), code="approval_answered")
    approval.state = to
    for name, value in fields.items():
        setattr(approval, name, value)
    approval.save(update_fields=["state", *fields])


def finish_item(item: SigningBatchItem, outcome: str, code: str = "", message: str = "") -> bool:
    """Give a still open (pending or awaiting) item its outcome, count it and move the batch's heartbeat.

    Returns False and writes nothing when the item was already finished, e.g. by a second worker
    running the same batch after a resumption: an outcome is never overwritten nor counted twice.
    """
    now = clock.now()
    updated = SigningBatchItem.objects.filter(pk=item.pk, outcome__in=OPEN_OUTCOMES).update(
        outcome=outcome, code=code, message=message, finished_at=now
    )
    if not updated:
        item.refresh_from_db()
        return False
    item.outcome, item.code, item.message, item.finished_at = outcome, code, message, now
    SigningBatch.objects.filter(pk=item.batch_id).update(done=F("done") + 1, heartbeat_at=now)
    return True
