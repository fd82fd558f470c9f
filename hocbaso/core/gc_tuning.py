"""Garbage-collector settings for the long-running processes (web workers, task workers, the CLI).

Verifying or signing a record makes pyHanko build hundreds of thousands of short-lived objects;
with CPython's default thresholds (700, 10, 10) the collector runs hundreds of times per file and
rescans every object alive since start-up (modules, settings, URL patterns). Measured on an issued
record (``core.examine`` offline, this VM): median 352 ms by default, 256 ms after ``gc.freeze()``,
223 ms with the first-generation threshold at 20,000 as well. Reference cycles are still collected,
only in fewer, larger passes.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 20_000


def tune() -> None:
    """Freeze what is alive now (call after start-up) and collect young objects less often. Idempotent."""
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
