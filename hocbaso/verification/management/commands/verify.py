"""``hocbaso verify FILE [--trust BUNDLE] [--tree-head FILE] [--registry FILE] [--paper TEXT] [--json]``.

The offline verifier (see ``hocbaso/verification/cli.py``); touches no database. Without
``--trust`` it uses this deployment's trust settings read from files.
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
        default = None
        if "--trust" not in argv:
            from hocbaso.verification import registry

            default = registry.trust_store()
        return cli.run(argv, out=sys.stdout, default_trust=default)

    def handle(self, *args: Any, **options: Any) -> None:
        status = self.verify(list(args))
        if status:
            raise SystemExit(status)
