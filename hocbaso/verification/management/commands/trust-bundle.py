"""``hocbaso trust-bundle [--out FILE] [--tree-head FILE]``: write this deployment's trust bundle
(and optionally its latest signed tree head) for offline verifiers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.verification import registry


class Command(BaseCommand):
    help = "Write the trust bundle (roots, CRLs, log key, school seals) for offline verification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="-", help="file to write, or - for standard output")
        parser.add_argument("--tree-head", dest="tree_head", help="also write the latest signed tree head here")

    def handle(self, *args: Any, **options: Any) -> None:
        data = registry.bundle_bytes()
        if options["out"] == "-":
            sys.stdout.write(data.decode("utf-8") + "\n")
        else:
            Path(options["out"]).write_bytes(data)
        if options["tree_head"]:
            head = registry.tree_head_json()
            Path(options["tree_head"]).write_text(json.dumps(head or {}), encoding="utf-8")
