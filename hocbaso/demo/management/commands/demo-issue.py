"""``hocbaso demo-issue``: freeze and sign the demo's 2024-2025 records (safe to run again)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hocbaso.demo import issuing


class Command(BaseCommand):
    help = "Freeze and issue (three signatures) the demo province's 2024-2025 records."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("demo-issue runs only in demo mode (HOCBASO_DEMO=1).")
        started = time.monotonic()
        result = issuing.issue(say=self.stdout.write)
        from hocbaso.demo import transfers

        transfers.make(issuing.digital_schools(), say=self.stdout.write)
        from hocbaso.demo import digitising

        digitising.load(say=self.stdout.write)  # An Vĩnh's two digitised paper books
        self.stdout.write(
            f"Demo records {issuing.YEAR}: {result.frozen} frozen, {result.issued} issued "
            f"of {result.students} students, in {time.monotonic() - started:.0f} s."
        )
