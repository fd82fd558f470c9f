"""Writing to the audit trail. Callers pass ``by=`` (a user or None for the system)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from hocbaso.audit.models import GENESIS_HASH, AuditEvent, ChainHead, Channel
from hocbaso.core import clock


def jsonable(value: Any) -> Any:
    """A value as it is stored in ``changes``: dates ISO, model instances by primary key."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs (missing counts as None)."""
    changed: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = jsonable(old.get(key)), jsonable(new.get(key))
        if before != after:
            changed[key] = [before, after]
    return changed


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Concrete field values of ``instance`` (foreign keys by id), for ``diff``."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: jsonable(getattr(instance, name)) for name in names}


def locked_head() -> ChainHead:
    """The chain head row, locked until the caller's transaction ends (call inside ``atomic``).

    Every writer of the chain takes this lock first; code that also locks another append-only
    log in the same transaction (the transparency log) takes this one before it, so two
    transactions never wait on each other in opposite orders.
    """
    head, _created = ChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH, "size": 0}
    )
    return head


def record(
    *,
    by: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    school_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    channel: str = Channel.WEB,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    The chain head row is locked first, so two writers never chain onto the same previous hash,
    and it moves on (``size`` + 1, ``last_hash``) in the same transaction as the event.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        head = locked_head()
        actor = by if getattr(by, "is_authenticated", False) else None
        event = AuditEvent(
            at=clock.now(),
            actor=actor,
            actor_label=actor.get_username() if actor else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            school_id=school_id,
            channel=channel,
            changes=jsonable(dict(changes or {})),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_hash = event.hash
        head.size += 1
        head.save(update_fields=["last_hash", "size"])
    return event
