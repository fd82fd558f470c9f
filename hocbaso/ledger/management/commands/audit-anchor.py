"""``hocbaso audit-anchor``: append the audit chain's head to the transparency log, under a new signed tree head.

With ``--enqueue`` the work goes to the task backend (``hocbaso.ledger.tasks.anchor_audit``);
schedule that task (or this command) at least daily.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.audit.models import Channel
from hocbaso.ledger import actions, tasks


class Command(BaseCommand):
    help = "Anchor the audit chain (its size and last hash) in the transparency log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Hand the work to the task backend.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = tasks.anchor_audit.enqueue()
            self.stdout.write(f"Enqueued task {result.id} ({result.status}).")
            return
        anchored = actions.anchor_audit_chain(by=None, channel=Channel.CLI)
        if anchored is None:
            self.stdout.write("The audit chain is empty: nothing to anchor.")
            return
        payload = anchored.entry.payload
        self.stdout.write(
            f"Anchored {payload['audit_size']} audit events (last hash {payload['audit_hash']}) "
            f"as ledger entry {anchored.entry.index}; tree head size {anchored.tree_head.size}."
        )
