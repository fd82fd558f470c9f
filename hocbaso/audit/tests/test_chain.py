"""The audit trail is append-only and hash-chained; the command finds any tampering."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit import actions
from hocbaso.audit.chain import verify_chain
from hocbaso.audit.models import GENESIS_HASH, AuditEvent


@pytest.fixture
def three_events(db: None) -> list[AuditEvent]:
    return [
        actions.record(by=None, action=f"test.{n}", object_type="t", object_id=n, changes={"n": [None, n]})
        for n in range(3)
    ]


def test_events_chain_onto_each_other(three_events: list[AuditEvent]) -> None:
    first, second, third = three_events
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert verify_chain() == (3, [])


def test_command_reports_intact_chain(three_events: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit-verify")
    assert "3 events" in capsys.readouterr().out


def test_tampered_content_is_found(three_events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=three_events[1].pk).update(changes={"n": [None, 99]})
    checked, breaks = verify_chain()
    assert checked == 3
    assert [b.event_id for b in breaks] == [three_events[1].pk]
    with pytest.raises(CommandError, match="broken"):
        call_command("audit-verify")


def test_deleted_event_is_found(three_events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=three_events[1].pk)._raw_delete(AuditEvent.objects.db)
    _checked, breaks = verify_chain()
    assert breaks and breaks[0].event_id == three_events[2].pk


def test_events_refuse_update_and_delete(three_events: list[AuditEvent]) -> None:
    event = three_events[0]
    event.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_diff_lists_only_changed_fields() -> None:
    import datetime as dt

    assert actions.diff({"a": 1, "b": dt.date(2025, 1, 2)}, {"a": 1, "b": dt.date(2025, 1, 3), "c": "x"}) == {
        "b": ["2025-01-02", "2025-01-03"],
        "c": [None, "x"],
    }
