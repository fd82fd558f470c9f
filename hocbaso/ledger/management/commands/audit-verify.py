"""``hocbaso audit-verify``: check the audit trail's hash chain against every anchor; exit 1 if broken.

It lives in the ledger app because the anchors are ledger entries (the audit app sits below it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hocbaso.ledger.anchors import verify_audit_trail


class Command(BaseCommand):
    help = "Check that the audit trail's hash chain is intact and agrees with every anchor in the transparency log."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_audit_trail()
        for found in report.breaks:
            where = f"event {found.event_id}: " if found.event_id else ""
            self.stderr.write(f"{where}{found.reason}")
        if not report.intact:
            raise CommandError(f"Audit chain broken: {len(report.breaks)} problem(s) in {report.checked} events.")
        if report.anchors:
            last = report.anchors[-1]
            self.stdout.write(
                f"Audit chain intact: {report.checked} events, agreeing with {len(report.anchors)} anchor(s); "
                f"the last (ledger entry {last.index}, {last.payload['time']}) covers {last.payload['audit_size']}."
            )
        else:
            self.stdout.write(f"Audit chain intact: {report.checked} events.")
            self.stderr.write("No anchor yet: run “hocbaso audit-anchor” (and schedule it daily).")
