"""Background work of the log (``django.tasks`` interface): schedule ``publish`` periodically and
``anchor_audit`` at least daily."""

from __future__ import annotations

from django_tasks import task

from hocbaso.audit.models import Channel
from hocbaso.ledger import actions


@task()
def publish() -> dict[str, int | str]:
    """Publish a signed tree head if entries were appended since the last one."""
    tree_head = actions.publish_tree_head(by=None, channel=Channel.TASK)
    return {"tree_size": tree_head.size, "root_hash": tree_head.root_hash}


@task()
def anchor_audit() -> dict[str, int | str]:
    """Scheduled daily (cron or a systemd timer): anchor the audit chain's head in the log."""
    anchored = actions.anchor_audit_chain(by=None, channel=Channel.TASK)
    if anchored is None:
        return {"audit_size": 0}
    return {"audit_size": anchored.entry.payload["audit_size"], "ledger_index": anchored.entry.index}
