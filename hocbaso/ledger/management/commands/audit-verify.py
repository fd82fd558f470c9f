"""``hocbaso audit-verify [--tree-head FILE …]``: check the audit trail's hash chain against every
anchor; exit 1 if broken. Each ``--tree-head`` is a head saved from ``/ledger/tree-head`` outside
the database (by a monitor, the Sở, an auditor): the log must still hold exactly what it signed,
which shows a log rolled back together with its stored heads.

It lives in the ledger app because the anchors are ledger entries (the audit app sits below it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.ledger.anchors import KnownHead, verify_audit_trail


class Command(BaseCommand):
    help = "Check that the audit trail's hash chain is intact and agrees with every anchor in the transparency log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tree-head",
            action="append",
            default=[],
            metavar="FILE",
            help="a signed tree head (JSON from /ledger/tree-head) kept outside the database; repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = []
        for name in options["tree_head"]:
            try:
                known.append(KnownHead.from_json(json.loads(Path(name).read_text(encoding="utf-8")), name))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{name}: {exc}") from None
        report = verify_audit_trail(known)
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
