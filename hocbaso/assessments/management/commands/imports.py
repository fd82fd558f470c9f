"""``hocbaso imports expire [--hours N]``: delete previewed spreadsheet uploads nobody applied.

An upload is kept between its preview and its confirmation; applying it deletes it. Run this
daily (cron or a systemd timer, or enqueue ``assessments.tasks.expire_import_uploads``) so an
abandoned one does not stay: by default those older than 24 hours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.assessments import actions, importing


class Command(BaseCommand):
    help = "Spreadsheet import maintenance: expire."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        expire = sub.add_parser("expire", help="delete previewed uploads nobody applied")
        expire.add_argument("--hours", type=int, default=int(importing.KEEP_UPLOADS.total_seconds() // 3600))

    def handle(self, *args: Any, operation: str, hours: int, **options: Any) -> None:
        deleted = actions.expire_uploads(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"{deleted} abandoned import uploads deleted.")
