"""The passphrase of a backup's private keys: from a file, the environment, or asked at the terminal."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

ENV = "HOCBASO_BACKUP_PASSPHRASE"


def read_passphrase(path: Path | None, *, confirm: bool) -> str:
    """The first line of ``path``, else ``HOCBASO_BACKUP_PASSPHRASE``, else typed twice (``confirm``)."""
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise CommandError(f"--passphrase-file {path}: {exc}") from None
    if os.environ.get(ENV):
        return os.environ[ENV]
    if not sys.stdin.isatty():
        raise CommandError(f"The private keys need a passphrase: --passphrase-file FILE or {ENV}.")
    typed = getpass.getpass("Passphrase of the private keys: ")
    if confirm and getpass.getpass("Again: ") != typed:
        raise CommandError("The two passphrases differ.")
    return typed


def add_key_arguments(parser: CommandParser, *, with_keys: str) -> None:
    """``--with-keys`` (its help: ``with_keys``) and ``--passphrase-file``."""
    parser.add_argument("--with-keys", action="store_true", help=with_keys)
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        help=f"file whose first line is the passphrase (else {ENV}, else asked)",
    )
