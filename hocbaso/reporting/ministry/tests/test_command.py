"""``hocbaso ministry-export``: the same actions from the command line, with the same refusals."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from hocbaso.reporting.ministry.models import Department, Submission, SubmissionState
from hocbaso.reporting.ministry.receiver import MinistryStore
from hocbaso.reporting.ministry.tests.conftest import PASSWORD, issue
from hocbaso.testing import World


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("ministry-export", *args, stdout=out)
    return out.getvalue()


def test_prepare_send_and_log_from_the_command_line(
    world: World, department: Department, endpoint, store: MinistryStore, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOCBASO_SEAL_PASSWORD", PASSWORD)
    issue(world)
    issue(world, class_group=world.class_b_3a)
    shown = _run("preview", "--department", "51", "--year", world.year.code)
    assert "issued 2" in shown and "to send 2" in shown
    sent = _run("prepare", "--department", "51", "--year", world.year.code, "--user", "province_officer")
    assert "accepted 2" in sent
    assert Submission.objects.get().state == SubmissionState.ACCEPTED
    with pytest.raises(CommandError, match="nothing_to_send"):
        _run("prepare", "--department", "51", "--year", world.year.code, "--user", "province_officer")
    with pytest.raises(CommandError, match="ministry_not_allowed"):
        _run("prepare", "--department", "51", "--year", world.year.code, "--user", "officer", "--full")
    # a full batch prepared while the store is down, then sent by the cron's --pending
    store.fail_next = 1
    _run("prepare", "--department", "51", "--year", world.year.code, "--user", "province_officer", "--full")
    retried = _run("send", "--pending")
    assert "unchanged 2" in retried
    log = _run("log", "--department", "51")
    assert log.count("accepted") >= 2 and "province_officer" in log
    assert len(store.rows) == 2
