"""The read replica of the public verify path (hocbaso/core/replica.py, verification/reads.py).

In the test settings ``replica`` is a TEST MIRROR of ``default``: a second connection to the same test
database, so these tests commit (``transaction=True``) and look at which connection ran each query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings

from hocbaso.core import replica
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.tests.factories import make_frozen_version
from hocbaso.testing import build_world
from hocbaso.verification.models import VerificationLog
from tests.deploy.stack import self_signed

ROUTER = replica.ReplicaRouter()


def _read_goes_to() -> str:
    return ROUTER.db_for_read(RecordVersion)


@contextmanager
def _transaction_open(open_: bool) -> Iterator[None]:
    """``default`` seen as inside a transaction block or not (what the router asks), without a query."""
    connection = connections["default"]
    saved, connection.in_atomic_block = connection.in_atomic_block, open_
    try:
        yield
    finally:
        connection.in_atomic_block = saved


@pytest.mark.parametrize(
    ("configured", "scoped", "in_transaction", "expected"),
    [
        (False, False, False, "default"),
        (False, True, False, "default"),  # no replica configured: the scope changes nothing
        (True, False, False, "default"),  # configured, but outside the verify path
        (True, True, False, "replica"),
        (True, True, True, "default"),  # a read inside a transaction may decide a write
    ],
)
def test_reads_go_to_the_replica_only_inside_the_scope_outside_transactions(
    configured: bool, scoped: bool, in_transaction: bool, expected: str
) -> None:
    scope = replica.reads_from_replica() if scoped else replica.reads_from_primary()
    with override_settings(HOCBASO_READ_REPLICA=configured), scope, _transaction_open(in_transaction):
        assert _read_goes_to() == expected


@override_settings(HOCBASO_READ_REPLICA=True)
def test_writes_never_go_to_the_replica_and_it_is_never_migrated() -> None:
    with replica.reads_from_replica():
        assert ROUTER.db_for_write(VerificationLog) == "default"
    assert ROUTER.allow_migrate("replica", "verification") is False
    assert ROUTER.allow_migrate("default", "verification") is True


@override_settings(HOCBASO_READ_REPLICA=True)
def test_an_answer_a_lagging_replica_may_get_wrong_is_asked_again_of_the_primary() -> None:
    asked: list[str] = []

    def run() -> str:
        asked.append(_read_goes_to())
        return "code_unknown"

    with _transaction_open(False):
        assert replica.primary_when(lambda reason: reason == "code_unknown", run) == "code_unknown"
        assert asked == ["replica", "default"]
        asked.clear()
        replica.primary_when(lambda reason: False, run)
        assert asked == ["replica"]


@pytest.mark.django_db(databases=["default", "replica"], transaction=True)
@override_settings(HOCBASO_READ_REPLICA=True)
def test_a_code_lookup_reads_the_registry_from_the_replica_and_logs_on_the_primary(
    client, settings, tmp_path: Path
) -> None:
    settings.HOCBASO_TRUSTED_ROOTS = str(self_signed(tmp_path)[0])  # a configured trust, whichever it is
    world = build_world()
    version = make_frozen_version(world)
    name, digest = storage.put(b"%PDF-1.7\nnot a signed record\n", ".pdf")
    RecordVersion.objects.filter(pk=version.pk).update(
        status=Status.SIGNED_HOMEROOM, signed_pdf_name=name, signed_pdf_sha256=digest
    )

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(f"/api/v1/verify/code/{version.issuance_code}")

    assert response.status_code == 200, response.content
    assert response.json()["reason"] not in {"code_unknown", "status_not_issued"}
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert 'FROM "records_recordversion"' in replica_sql
    assert 'FROM "records_recordversion"' not in primary_sql  # the replica knew it: not asked twice
    assert 'INSERT INTO "verification_verificationlog"' in primary_sql
    assert "INSERT" not in replica_sql and "UPDATE" not in replica_sql
    assert VerificationLog.objects.count() == 1
