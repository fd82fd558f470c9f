"""Audit trail figures: events appended per second, and ``audit-verify`` (chain + anchors + the
signed log recomputed from its entries) for a trail of N events with a daily anchor.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_audit.py [--events 20000] [--anchors 30]``.
Uses a temporary SQLite database and log key (``_django.setup``).
"""

from __future__ import annotations

import argparse
import shutil
import time

from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--anchors", type=int, default=30, help="anchors spread over the trail (30 ≈ a month)")
    args = parser.parse_args()
    var_dir = setup("audit")
    from django.db import connections, transaction

    from hocbaso.audit import actions as audit
    from hocbaso.ledger import actions, anchors

    per_anchor = max(1, args.events // args.anchors)
    print(f"Audit benchmark: {args.events:,} events, an anchor every {per_anchor:,}, SQLite in {var_dir}")
    started = time.perf_counter()
    written = 0
    while written < args.events:
        with transaction.atomic():  # a batch of writers' events per transaction, as a busy day would chain them
            for n in range(min(per_anchor, args.events - written)):
                audit.record(by=None, action="bench.event", object_type="t", object_id=written + n, changes={"n": n})
        written += min(per_anchor, args.events - written)
        actions.anchor_audit_chain(by=None)
    elapsed = time.perf_counter() - started
    print(f"{'record() + an anchor per block':<64} {args.events / elapsed:>10,.0f} events/s ({elapsed:.1f} s)")
    timed("anchor_audit_chain() (entry + signed tree head)", lambda: actions.anchor_audit_chain(by=None), repeat=5)
    report = anchors.verify_audit_trail()
    assert report.intact, report.breaks
    seconds = timed("verify_audit_trail() whole trail", anchors.verify_audit_trail, repeat=3, unit="s")
    label = "  = events checked per second"
    print(f"{label:<64} {report.checked / seconds:>10,.0f} /s ({len(report.anchors)} anchors)")
    connections.close_all()
    shutil.rmtree(var_dir)


if __name__ == "__main__":
    main()
