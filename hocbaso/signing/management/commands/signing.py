"""``hocbaso signing renew-archive [--within-days N] [--dry-run]``: extend issued records' archive timestamps.
``hocbaso signing expire-approvals``: close phone-app approvals nobody answered before they expired.
``hocbaso signing sweep-batches [--stale-minutes N]``: resume or fail batches whose worker died
(no heartbeat for N minutes, default 10) and delete expired batch secrets; run it every few minutes.

An issued PDF ends with a document timestamp (PAdES B-LTA). Before that timestamp's TSA
certificate expires, a new document timestamp must cover the file (with validation data for the
previous one). This renews every issued version whose last archive timestamp's TSA certificate
expires within ``N`` days (default 365), stores the new PDF and audits the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.models import Channel
from hocbaso.signing import actions
from hocbaso.signing.recovery import STALE_AFTER


class Command(BaseCommand):
    help = "Signing maintenance: renew-archive, expire-approvals, sweep-batches."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        renew = sub.add_parser("renew-archive", help="add a new archive timestamp before the last one expires")
        renew.add_argument("--within-days", type=int, default=365)
        renew.add_argument("--dry-run", action="store_true")
        sub.add_parser("expire-approvals", help="close phone-app approvals past their expiry")
        sweep = sub.add_parser("sweep-batches", help="resume or fail batches whose worker died")
        sweep.add_argument("--stale-minutes", type=int, default=int(STALE_AFTER.total_seconds() // 60))

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        getattr(self, "_" + operation.replace("-", "_"))(**options)

    def _renew_archive(self, *, within_days: int, dry_run: bool, **_options: Any) -> None:
        summary = actions.renew_archives(within_days=within_days, dry_run=dry_run)
        for code, reason in summary.failed:
            self.stderr.write(f"{code}: {reason}")
        verb = "would renew" if dry_run else "renewed"
        self.stdout.write(
            f"{summary.checked} issued versions checked, {verb} {summary.renewed}, {len(summary.failed)} failed."
        )

    def _expire_approvals(self, **_options: Any) -> None:
        self.stdout.write(f"{actions.expire_approvals()} waiting approvals expired.")

    def _sweep_batches(self, *, stale_minutes: int, **_options: Any) -> None:
        if stale_minutes < 1:
            raise CommandError("--stale-minutes must be at least 1.")
        summary = actions.sweep_batches(by=None, stale_after=dt.timedelta(minutes=stale_minutes), channel=Channel.CLI)
        self.stdout.write(
            f"{summary.resumed} batches resumed, {summary.failed} stopped (the signer continues them), "
            f"{summary.secrets_deleted} secrets deleted."
        )
