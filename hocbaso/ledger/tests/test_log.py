"""Appending, storage of subtrees, signed tree heads and proofs from the database."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from hocbaso.audit.models import AuditEvent
from hocbaso.ledger import actions, keys, merkle, tasks
from hocbaso.ledger.models import LedgerEntry, LedgerNode, TreeHead
from hocbaso.ledger.tests.test_merkle import ref_mth, ref_verify_consistency, ref_verify_inclusion

pytestmark = pytest.mark.django_db


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def item(n: int, event: str = "issued") -> actions.EntryData:
    return actions.EntryData(f"rec-{n}", 1 + n % 3, digest(f"x{n}"), digest(f"p{n}"), event)


def leaf_inputs() -> list[bytes]:
    return [entry.leaf_input() for entry in LedgerEntry.objects.order_by("index")]


def test_log_of_33_entries_proves_every_index_and_every_pair():
    first = actions.append(by=None, **item(0).__dict__)
    assert first.index == 0
    actions.append_many(by=None, items=[item(n) for n in range(1, 20)])
    for n in range(20, 33):
        actions.append(by=None, **item(n).__dict__)
    assert actions.log_size() == 33
    data = leaf_inputs()
    for entry in LedgerEntry.objects.all():
        assert entry.leaf_hash == hashlib.sha256(b"\x00" + entry.leaf_input()).hexdigest()
    roots = [ref_mth(data[:n]) for n in range(34)]
    for size in range(1, 34):
        assert actions.tree_root(size) == roots[size]
        for index in range(size):
            proof = actions.inclusion_for(index, size)
            assert proof.root_hash == roots[size]
            assert ref_verify_inclusion(
                hashlib.sha256(b"\x00" + data[index]).digest(), index, size, proof.path, roots[size]
            )
        for first_size in range(1, size):
            proof = actions.consistency(first_size, size)
            assert ref_verify_consistency(first_size, size, roots[first_size], roots[size], proof.path)
            assert proof.verify()
    # each leaf closes on average one interior subtree: 33 leaves -> 31 stored nodes
    assert LedgerNode.objects.count() == 31


def test_payload_holds_hashes_and_identifiers_only():
    entry = actions.append(by=None, **item(1).__dict__)
    entry.refresh_from_db()
    assert set(entry.payload) == {"record_id", "version", "event", "xml_sha256", "pdf_sha256", "time"}
    assert entry.payload["time"].endswith("Z")
    assert entry.leaf_hash == merkle.leaf_hash(entry.leaf_input()).hex()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"xml_sha256": "abc"}, "xml_sha256"),
        ({"pdf_sha256": None}, "pdf_sha256"),
        ({"event": "deleted"}, "event"),
        ({"version": 0}, "version"),
        ({"record_id": " "}, "record_id"),
    ],
)
def test_invalid_entries_are_refused_and_nothing_is_written(change, field):
    actions.append(by=None, **item(0).__dict__)
    with pytest.raises(actions.LedgerInvalidEntry) as refused:
        actions.append_many(by=None, items=[item(1), actions.EntryData(**{**item(2).__dict__, **change})])
    assert refused.value.code == "ledger_invalid_entry"
    assert refused.value.field == field
    assert actions.log_size() == 1
    assert LedgerEntry.objects.count() == 1


def test_a_revocation_needs_no_file_hashes():
    entry = actions.append(by=None, record_id="r", version=2, xml_sha256=None, pdf_sha256=None, event="revoked")
    assert entry.payload["xml_sha256"] is None
    assert list(actions.entries_for_record("r")) == [entry]


def test_rows_are_append_only():
    entry = actions.append(by=None, **item(0).__dict__)
    actions.append(by=None, **item(1).__dict__)
    head = actions.publish_tree_head()
    node = LedgerNode.objects.get()
    for row in (entry, node, head):
        with pytest.raises(ValueError, match="append-only"):
            row.save()
        with pytest.raises(ValueError, match="append-only"):
            row.delete()
    for model in (LedgerEntry, LedgerNode, TreeHead):
        with pytest.raises(ValueError, match="append-only"):
            model.objects.all().delete()
        with pytest.raises(ValueError, match="append-only"):
            model.objects.update(pk=1)
    assert LedgerEntry.objects.count() == 2


def test_tree_heads_are_signed_once_per_size_with_rising_timestamps(world):
    principal = world.users["principal"]
    actions.append(by=principal, **item(0).__dict__)
    first = actions.publish_tree_head(by=principal)
    assert actions.publish_tree_head() == first
    actions.append(by=None, **item(1).__dict__)
    second = actions.publish_tree_head()
    assert (first.size, second.size) == (1, 2)
    assert second.timestamp_ms > first.timestamp_ms
    for head in (first, second):
        assert head.key_id == keys.key_id()
        root = bytes.fromhex(head.root_hash)
        assert root == ref_mth(leaf_inputs()[: head.size])
        assert merkle.verify_tree_head_signature(
            keys.public_key_pem(), head.size, root, head.timestamp_ms, bytes.fromhex(head.signature)
        )
        assert not merkle.verify_tree_head_signature(
            keys.public_key_pem(), head.size + 1, root, head.timestamp_ms, bytes.fromhex(head.signature)
        )
    published = AuditEvent.objects.filter(action="ledger.publish")
    assert [e.actor for e in published] == [principal, None]
    appended = AuditEvent.objects.filter(action="ledger.append").first()
    assert appended is not None
    assert appended.changes["entries"] == [[0, "rec-0", 1, "issued"]]


def test_an_empty_log_has_a_signed_empty_head():
    head = actions.publish_tree_head()
    assert head.size == 0
    assert head.root_hash == hashlib.sha256(b"").hexdigest()


def test_proof_requests_outside_the_log_are_refused():
    for n in range(3):
        actions.append(by=None, **item(n).__dict__)
    with pytest.raises(actions.LedgerNotFound):
        actions.inclusion_for(3, 3)
    for index, size in [(2, 2), (0, 4), (0, 0)]:
        with pytest.raises(actions.LedgerOutOfRange):
            actions.inclusion_for(index, size)
    for first, second in [(0, 2), (3, 2), (1, 4)]:
        with pytest.raises(actions.LedgerOutOfRange):
            actions.consistency(first, second)
    with pytest.raises(actions.LedgerOutOfRange):
        actions.tree_root(4)


def test_a_leaf_altered_in_the_database_no_longer_verifies_against_the_signed_head():
    for n in range(6):
        actions.append(by=None, **item(n).__dict__)
    head = actions.publish_tree_head()
    proof = actions.inclusion_for(4, head.size)
    with connection.cursor() as cursor:
        table = LedgerEntry._meta.db_table
        cursor.execute(f"UPDATE {table} SET payload = %s WHERE index = %s".replace("index", '"index"'), ['{"a":1}', 4])  # noqa: S608
    altered = LedgerEntry.objects.get(index=4)
    leaf = hashlib.sha256(b"\x00" + altered.leaf_input()).digest()
    assert not ref_verify_inclusion(leaf, 4, head.size, proof.path, bytes.fromhex(head.root_hash))


def test_command_and_task_publish():
    actions.append(by=None, **item(0).__dict__)
    call_command("ledger-publish", stdout=(out := _Buffer()))
    assert "size 1" in out.text
    actions.append(by=None, **item(1).__dict__)
    result = tasks.publish.enqueue()
    assert result.return_value == {"tree_size": 2, "root_hash": actions.latest_tree_head().root_hash}


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


WORKER = """
import django, hashlib, sys
django.setup()
from hocbaso.ledger import actions
worker = int(sys.argv[1])
for n in range(8):
    digest = hashlib.sha256(f"{worker}-{n}".encode()).hexdigest()
    actions.append(by=None, record_id=f"w{worker}-{n}", version=1, xml_sha256=digest, pdf_sha256=digest, event="signed")
"""


def check_stored_tree(indexes: list[int], leaf_hashes: list[str], nodes: list[tuple[int, int, str]]) -> None:
    assert indexes == list(range(32))
    tree = merkle.MemoryTree(bytes.fromhex(h) for h in leaf_hashes)
    assert len(nodes) == 31
    for level, index, value in nodes:
        assert tree.node(level, index).hex() == value


# Only these apps' tables are flushed afterwards: a full flush would also empty what data migrations
# wrote (the curriculum) for the tests that follow in the same process.
@pytest.mark.django_db(transaction=True, available_apps=["hocbaso.audit", "hocbaso.ledger"])
def test_concurrent_appends_take_consecutive_indexes(tmp_path):
    """Four writers at once. PostgreSQL: threads contending for the head row lock. SQLite: the
    test database is in memory (shared-cache locks fail instead of waiting), so the writers are
    processes on a migrated file database, as deployed (WAL, IMMEDIATE transactions).
    """
    if connection.vendor != "sqlite":
        errors: list[BaseException] = []

        def writer(worker: int) -> None:
            try:
                for n in range(8):
                    actions.append(by=None, **item(worker * 100 + n).__dict__)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        check_stored_tree(
            list(LedgerEntry.objects.values_list("index", flat=True)),
            list(LedgerEntry.objects.values_list("leaf_hash", flat=True)),
            list(LedgerNode.objects.values_list("level", "index", "hash")),
        )
        return
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HOCBASO_VAR_DIR=str(tmp_path), HOCBASO_DEMO="1", DJANGO_SETTINGS_MODULE="config.settings")
    root = Path(__file__).resolve().parents[3]
    migrate = [sys.executable, "-c", "from hocbaso.cli import main; main()", "migrate", "--skip-checks", "-v0"]
    subprocess.run(migrate, env=env, cwd=root, check=True, timeout=120)
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(w)], env=env, cwd=root, stderr=subprocess.PIPE)
        for w in range(4)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    with closing(sqlite3.connect(tmp_path / "hocbaso.sqlite3")) as db:
        rows = db.execute('SELECT "index", leaf_hash FROM ledger_ledgerentry ORDER BY "index"').fetchall()
        nodes = db.execute('SELECT level, "index", hash FROM ledger_ledgernode').fetchall()
    check_stored_tree([r[0] for r in rows], [r[1] for r in rows], nodes)
