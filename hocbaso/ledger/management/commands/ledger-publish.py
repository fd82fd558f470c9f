"""``hocbaso ledger-publish``: sign and publish the log's current tree head.

With ``--enqueue`` the work goes to the task backend (``hocbaso.ledger.tasks.publish``) instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.audit.models import Channel
from hocbaso.ledger import actions, tasks


class Command(BaseCommand):
    help = "Publish a signed tree head of the transparency log (no-op if nothing was appended)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Hand the work to the task backend.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = tasks.publish.enqueue()
            self.stdout.write(f"Enqueued task {result.id} ({result.status}).")
            return
        tree_head = actions.publish_tree_head(by=None, channel=Channel.CLI)
        self.stdout.write(
            f"Tree head: size {tree_head.size}, root {tree_head.root_hash}, timestamp {tree_head.timestamp_ms}"
        )
