"""``hocbaso backup --out FILE [--with-keys --passphrase-file FILE]``: a consistent snapshot of this
deployment — the database, the stored files, the PKI's public material, a manifest with every
file's SHA-256; the private keys only with ``--with-keys``, encrypted with a passphrase
(``hocbaso/core/backup.py``, docs/operations.md). Exit 1 with a message when it cannot be made.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.core import backup
from hocbaso.core.management.passphrase import add_key_arguments, read_passphrase


class Command(BaseCommand):
    help = (
        "Back up the database, the stored files and the public PKI material (the private keys, encrypted, on request)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="the backup file to write")
        add_key_arguments(parser, with_keys="include the private keys, encrypted")

    def handle(self, *args: Any, out: Path, with_keys: bool, passphrase_file: Path | None, **options: Any) -> None:
        passphrase = read_passphrase(passphrase_file, confirm=True) if with_keys else None
        started = time.monotonic()
        try:
            written = backup.make_backup(out, passphrase=passphrase, progress=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        keys = "with the private keys (encrypted)" if written.keys else "without private keys"
        self.stdout.write(
            f"Backup written to {written.path}: {written.members} members, {written.bytes:,} bytes, {keys}, "
            f"in {time.monotonic() - started:.1f} s."
        )
