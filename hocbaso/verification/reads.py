"""The public verify path's lookups, read from the read replica when one is configured.

Each function is the registry's own (``registry.verify_code`` …) run inside
``core.replica.reads_from_replica()``: the registry's reads go to the replica, its writes (a tree head
it publishes) and locked reads to the primary. An answer that a lagging replica may give wrongly — the
code is unknown there, or its version not issued yet — is asked again of the primary, so a record
signed a second ago verifies at once. The caller logs the verification (a write: on the primary).
"""

from __future__ import annotations

from typing import Any

from hocbaso.core.replica import primary_when
from hocbaso.verification import core, registry

# Reasons a replica that has not yet received the latest writes could give for a valid record.
MAYBE_STALE = frozenset({"code_unknown", "status_not_issued", "not_registered"})


def _stale(report: core.Report) -> bool:
    return report.reason in MAYBE_STALE


def verify_code(code: str) -> core.Report:
    """:func:`registry.verify_code` on the replica (the primary when the replica does not know it)."""
    return primary_when(_stale, lambda: registry.verify_code(code))


def verify_document(document: bytes) -> core.Report:
    """:func:`registry.verify_document` on the replica (the primary when the replica does not know it)."""
    return primary_when(_stale, lambda: registry.verify_document(document))


def verify_paper(text: str) -> core.Report:
    """:func:`registry.verify_paper` on the replica (the primary when the replica does not know it)."""
    return primary_when(_stale, lambda: registry.verify_paper(text))


def packet(code: str, *, since: int | None = None) -> dict[str, Any]:
    """:func:`registry.packet` on the replica (the primary when the replica does not know the code)."""
    return primary_when(lambda signed: not signed["answers"]["found"], lambda: registry.packet(code, since=since))
