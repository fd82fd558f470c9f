"""``hocbaso signing renew-archive [--within-days N] [--dry-run]``: extend issued records' archive timestamps.
``hocbaso signing expire-approvals``: close phone-app approvals nobody answered before they expired.

An issued PDF ends with a document timestamp (PAdES B-LTA). Before that timestamp's TSA
certificate expires, a new document timestamp must cover the file (with validation data for the
previous one). This renews every issued version whose last archive timestamp's TSA certificate
expires within ``N`` days (default 365), stores the new PDF and audits the change.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.signing import actions


class Command(BaseCommand):
    help = "Signing maintenance: renew-archive, expire-approvals."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        renew = sub.add_parser("renew-archive", help="add a new archive timestamp before the last one expires")
        renew.add_argument("--within-days", type=int, default=365)
        renew.add_argument("--dry-run", action="store_true")
        sub.add_parser("expire-approvals", help="close phone-app approvals past their expiry")

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
