"""``hocbaso restore FILE [--with-keys --passphrase-file FILE]``: check a backup completely — every
file's SHA-256 against its manifest, the keys' passphrase, then ``migrate``, ``audit-verify`` and
``records rehash`` on a staged copy — and only then replace the live database and stored files
(``hocbaso/core/backup.py``). A damaged or altered backup is refused with the reason, and nothing
live is touched. Stop the web server and the workers first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.core import backup
from hocbaso.core.management.passphrase import add_key_arguments, read_passphrase


class Command(BaseCommand):
    help = "Check a backup completely, then replace the live database and stored files with it."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", type=Path, help="the backup file (hocbaso backup --out)")
        add_key_arguments(parser, with_keys="also restore the private keys it holds")
        defaults = backup.Limits()
        parser.add_argument(
            "--max-files",
            type=int,
            default=defaults.files,
            help=f"refuse a backup of more files (default {defaults.files:,})",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=defaults.bytes,
            help=f"refuse a backup of more bytes (default {defaults.bytes:,})",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        with_keys: bool,
        passphrase_file: Path | None,
        max_files: int,
        max_bytes: int,
        **options: Any,
    ) -> None:
        passphrase = read_passphrase(passphrase_file, confirm=False) if with_keys else None
        started = time.monotonic()
        limits = backup.Limits(files=max_files, bytes=max_bytes)
        try:
            notes = backup.restore(
                file, passphrase=passphrase, with_keys=with_keys, progress=self.stdout.write, limits=limits
            )
        except backup.BackupError as exc:
            raise CommandError(f"Backup refused, nothing was changed: {exc}") from None
        for note in notes:
            self.stdout.write(note)
        self.stdout.write(f"Restored from {file} in {time.monotonic() - started:.1f} s.")
