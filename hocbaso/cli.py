"""The `hocbaso` operators' command: Django's management commands with the project's settings.

Examples: ``hocbaso migrate``, ``hocbaso demo-data --seed 1``, ``hocbaso audit-verify``.
``hocbaso verify …`` is the verifier's command (``hocbaso.verification.cli``): it starts without
the project's settings, so it runs without the secret key, a database or demo mode; only without
``--trust`` does it load the deployment's settings to use this deployment's trust bundle.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _deployment_bundle() -> Any:
    """This deployment's trust bundle, read through its settings (``hocbaso verify`` without ``--trust``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    from hocbaso.verification.trust import BundleInvalid, load_bundle

    try:
        django.setup()
        from hocbaso.verification import registry

        return load_bundle(registry.bundle_bytes())
    except BundleInvalid:
        raise
    except Exception as exc:  # no settings, no secret key, no database: say what to give instead
        raise BundleInvalid(f"--trust BUNDLE ({type(exc).__name__})") from None


def main(argv: list[str] | None = None) -> int:
    """Run a management command; the exit code is the command's."""
    args = list(argv if argv is not None else sys.argv[1:])
    from hocbaso.core import gc_tuning

    gc_tuning.tune()  # workers and batch commands (verify, assemble, demo-issue) allocate heavily
    if args[:1] == ["verify"]:
        from hocbaso.verification import cli

        default = None if "--trust" in args or any(a.startswith("--trust=") for a in args) else _deployment_bundle
        return cli.main(args[1:], default_trust=default)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hocbaso", *args])
    return 0
