"""Shared set-up for benchmarks: a fresh HOCBASO_VAR_DIR with a migrated SQLite database
(or the PostgreSQL of DATABASE_URL when BENCH_KEEP_DATABASE_URL=1), Django ready."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def setup(name: str) -> str:
    var_dir = tempfile.mkdtemp(prefix=f"hocbaso-bench-{name}-")
    os.environ["HOCBASO_VAR_DIR"] = var_dir
    if os.environ.get("BENCH_KEEP_DATABASE_URL") != "1":
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("HOCBASO_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    return var_dir


def timed(label: str, work: Callable[[], object], *, repeat: int = 5, unit: str = "ms") -> float:
    """Run ``work`` ``repeat`` times and print the median (and the spread)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    scale = 1000 if unit == "ms" else 1
    spread = f"(min {min(samples) * scale:.1f}, max {max(samples) * scale:.1f}, n={repeat})"
    print(f"{label:<64} median {median * scale:8.1f} {unit}   {spread}")
    return median
