"""``hocbaso demo-otp``: print the demo accounts' second-factor code (demo mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hocbaso.demo.second_factor import DEMO_KEY_BASE32, current_codes


class Command(BaseCommand):
    help = "Print the current six-digit code of the demo accounts' authenticator key (demo mode only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Only in demo mode (HOCBASO_DEMO=1): production keys are never known.")
        now, following = current_codes()
        self.stdout.write(f"{now}  (next: {following}; demo key {DEMO_KEY_BASE32})")
