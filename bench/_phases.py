"""CPU time per phase of signing, for ``bench_signing.py --breakdown`` (a benchmark aid, never imported by the app).

:class:`PhaseClock` wraps functions of the signing path so that the process CPU time
(``time.process_time``) spent inside each is added to a named phase. Time is *exclusive*: a phase
nested in another (a timestamp token inside a PAdES signature, the ledger inside the commit) is
counted in the inner phase only, so the phases add up to the whole. Only the wrapping is done
here; what runs is the unchanged code.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class PhaseClock:
    def __init__(self) -> None:
        self.totals: defaultdict[str, float] = defaultdict(float)
        self.calls: defaultdict[str, int] = defaultdict(int)
        self._stack: list[str] = []
        self._mark = time.process_time()
        self._undo: list[Callable[[], None]] = []

    def _switch(self) -> None:
        now = time.process_time()
        if self._stack:
            self.totals[self._stack[-1]] += now - self._mark
        self._mark = now

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._switch()
        self._stack.append(name)
        self.calls[name] += 1
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def wrap(self, owner: Any, attribute: str, name: str | Callable[..., str]) -> None:
        """Replace ``owner.attribute`` (a function or method; sync or async) by a timed one, until :meth:`undo`."""
        original = owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
        function = original.__func__ if isinstance(original, (staticmethod, classmethod)) else original
        label = name if callable(name) else (lambda *a, **k: name)

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                with self.phase(label(*args, **kwargs)):
                    return await function(*args, **kwargs)

        else:

            @functools.wraps(function)
            def timed(*args: Any, **kwargs: Any) -> Any:
                with self.phase(label(*args, **kwargs)):
                    return function(*args, **kwargs)

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()

    def report(self, records: int, order: list[str]) -> None:
        total = sum(self.totals.values())
        names = [n for n in order if n in self.totals] + sorted(set(self.totals) - set(order))
        print(f"CPU per record by phase ({records} records, exclusive time, time.process_time):")
        for name in names:
            ms = self.totals[name] * 1000 / records
            share = 100 * self.totals[name] / total if total else 0.0
            print(f"  {name:<40s} {ms:8.1f} ms  {share:5.1f} %   ({self.calls[name] / records:.1f} calls a record)")
        print(f"  {'total':<40s} {total * 1000 / records:8.1f} ms")


def instrument(clock: PhaseClock) -> list[str]:
    """Wrap the signing path's phases; returns the phase names in reporting order."""
    from pyhanko.sign.timestamps.api import TimeStamper

    from hocbaso.signing import batches, issuance, pades, stamp, xades

    clock.wrap(pades, "sign_pdf", lambda *a, field_name="?", **k: f"PAdES signature: {field_name}")
    clock.wrap(stamp._InMemoryFontFactory, "create_font_engine", "  stamp font (parse)")
    clock.wrap(TimeStamper, "async_timestamp", "timestamp tokens (all)")
    clock.wrap(TimeStamper, "async_dummy_response", "timestamp tokens (all)")
    clock.wrap(xades, "sign_xml", "XAdES signature (x3)")
    clock.wrap(pades, "make_ltv", "B-LT: read + write (make_ltv)")
    clock.wrap(pades, "_collect_paths", "B-LT: validation paths")
    clock.wrap(pades, "_supply_dss", "B-LT: DSS")
    clock.wrap(pades, "_document_timestamp", "archive timestamp (B-LTA)")
    clock.wrap(batches, "paper_text", "paper seal")
    clock.wrap(batches, "commit_signature", "commit (storage, DB, audit)")
    clock.wrap(issuance, "on_issued", "ledger")
    clock.wrap(batches, "sign_item", "batch item (DB reads, rest)")
    return [
        "PAdES signature: homeroom",
        "PAdES signature: principal",
        "PAdES signature: school",
        "  stamp font (parse)",
        "timestamp tokens (all)",
        "XAdES signature (x3)",
        "B-LT: read + write (make_ltv)",
        "B-LT: validation paths",
        "B-LT: DSS",
        "archive timestamp (B-LTA)",
        "paper seal",
        "commit (storage, DB, audit)",
        "ledger",
        "batch item (DB reads, rest)",
        "batch (set-up, outside items)",
    ]
