"""The answer to a code lookup, kept in the shared cache until anything it depends on changes (ADR 0018).

A code lookup's answer (the report, and the page fragment or API body made from it) depends on:

- the version row of the code — status, status reason, the signed files' hashes (a signature, an
  archive renewal), its successor's code: every writer changes these columns in the transaction
  that changes the status or the files (``transition_to`` stamps ``status_changed_at`` too);
- the transparency log's size (a new head is published on the next uncached lookup when it grew);
- the deployment's trust (``TrustStore.fingerprint()``: roots, CRLs, log key, revocation mode)
  and whether it is the demo trust;
- the signers' appointments: only an appointment ended after the fact can change an answer (one
  recorded later proves nothing), and ``directory.actions.end_appointment`` bumps
  :data:`hocbaso.core.stamps.APPOINTMENTS` on commit;
- the language of the page.

The key is a digest of all of them but the appointments. The first three are read by **one** SQL
statement from the same database the answer is then computed from (the replica when configured), so
a key is never newer than the answer stored under it: the first lookup after a revocation commits
misses and computes the revoked answer. The appointments stamp, read **before** the answer is
computed, is stored inside it, and an answer is served only while the stamp is still the current one
(ADR 0020): the answer and the stamp come back in one ``get_many`` round trip. Stored answers
expire after :data:`ANSWER_TTL` (shorter when a check could not run) whatever happens, which bounds
a change made past the actions (an operator's SQL).

Unknown codes and versions not issued yet are never cached: their answers are cheap and a
lagging replica may give them wrongly (``reads`` asks the primary again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connections, router
from django.utils import translation

from hocbaso.core import stamps
from hocbaso.core.replica import reads_from_replica
from hocbaso.ledger.models import LedgerHead
from hocbaso.records.models import RecordVersion, Status
from hocbaso.verification import core, reads, registry

ANSWER_TTL = 60  # seconds an answer is reused at most (its key changes at once with what it depends on)
UNSURE_ANSWER_TTL = 30  # …when a check could not run (as ``registry.UNSURE_FINDINGS_TTL``)
_NOT_CACHED = frozenset({Status.DRAFT, Status.FROZEN})


@dataclass(frozen=True)
class Answer:
    """What a lookup returns and logs: the outcome, its reason, the code, and the rendered ``body``
    (the page's fragment or the API's JSON), made once per key."""

    outcome: str
    reason: str
    issuance_code: str
    body: Any
    appointments: str = ""  # the appointments stamp current when the answer was computed


def _stamp_sql(vendor_quote: Callable[[str], str]) -> str:
    q = vendor_quote
    versions, head = q(RecordVersion._meta.db_table), q(LedgerHead._meta.db_table)
    return (
        f"SELECT v.{q('status')}, v.{q('status_reason')}, v.{q('status_changed_at')}, v.{q('signed_pdf_sha256')}, "  # noqa: S608 (quoted names; the code is a parameter)
        f"v.{q('signed_xml_sha256')}, v.{q('signed_pdf_name')}, "
        f"(SELECT s.{q('issuance_code')} FROM {versions} s WHERE s.{q('supersedes_id')} = v.{q('id')}), "
        f"(SELECT h.{q('size')} FROM {head} h WHERE h.{q('id')} = 1) "
        f"FROM {versions} v WHERE v.{q('issuance_code')} = %s"
    )


_sql: dict[str, str] = {}


def registry_stamp(code: str) -> tuple[Any, ...] | None:
    """The columns of ``code``'s version an answer depends on, its successor's code and the log's
    size, in one statement (read where the answer will be read: the replica when configured);
    None when the code is unknown there."""
    alias = router.db_for_read(RecordVersion)
    connection = connections[alias]
    sql = _sql.get(connection.vendor)
    if sql is None:
        sql = _sql[connection.vendor] = _stamp_sql(connection.ops.quote_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def answer_key(code: str, stamp: tuple[Any, ...], *, kind: str) -> str:
    """The cache key of ``code``'s answer of ``kind`` ("page", "api") for ``stamp`` and everything
    else the answer depends on (trust, demo, language) but the appointments, which the answer
    carries (:func:`current`)."""
    trust = registry.trust_store()
    parts = (stamp, trust.fingerprint(), trust.demo, translation.get_language())
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"verification:answer:{kind}:{code}:{digest}"


def key_of(code: str, *, kind: str) -> str | None:
    """The key of ``code``'s answer (one statement, on the replica when configured); None when the
    answer is never cached (an unknown code, a version not issued yet)."""
    with reads_from_replica():
        stamp = registry_stamp(code)
    if stamp is None or stamp[0] in _NOT_CACHED or not stamp[5]:
        return None
    return answer_key(code, stamp, kind=kind)


def current(key: str) -> tuple[Answer | None, str]:
    """The answer stored under ``key`` when it was computed under the current appointments stamp
    (else None), and that stamp: one cache round trip for both."""
    found = cache.get_many([key, stamps.APPOINTMENTS])
    appointments = stamps.current(stamps.APPOINTMENTS, found)
    answer = found.get(key)
    if isinstance(answer, Answer) and answer.appointments == appointments:
        return answer, appointments
    return None, appointments


def cached(code: str, *, kind: str) -> Answer | None:
    """``code``'s answer of ``kind`` when the cache holds a current one; nothing is computed."""
    key = key_of(code, kind=kind)
    return current(key)[0] if key is not None else None


def answer_ttl(report: core.Report) -> int:
    unsure = any(check.status == "not_checked" for check in report.checks)
    return UNSURE_ANSWER_TTL if unsure else ANSWER_TTL


def lookup(code: str, *, kind: str, make: Callable[[core.Report], Any]) -> tuple[Answer, bool]:
    """The answer for ``code`` (canonical form), from the shared cache or computed by
    ``reads.verify_code`` and ``make(report)``; and whether it came from the cache."""
    key = key_of(code, kind=kind)
    if key is None:
        return _answer(reads.verify_code(code), make, ""), False
    found, appointments = current(key)  # the stamp is read before the answer is computed
    if found is not None:
        return found, True
    report = reads.verify_code(code)
    answer = _answer(report, make, appointments)
    cache.set(key, answer, answer_ttl(report))
    return answer, False


def _answer(report: core.Report, make: Callable[[core.Report], Any], appointments: str) -> Answer:
    code = report.document.issuance_code if report.document and report.document.issuance_code else ""
    return Answer(report.outcome, report.reason, code, make(report), appointments)
