"""Background work of the log (``django.tasks`` interface; schedule ``publish`` periodically)."""

from __future__ import annotations

from django_tasks import task

from hocbaso.audit.models import Channel
from hocbaso.ledger import actions


@task()
def publish() -> dict[str, int | str]:
    """Publish a signed tree head if entries were appended since the last one."""
    tree_head = actions.publish_tree_head(by=None, channel=Channel.TASK)
    return {"tree_size": tree_head.size, "root_hash": tree_head.root_hash}
