"""Transparency log figures: appends per second and proofs per second for a 100k-entry log.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_ledger.py [--entries 100000]``.
Uses a temporary SQLite database and log key (a fresh HOCBASO_VAR_DIR), migrated here.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def rate(label: str, count: int, work: Callable[[], T]) -> T:
    """Run ``work`` once, print ``count`` per second, return what it returned."""
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {count / elapsed:>12,.0f} /s   ({count:,} in {elapsed:.2f} s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="hocbaso-bench-ledger-")
    os.environ["HOCBASO_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HOCBASO_LEDGER_KEY_FILE", None)
    os.environ.setdefault("HOCBASO_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from hocbaso.ledger import actions, merkle

    call_command("migrate", verbosity=0, skip_checks=True)
    n, proofs = args.entries, args.proofs
    rng = random.Random(1)
    print(f"Ledger benchmark: {n:,} entries, SQLite in {var_dir}")

    # In memory (merkle.py alone).
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(n)]
    tree = rate("memory: build tree (leaves added)", n, lambda: merkle.MemoryTree(leaves))
    root = merkle.root(tree, n)
    indexes = [rng.randrange(n) for _ in range(proofs * 10)]
    paths = rate(
        "memory: inclusion proofs, size n", len(indexes), lambda: [merkle.inclusion_proof(i, n, tree) for i in indexes]
    )
    rate(
        "memory: inclusion verifications",
        len(indexes),
        lambda: [merkle.verify_inclusion(leaves[i], i, n, p, root) for i, p in zip(indexes, paths, strict=True)],
    )
    firsts = [rng.randrange(1, n) for _ in range(proofs * 10)]
    rate(
        "memory: consistency proofs m < n", len(firsts), lambda: [merkle.consistency_proof(m, n, tree) for m in firsts]
    )

    # Through the database (actions.py).
    def digest(i: int) -> str:
        return hashlib.sha256(i.to_bytes(8, "big")).hexdigest()

    single = 1_000
    rate(
        "db: append() one entry per transaction (+ audit row)",
        single,
        lambda: [
            actions.append(
                by=None, record_id=f"r{i}", version=1, xml_sha256=digest(i), pdf_sha256=digest(i), event="signed"
            )
            for i in range(single)
        ],
    )
    batch = 5_000

    def fill() -> None:
        done = single
        while done < n:
            count = min(batch, n - done)
            items = [actions.EntryData(f"r{i}", 1, digest(i), digest(i), "signed") for i in range(done, done + count)]
            actions.append_many(by=None, items=items)
            done += count

    rate(f"db: append_many() in batches of {batch:,}", n - single, fill)
    rate("db: publish_tree_head() (root + Ed25519 signature)", 1, actions.publish_tree_head)
    db_indexes = [rng.randrange(n) for _ in range(proofs)]
    checked = rate(
        "db: inclusion_for(index, n) incl. root",
        proofs,
        lambda: [actions.inclusion_for(i, n).verify() for i in db_indexes],
    )
    assert all(checked)
    db_firsts = [rng.randrange(1, n) for _ in range(proofs)]
    rate("db: consistency(m, n) incl. both roots", proofs, lambda: [actions.consistency(m, n) for m in db_firsts])
    from hocbaso.ledger.models import LedgerNode

    print(f"db: stored interior subtrees: {LedgerNode.objects.count():,} for {n:,} leaves")
    connections.close_all()
    shutil.rmtree(var_dir)


if __name__ == "__main__":
    main()
