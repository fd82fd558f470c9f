"""How a report reads, as a pure function of its checks: a record still waiting for signatures is
"not issued yet" (the outcome stays invalid), anything else keeps its outcome — so a forged file
that is also unissued still reads as invalid."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.verification import core

C = core.Check
WAITING = C("status", "failed", "status_not_issued")
MISSING = C("signatures_complete", "failed", "signature_missing", {"roles": "principal, school"})
UNLOGGED = C("ledger", "failed", "not_in_ledger")
SIGNED = C("signature:homeroom", "passed", "signature_ok")
FORGED = C("signature:homeroom", "failed", "signature_digest_mismatch")
OFFLINE = C("registry", "not_checked", "registry_unavailable")


@pytest.mark.parametrize(
    ("checks", "outcome", "shown"),
    [
        ([WAITING], "invalid", "not_issued"),  # a code lookup of a frozen version
        ([SIGNED, MISSING, WAITING, UNLOGGED], "invalid", "not_issued"),  # signed by the homeroom teacher only
        ([SIGNED, MISSING, WAITING, UNLOGGED, OFFLINE], "invalid", "not_issued"),
        ([FORGED, MISSING, WAITING], "invalid", "invalid"),  # tampered and unissued: a forgery stays red
        ([SIGNED, MISSING], "invalid", "invalid"),  # a signature missing on a file the registry calls issued
        ([SIGNED, UNLOGGED], "invalid", "invalid"),
        ([SIGNED, C("status", "failed", "status_revoked", {"reason": "x"})], "invalid", "invalid"),
        ([SIGNED], "valid", "valid"),
        ([SIGNED, OFFLINE], "cannot_determine", "cannot_determine"),
        ([], "cannot_determine", "cannot_determine"),
    ],
)
def test_presented_outcome(checks: list[core.Check], outcome: str, shown: str) -> None:
    report = core.report_of(checks)
    assert report.outcome == outcome  # the verdict itself is untouched
    assert core.presented_outcome(report) == shown


def test_sentences_name_signers_roles_statuses_and_dates_in_words() -> None:
    vi = core.translator("vi")
    signature = core.SignatureInfo("principal", "Trần Văn Bình", None, None, "valid")
    report = core.report_of([C("signature:principal", "passed", "signature_ok"), MISSING], signatures=[signature])
    assert core.check_sentence(report.checks[0], report, vi) == "Chữ ký số hợp lệ của Trần Văn Bình — Hiệu trưởng."
    assert core.check_sentence(C("timestamp:archive", "passed", "signature_ok"), report, vi).startswith(
        "Dấu thời gian lưu trữ hợp lệ"
    )
    assert "principal" not in core.check_sentence(MISSING, report, vi)
    assert "Hiệu trưởng" in core.check_sentence(MISSING, report, vi)
    assert core.status_label("signed_homeroom", vi) == "Giáo viên chủ nhiệm đã ký"
    assert core.status_label("no_such_status", vi) == ""
    assert core.display_date("2016-11-13") == "13/11/2016"
    assert core.display_date("13/11/2016") == "13/11/2016"
    assert core.display_time(dt.datetime(2025, 6, 12, 3, 30, tzinfo=dt.UTC)) == "12/06/2025 10:30"
    assert core.presented_reason(core.report_of([WAITING]), vi).startswith("Học bạ này còn đang chờ ký")
