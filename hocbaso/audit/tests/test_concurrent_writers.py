"""Writers appending while the chain is verified: the check never raises a false alarm.

Each thread has its own database connection (Django's are per thread), so the writers really
contend for the chain head row and commit while the verifier reads. The test database is a file
on SQLite too (WAL, IMMEDIATE transactions), so the same test runs on both backends.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hocbaso.audit import actions
from hocbaso.audit.chain import ChainBreak, verify_chain
from hocbaso.audit.models import AuditEvent

WRITERS = 4
EVENTS_PER_WRITER = 60
SEEDED = 400  # a chain long enough that reading it overlaps with the writers' commits


def _write(worker: int, errors: list[BaseException]) -> None:
    try:
        for n in range(EVENTS_PER_WRITER):
            actions.record(by=None, action="test.concurrent", object_type="t", object_id=f"{worker}-{n}")
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)
    finally:
        connection.close()


def _verify_until(done: threading.Event, runs: list[tuple[int, list[ChainBreak]]], errors: list[BaseException]) -> None:
    try:
        while not done.is_set():
            runs.append(verify_chain(batch_size=100))
        runs.append(verify_chain(batch_size=100))
    except BaseException as exc:
        errors.append(exc)
    finally:
        connection.close()


# Only these apps' tables are flushed afterwards: a full flush would also empty what data migrations
# wrote (the curriculum) for the tests that follow in the same process.
@pytest.mark.django_db(transaction=True, available_apps=["hocbaso.audit"])
def test_verifying_while_writers_append_finds_no_break() -> None:
    for n in range(SEEDED):
        actions.record(by=None, action="test.seed", object_type="t", object_id=n)
    errors: list[BaseException] = []
    runs: list[tuple[int, list[ChainBreak]]] = []
    done = threading.Event()
    writers = [threading.Thread(target=_write, args=(w, errors)) for w in range(WRITERS)]
    verifier = threading.Thread(target=_verify_until, args=(done, runs, errors))
    verifier.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    verifier.join()

    assert errors == []
    assert len(runs) >= 2
    assert [breaks for _checked, breaks in runs if breaks] == []
    total = SEEDED + WRITERS * EVENTS_PER_WRITER
    assert runs[-1] == (total, [])
    assert AuditEvent.objects.count() == total
