"""The audit chain anchored in the transparency log, attacked as an insider with database access would.

The chain alone cannot show a rewrite whose author recomputed every later hash, nor the newest
events deleted with the head moved back: each test shows the bare chain check fooled, then the
check against the anchors catching it.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import QuerySet

from hocbaso.audit import actions as audit
from hocbaso.audit.chain import verify_chain
from hocbaso.audit.models import AuditEvent, ChainHead
from hocbaso.ledger import actions, anchors, tasks
from hocbaso.ledger.models import AUDIT_ANCHOR, LedgerEntry, LedgerHead, LedgerNode, TreeHead

pytestmark = pytest.mark.django_db


def events(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        audit.record(by=None, action="test.event", object_type="t", object_id=n, changes={"n": [None, n]})


def rewrite_from(position: int, changes: dict) -> None:
    """What an insider does: change event ``position`` (1-based) and recompute every later hash and the head."""
    previous = None
    for number, event in enumerate(AuditEvent.objects.order_by("id"), start=1):
        if number < position:
            previous = event.hash
            continue
        if number == position:
            event.changes = changes
        if previous is not None:
            event.prev_hash = previous
        event.hash = event.compute_hash()
        AuditEvent.objects.filter(pk=event.pk).update(changes=event.changes, prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash
    ChainHead.objects.filter(pk=1).update(last_hash=previous)


def truncate_to(size: int) -> None:
    """Delete every event after the first ``size`` and move the head back onto the last one kept."""
    kept = list(AuditEvent.objects.order_by("id").values_list("id", "hash")[:size])
    AuditEvent.objects.filter(id__gt=kept[-1][0])._raw_delete(AuditEvent.objects.db)
    ChainHead.objects.filter(pk=1).update(size=size, last_hash=kept[-1][1])


def raw(model: type) -> QuerySet:
    """A queryset without the append-only guard, as a database client would write."""
    return QuerySet(model=model)


def test_an_anchor_is_a_leaf_of_its_own_kind_under_a_signed_tree_head() -> None:
    events(5)
    head = ChainHead.objects.get()
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    assert anchored.entry.payload == {
        "event": AUDIT_ANCHOR,
        "audit_size": 5,
        "audit_hash": head.last_hash,
        "time": anchored.entry.payload["time"],
    }
    assert anchored.tree_head.size == anchored.entry.index + 1
    assert list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:2]) == [
        "ledger.publish",
        "ledger.append",
    ]
    assert not actions.entries_for_record("audit").exists()  # not mistaken for a record's entry
    report = anchors.verify_audit_trail()
    assert (report.intact, report.checked, len(report.anchors)) == (True, 7, 1)


def test_an_empty_chain_is_not_anchored() -> None:
    assert actions.anchor_audit_chain(by=None) is None
    assert not LedgerEntry.objects.exists()


def test_a_rewritten_event_with_recomputed_hashes_is_found_by_the_anchor() -> None:
    events(6)
    actions.anchor_audit_chain(by=None)
    events(3, start=6)
    rewrite_from(2, {"n": [None, "forged"]})

    assert verify_chain() == (AuditEvent.objects.count(), [])  # the bare chain is fooled
    report = anchors.verify_audit_trail()
    assert not report.intact
    assert any("event number 6 differs from the anchor" in b.reason for b in report.breaks)
    with pytest.raises(CommandError, match="broken"):
        call_command("audit-verify")


def test_a_rewrite_after_the_last_anchor_is_not_claimed_as_found() -> None:
    """What anchors cannot see: events after the last anchor (hence the daily schedule)."""
    events(4)
    actions.anchor_audit_chain(by=None)
    events(3, start=4)
    rewrite_from(AuditEvent.objects.count(), {"n": [None, "late"]})
    assert anchors.verify_audit_trail().intact


def test_deleted_newest_events_are_found_by_the_anchor() -> None:
    events(8)
    actions.anchor_audit_chain(by=None)  # anchors 8 events
    truncate_to(5)

    assert verify_chain() == (5, [])  # the bare chain is fooled
    report = anchors.verify_audit_trail()
    assert [b.reason for b in report.breaks] == [
        "the anchor in ledger entry 0 counted 8 events, only 5 remain: events were removed"
    ]
    with pytest.raises(CommandError):
        call_command("audit-verify")


def test_an_edited_anchor_breaks_the_signed_tree_head() -> None:
    events(4)
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    rewrite_from(2, {"n": [None, "forged"]})
    # make the anchor agree with the forgery: the hash of the (rewritten) 4th event
    forged = {
        **anchored.entry.payload,
        "audit_hash": AuditEvent.objects.order_by("id").values_list("hash", flat=True)[3],
    }
    raw(LedgerEntry).filter(pk=anchored.entry.pk).update(payload=forged)

    reasons = [b.reason for b in anchors.verify_audit_trail().breaks]
    assert reasons == [
        f"the ledger entries differ from those signed by the stored tree head of size {anchored.tree_head.size}"
    ]


def test_a_deleted_anchor_leaves_a_hole_under_the_signed_tree_head() -> None:
    events(4)
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    truncate_to(2)
    raw(LedgerEntry).filter(pk=anchored.entry.pk)._raw_delete(LedgerEntry.objects.db)

    reasons = [b.reason for b in anchors.verify_audit_trail().breaks]
    assert reasons == [f"ledger entry 0 is missing under the stored tree head of size {anchored.tree_head.size}"]


def test_an_anchor_without_its_signed_tree_head_is_refused() -> None:
    events(3)
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    raw(TreeHead).filter(pk=anchored.tree_head.pk)._raw_delete(TreeHead.objects.db)
    reasons = [b.reason for b in anchors.verify_audit_trail().breaks]
    assert reasons == ["the anchor in ledger entry 0 is not covered by a signed tree head"]


def test_a_forged_tree_head_signature_is_refused() -> None:
    events(3)
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    raw(TreeHead).filter(pk=anchored.tree_head.pk).update(signature="00" * 64)
    reasons = [b.reason for b in anchors.verify_audit_trail().breaks]
    assert reasons == [f"the stored tree head of size {anchored.tree_head.size} does not verify with the log key"]


def test_record_entries_and_anchors_share_the_log() -> None:
    events(2)
    digest = "ab" * 32
    actions.append(by=None, record_id="r1", version=1, xml_sha256=digest, pdf_sha256=digest, event="issued")
    actions.anchor_audit_chain(by=None)
    actions.append(by=None, record_id="r2", version=1, xml_sha256=digest, pdf_sha256=digest, event="issued")
    actions.publish_tree_head()
    actions.anchor_audit_chain(by=None)
    report = anchors.verify_audit_trail()
    assert report.intact
    assert [e.index for e in report.anchors] == [1, 3]
    with pytest.raises(actions.LedgerInvalidEntry):
        actions.append(by=None, record_id="r3", version=1, xml_sha256=digest, pdf_sha256=digest, event=AUDIT_ANCHOR)


def test_commands_and_the_daily_task(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit-verify")
    assert "No anchor yet" in capsys.readouterr().err
    events(3)
    call_command("audit-anchor")
    assert "Anchored 3 audit events" in capsys.readouterr().out
    result = tasks.anchor_audit.call()
    assert result["ledger_index"] == 1
    call_command("audit-verify")
    out = capsys.readouterr().out
    assert "intact" in out and "2 anchor(s)" in out


def test_a_log_rolled_back_with_its_heads_is_found_by_a_head_kept_outside(tmp_path) -> None:
    """The insider removes the last anchor, its subtrees, its tree head and the events it counted:
    the database agrees with itself again, but a head saved from /ledger/tree-head does not."""
    events(3)
    actions.anchor_audit_chain(by=None)
    events(4, start=3)
    second = actions.anchor_audit_chain(by=None)
    assert second is not None
    saved = tmp_path / "tree-head.json"
    saved.write_text(json.dumps(second.tree_head.as_dict()), encoding="utf-8")

    raw(TreeHead).filter(pk=second.tree_head.pk)._raw_delete(TreeHead.objects.db)
    raw(LedgerEntry).filter(pk=second.entry.pk)._raw_delete(LedgerEntry.objects.db)
    raw(LedgerNode).filter(index__gte=0, level__gte=1).filter(
        pk__in=[n.pk for n in LedgerNode.objects.all() if n.index << n.level >= second.entry.index]
    )._raw_delete(LedgerNode.objects.db)
    LedgerHead.objects.filter(pk=1).update(size=second.entry.index)
    truncate_to(second.entry.payload["audit_size"] - 4)

    assert anchors.verify_audit_trail().intact  # the database alone is fooled
    call_command("audit-verify")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit-verify", "--tree-head", str(saved))
    reasons = [
        b.reason
        for b in anchors.verify_audit_trail([anchors.KnownHead.from_json(second.tree_head.as_dict(), "saved")]).breaks
    ]
    assert reasons == [f"ledger entry {second.entry.index} is missing under saved (tree size {second.tree_head.size})"]


def test_a_saved_head_that_is_not_signed_by_the_log_is_refused(tmp_path) -> None:
    events(2)
    anchored = actions.anchor_audit_chain(by=None)
    assert anchored is not None
    forged = {**anchored.tree_head.as_dict(), "signature": "11" * 64}
    reasons = [b.reason for b in anchors.verify_audit_trail([anchors.KnownHead.from_json(forged, "forged")]).breaks]
    assert reasons == [f"forged (tree size {anchored.tree_head.size}) does not verify with the log key"]
    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="not a tree head"):
        call_command("audit-verify", "--tree-head", str(broken))
