"""``hocbaso audit-verify``: recompute the audit hash chain; exit 1 if it is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hocbaso.audit.chain import verify_chain


class Command(BaseCommand):
    help = "Check that the audit trail's hash chain is intact."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breaks = verify_chain()
        for found in breaks:
            self.stderr.write(f"event {found.event_id}: {found.reason}")
        if breaks:
            raise CommandError(f"Audit chain broken: {len(breaks)} problem(s) in {checked} events.")
        self.stdout.write(f"Audit chain intact: {checked} events.")
