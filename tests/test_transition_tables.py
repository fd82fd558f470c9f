"""Every stateful model's transition table, written out as the procedure says it, against the code.

Each row lists the moves a state allows; every pair not listed must be refused with the table's
stable code. (The signing batches and approvals have their own tables in ``hocbaso.signing``.)
"""

from __future__ import annotations

import itertools

import pytest

from hocbaso.assessments.models import AWARD_MOVES
from hocbaso.core.transitions import IllegalTransition, Transitions
from hocbaso.directory.models import CONSENT_MOVES
from hocbaso.portal.models import ACCESS_MOVES
from hocbaso.records.digitising_models import BOOK_MOVES, DIGITISATION_RUN_MOVES
from hocbaso.records.models import (
    ASSEMBLY_RUN_MOVES,
    CORRECTION_MOVES,
    DIGITISED_VERSION_MOVES,
    VERSION_MOVES,
    AssemblyRun,
)
from hocbaso.reporting.ministry.models import SUBMISSION_MOVES
from hocbaso.reporting.models import REPORT_RUN_MOVES
from hocbaso.reporting.readiness.models import FOLLOW_UP_MOVES
from hocbaso.transfers.models import TRANSFER_MOVES

RUN = {
    "queued": {"running"},
    "running": {"running", "finished", "failed"},
    "failed": {"running"},
    "finished": {"running"},
}
CURRENT = ("frozen", "signed_homeroom", "signed_principal", "issued")

EXPECTED: dict[str, tuple[Transitions, str, dict[str, set[str]]]] = {
    "record version": (
        VERSION_MOVES,
        "status_transition",
        {
            "draft": {"frozen"},
            "frozen": {"signed_homeroom", "superseded", "revoked"},
            "signed_homeroom": {"signed_principal", "superseded", "revoked"},
            "signed_principal": {"issued", "superseded", "revoked"},
            "issued": {"superseded", "revoked"},
            "superseded": set(),
            "revoked": set(),
        },
    ),
    "digitised version": (
        DIGITISED_VERSION_MOVES,
        "status_transition",
        {
            "draft": {"frozen"},
            "frozen": {"issued", "superseded", "revoked"},
            "signed_homeroom": set(),
            "signed_principal": set(),
            "issued": {"superseded", "revoked"},
            "superseded": set(),
            "revoked": set(),
        },
    ),
    "assembly run": (ASSEMBLY_RUN_MOVES, "assembly_run_state", RUN),
    "digitisation run": (DIGITISATION_RUN_MOVES, "digitisation_run_state", RUN),
    "report run": (REPORT_RUN_MOVES, "report_run_state", RUN),
    "correction request": (
        CORRECTION_MOVES,
        "correction_state",
        {"pending": {"approved", "rejected"}, "approved": set(), "rejected": set()},
    ),
    "digitised book": (
        BOOK_MOVES,
        "digitised_book_state",
        {"scanned": {"transcribed"}, "transcribed": {"transcribed", "frozen"}, "frozen": set()},
    ),
    "transfer": (
        TRANSFER_MOVES,
        "transfer_state",
        {
            "requested": {"decided", "cancelled"},
            "decided": {"accepted", "refused", "sent", "cancelled"},
            "sent": {"accepted", "cancelled"},
            "accepted": set(),
            "refused": set(),
            "cancelled": set(),
        },
    ),
    "ministry submission": (
        SUBMISSION_MOVES,
        "submission_state",
        {
            "preparing": {"queued", "not_prepared"},
            "not_prepared": set(),
            "queued": {"queued", "sending"},
            "sending": {"retrying", "failed", "accepted", "partial", "rejected"},
            "retrying": {"queued", "sending"},
            "failed": {"queued", "sending"},
            "accepted": set(),
            "partial": set(),
            "rejected": set(),
        },
    ),
    "readiness follow-up": (
        FOLLOW_UP_MOVES,
        "follow_up_transition",
        {"open": {"done"}, "done": {"confirmed", "open"}, "confirmed": set()},
    ),
    "award": (
        AWARD_MOVES,
        "award_already_decided",
        {"proposed": {"confirmed", "declined"}, "confirmed": set(), "declined": set()},
    ),
    "consent": (
        CONSENT_MOVES,
        "consent_decided",
        {
            "pending": {"accepted", "refused", "withdrawn"},
            "accepted": {"revoked"},
            "refused": set(),
            "withdrawn": set(),
            "revoked": set(),
        },
    ),
    "guardian access": (
        ACCESS_MOVES,
        "access_revoked",
        {"pending": {"active", "revoked"}, "active": {"revoked"}, "revoked": set()},
    ),
}

CASES = [
    pytest.param(moves, code, source, target, target in expected[source], id=f"{name}: {source}→{target}")
    for name, (moves, code, expected) in EXPECTED.items()
    for source, target in itertools.product(expected, repeat=2)
]


@pytest.mark.parametrize(("moves", "code", "source", "target", "allowed"), CASES)
def test_each_move_is_allowed_or_refused_with_the_tables_code(
    moves: Transitions, code: str, source: str, target: str, allowed: bool
) -> None:
    assert moves.allows(source, target) is allowed
    if allowed:
        moves.check(source, target)
    else:
        with pytest.raises(IllegalTransition) as refused:
            moves.check(source, target)
        assert (refused.value.code, refused.value.current, refused.value.target) == (code, source, target)
        assert str(refused.value.message)  # a readable message, formatted with the labels


@pytest.mark.parametrize("name", EXPECTED)
def test_the_tables_name_exactly_the_states_above(name: str) -> None:
    moves, _code, expected = EXPECTED[name]
    assert set(moves.table) == set(expected)


def test_current_statuses_are_the_live_part_of_the_version_table() -> None:
    assert all(VERSION_MOVES.allows(status, "superseded") for status in CURRENT)


@pytest.mark.django_db
def test_a_guarded_update_moves_only_a_row_the_table_lets_through(world) -> None:  # type: ignore[no-untyped-def]
    run = AssemblyRun.objects.create(school=world.school_a, school_year=world.year)  # queued
    rows = AssemblyRun.objects.filter(pk=run.pk)
    with pytest.raises(IllegalTransition) as refused:
        ASSEMBLY_RUN_MOVES.update(rows, AssemblyRun.State.FINISHED, error="")
    assert (refused.value.code, refused.value.current) == ("assembly_run_state", "queued")
    assert rows.get().state == "queued"
    assert ASSEMBLY_RUN_MOVES.update(rows, AssemblyRun.State.RUNNING, total=4) == 1
    assert (rows.get().state, rows.get().total) == ("running", 4)
    assert ASSEMBLY_RUN_MOVES.update(AssemblyRun.objects.filter(pk=0), AssemblyRun.State.RUNNING) == 0
