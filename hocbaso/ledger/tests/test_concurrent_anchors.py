"""Anchoring and publishing while writers append to both logs, and the whole trail verified meanwhile.

Writers follow the signing commit's order (an audit event, then a ledger entry, in one
transaction); another thread anchors and publishes tree heads, which lock the audit head before
the log's. Each thread has its own connection. No deadlock, no error, and no false alarm from
``verify_audit_trail`` at any moment — on PostgreSQL and on SQLite (the test database is a file).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from hocbaso.audit import actions as audit
from hocbaso.ledger import actions, anchors
from hocbaso.ledger.models import AUDIT_ANCHOR, LedgerEntry

WRITERS = 3
ROUNDS = 15


def _thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


# Only these apps' tables are flushed afterwards: a full flush would also empty what data migrations
# wrote (the curriculum) for the tests that follow in the same process.
@pytest.mark.django_db(transaction=True, available_apps=["hocbaso.audit", "hocbaso.ledger"])
def test_anchoring_while_both_logs_grow_never_deadlocks_nor_raises_a_false_alarm() -> None:
    for n in range(100):
        audit.record(by=None, action="test.seed", object_type="t", object_id=n)
    actions.anchor_audit_chain(by=None)
    errors: list[BaseException] = []
    reports: list[anchors.TrailReport] = []
    done = threading.Event()

    def writer(worker: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(ROUNDS):
                digest = hashlib.sha256(f"{worker}-{n}".encode()).hexdigest()
                with transaction.atomic():  # as issuance.commit_signature: audit first, then the log
                    audit.record(by=None, action="test.sign", object_type="t", object_id=f"{worker}-{n}")
                    actions.append(
                        by=None,
                        record_id=f"w{worker}-{n}",
                        version=1,
                        xml_sha256=digest,
                        pdf_sha256=digest,
                        event="issued",
                    )

        return work

    def anchorer() -> None:
        while not done.wait(0.02):
            actions.anchor_audit_chain(by=None)
            actions.publish_tree_head()

    def verifier() -> None:
        while not done.wait(0.02):
            reports.append(anchors.verify_audit_trail(batch_size=100))

    writers = [_thread(writer(w), errors) for w in range(WRITERS)]
    others = [_thread(anchorer, errors), _thread(verifier, errors)]
    for thread in [*others, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in others:
        thread.join()

    assert errors == []
    assert reports
    assert [r.breaks for r in reports if r.breaks] == []
    final = anchors.verify_audit_trail()
    assert final.intact
    assert LedgerEntry.objects.filter(payload__event=AUDIT_ANCHOR).count() == len(final.anchors) >= 2
    assert LedgerEntry.objects.exclude(payload__event=AUDIT_ANCHOR).count() == WRITERS * ROUNDS
