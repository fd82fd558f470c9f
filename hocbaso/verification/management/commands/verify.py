"""``manage.py verify FILE [--trust BUNDLE] [--packet FILE | --offline] [--tree-head FILE] [--paper TEXT] [--json]``.

The verifier's command (see ``hocbaso/verification/cli.py``). ``hocbaso verify`` runs it without
loading the project's settings (``hocbaso/cli.py``); through ``manage.py`` the settings are
loaded, and without ``--trust`` this deployment's trust bundle is used.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.verification import cli


class Command(BaseCommand):
    help = "Verify a record file offline; exit 0 valid, 1 invalid, 2 cannot determine."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="*")

    def run_from_argv(self, argv: list[str]) -> None:
        # argparse of the offline verifier owns the options; Django's parser would reject them.
        status = self.verify(argv[2:])
        sys.stdout.flush()
        raise SystemExit(status)

    def verify(self, argv: list[str]) -> int:
        from hocbaso.verification import registry
        from hocbaso.verification.trust import load_bundle

        cli.quiet()
        return cli.run(argv, out=sys.stdout, default_trust=lambda: load_bundle(registry.bundle_bytes()))

    def handle(self, *args: Any, **options: Any) -> None:
        status = self.verify(list(args))
        if status:
            raise SystemExit(status)
