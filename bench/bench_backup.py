"""Backup and restore of the demo database: ``hocbaso backup`` and ``hocbaso restore`` (with every
check: hashes, ``migrate``, ``audit-verify``, ``records rehash``) timed as an operator runs them.

Run: ``.venv/bin/python bench/bench_backup.py [--var DIR] [--assemble SCHOOL]``. Without ``--var`` it
builds the demo province (``hocbaso demo-data --seed 1``, ``hocbaso pki init``, and the 2024-2025
records of school ``--assemble``, default 51000101, frozen with their files) in a temporary SQLite
``HOCBASO_VAR_DIR``; ``--var`` times a copy of an existing demo ``var/`` instead (e.g. one
where ``make demo`` has issued the records). Each step is a separate process, start-up included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOCBASO = str(Path(sys.executable).parent / "hocbaso")


def run(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([HOCBASO, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"hocbaso {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var", type=Path, help="an existing demo VAR_DIR to copy and time")
    parser.add_argument(
        "--assemble", default="51000101", help="school whose 2024-2025 records are assembled ('' = none)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hocbaso-bench-backup-"))
    var = work / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCBASO_") and k != "DATABASE_URL"}
    env.update(HOCBASO_DEMO="1", HOCBASO_VAR_DIR=str(var), HOCBASO_TASKS="immediate")
    try:
        if args.var:
            shutil.copytree(args.var, var, ignore=shutil.ignore_patterns("test-*", "*.log", "static", "restore-*"))
        else:
            var.mkdir()
            steps = [("migrate", "--noinput"), ("demo-data", "--seed", "1"), ("pki", "init")]
            if args.assemble:
                steps.append(("records", "assemble", "--school", args.assemble, "--year", "2024-2025"))
            for step in steps:
                elapsed, _out = run(env, *step)
                print(f"{'setup: hocbaso ' + ' '.join(step):<48} {elapsed:>8.1f} s")
        run(env, "audit-anchor")
        database = var / "hocbaso.sqlite3"
        media = size(var / "media") if (var / "media").exists() else 0
        print(f"demo database {size(database) / 1e6:.1f} MB, stored files {media / 1e6:.1f} MB")
        backup = work / "backup.tar"
        elapsed, _out = run(env, "backup", "--out", str(backup))
        megabytes = backup.stat().st_size / 1e6
        print(f"{'hocbaso backup (process, start-up included)':<48} {elapsed:>8.1f} s  ({megabytes:.1f} MB)")
        passphrase = work / "passphrase"
        passphrase.write_text("bench passphrase, not a secret")
        elapsed, _out = run(
            env, "backup", "--with-keys", "--passphrase-file", str(passphrase), "--out", str(work / "k.tar")
        )
        print(f"{'hocbaso backup --with-keys':<48} {elapsed:>8.1f} s")
        elapsed, _out = run(env, "restore", str(backup))
        print(f"{'hocbaso restore (hashes, migrate, audit-verify, rehash)':<48} {elapsed:>8.1f} s")
        elapsed, _out = run(env, "audit-verify")
        print(f"{'hocbaso audit-verify afterwards':<48} {elapsed:>8.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
