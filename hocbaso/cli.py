"""The `hocbaso` operators' command: Django's management commands with the project's settings.

Examples: ``hocbaso migrate``, ``hocbaso demo-data --seed 1``, ``hocbaso audit-verify``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run a management command; the exit code is the command's."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from hocbaso.core import gc_tuning

    gc_tuning.tune()  # workers and batch commands (verify, assemble, demo-issue) allocate heavily

    execute_from_command_line(["hocbaso", *(argv if argv is not None else sys.argv[1:])])
    return 0
