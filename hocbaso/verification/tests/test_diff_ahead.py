"""The difference analysis in the diff helper (``verification.diff_ahead``) decides exactly as
pyHanko's own validation: the same reports for a genuine record and for a record changed after its
signatures, whether the helper answers, is off, or dies mid-job; an analysis that raises is
reported as pyHanko's flow reports it; an answer is only ever given to the question it answers
(real PKI, real TSA on loopback, real rendering)."""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel

from hocbaso.core import helper_process
from hocbaso.records.models import RecordVersion
from hocbaso.signing import pades
from hocbaso.verification import core, diff_ahead, diff_worker, registry
from hocbaso.verification.tests.helpers import signed_pdf
from hocbaso.verification.tests.test_diff_cache import _page_rewritten

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_helper(settings) -> Iterator[None]:
    settings.HOCBASO_DIFF_HELPER = True
    diff_ahead.stop()
    yield
    diff_ahead.stop()


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[diff_ahead.Reviews]:
    """Every ``Reviews`` the verification starts, to see who answered."""
    started: list[diff_ahead.Reviews] = []
    start = diff_ahead.start

    def spy(document: bytes, limits: tuple[int, int]) -> diff_ahead.Reviews:
        started.append(start(document, limits))
        return started[-1]

    monkeypatch.setattr(diff_ahead, "start", spy)
    return started


def _reports(pdf: bytes) -> list[Any]:
    reports, _reader, _order = core._validate_signatures(pdf, registry.trust_store())
    return reports


def _pyhankos(pdf: bytes) -> list[Any]:
    """pyHanko's own validation of every signature, the analysis first (``pades.validate_pdf``)."""
    return pades.validate_pdf(pdf, registry.trust_store().pades_trust())


def _warm(pdf: bytes) -> None:
    """The two verifications that start the helper and its warm-up, then the wait for it."""
    _reports(pdf)
    _reports(pdf)
    assert diff_ahead.wait_until_ready()


@pytest.mark.parametrize("changed", [False, True], ids=["genuine", "changed-after-signing"])
def test_the_helper_s_reviews_give_pyhanko_s_reports(
    changed: bool, issued: RecordVersion, fresh_helper: None, spied: list[diff_ahead.Reviews]
) -> None:
    pdf = _page_rewritten(signed_pdf(issued)) if changed else signed_pdf(issued)
    _warm(pdf)
    spied.clear()
    reports = _reports(pdf)
    assert spied[0].answered == 4 and spied[0].where == "helper"  # three signatures, the archive timestamp
    assert reports == _pyhankos(pdf)
    levels = {report.field_name: report.modification_level for report in reports}
    if changed:
        assert {report.docmdp_ok for report in reports} >= {False}
        assert "OTHER" in levels.values()
    else:
        assert all(report.outcome == "valid" for report in reports), reports


def test_the_reports_are_the_same_with_the_helper_off(issued: RecordVersion, settings, spied) -> None:
    settings.HOCBASO_DIFF_HELPER = False
    diff_ahead.stop()
    pdf = _page_rewritten(signed_pdf(issued))
    for _ in range(3):
        assert _reports(pdf) == _pyhankos(pdf)
    assert diff_ahead.HELPER.running is None
    assert all(reviews.answered == 0 for reviews in spied)


def test_a_one_off_verification_never_starts_the_helper(issued: RecordVersion, fresh_helper: None) -> None:
    _reports(signed_pdf(issued))
    assert diff_ahead.HELPER.running is None


def test_a_helper_killed_mid_job_leaves_the_review_here(
    issued: RecordVersion, fresh_helper: None, spied: list[diff_ahead.Reviews], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = _page_rewritten(signed_pdf(issued))
    _warm(pdf)
    spied.clear()
    start = diff_ahead.start

    def killing(document: bytes, limits: tuple[int, int]) -> diff_ahead.Reviews:
        reviews = start(document, limits)
        assert diff_ahead.HELPER.running is not None
        diff_ahead.HELPER.running.process.kill()
        return reviews

    monkeypatch.setattr(diff_ahead, "start", killing)
    assert _reports(pdf) == _pyhankos(pdf)
    assert diff_ahead.HELPER.running is None and diff_ahead.HELPER.broken
    monkeypatch.setattr(diff_ahead, "start", start)
    assert _reports(pdf) == _pyhankos(pdf)  # a broken helper is not started again
    assert diff_ahead.HELPER.running is None


def test_an_analysis_that_raises_is_reported_as_pyhanko_reports_it(
    issued: RecordVersion, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.HOCBASO_DIFF_HELPER = False  # the raising policy is this process's
    diff_ahead.stop()

    def raising(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("/Kids")

    monkeypatch.setattr(DEFAULT_DIFF_POLICY, "review_file", raising)
    pdf = signed_pdf(issued)
    reports = _reports(pdf)
    assert reports == _pyhankos(pdf)
    assert {report.reasons for report in reports[:-1]} == {("error:KeyError",)}  # the last covers the whole file


def test_an_answer_is_given_only_to_the_question_it_answers(issued: RecordVersion) -> None:
    pdf = signed_pdf(issued)
    reader = PdfFileReader(io.BytesIO(pdf))
    first = reader.embedded_signatures[0]
    reviews = diff_ahead.Reviews()
    forged = DiffResult(ModificationLevel.NONE, set())
    reviews._known = [((first.signed_revision, first.fieldmdp, "another level"), forged)]
    question = {"field_mdp_spec": first.fieldmdp, "doc_mdp": first.docmdp_level}
    genuine = reviews.review_file(reader, first.signed_revision, **question)
    assert reviews.answered == 0 and genuine is not forged
    assert genuine == DEFAULT_DIFF_POLICY.review_file(reader, first.signed_revision, **question)
    reviews._known = [((first.signed_revision, first.fieldmdp, first.docmdp_level), "not a review")]
    reviews.review_file(reader, first.signed_revision, **question)
    assert reviews.answered == 0


def test_the_worker_answers_each_file_and_refuses_none(issued: RecordVersion) -> None:
    pdf = _page_rewritten(signed_pdf(issued))
    requests, answers = io.BytesIO(), io.BytesIO()
    limits = (core.MAX_PDF_OBJECTS, core.MAX_PDF_REVISIONS)
    for document in (pdf, b"%PDF-1.7 not a PDF at all", pdf[: len(pdf) // 2]):
        helper_process.write_frame(requests, (document, limits))
    requests.seek(0)
    diff_worker.serve(requests, answers)
    answers.seek(0)
    reviewed = helper_process.read_frame(answers)
    reader = PdfFileReader(io.BytesIO(pdf))
    assert [key for key, _review in reviewed] == [
        (sig.signed_revision, sig.fieldmdp, sig.docmdp_level) for sig in reader.embedded_signatures
    ]
    for key, review in reviewed:
        mine = DEFAULT_DIFF_POLICY.review_file(reader, key[0], field_mdp_spec=key[1], doc_mdp=key[2])
        assert type(review) is type(mine)
        if isinstance(mine, DiffResult) and isinstance(review, DiffResult):
            assert (review.modification_level, review.changed_form_fields) == (
                mine.modification_level,
                mine.changed_form_fields,
            )
        else:  # the same finding; its message lists sets, in an order that differs between processes
            assert str(review).partition(":")[0] == str(mine).partition(":")[0]
    assert any(getattr(review, "modification_level", None) != ModificationLevel.NONE for _key, review in reviewed)
    assert helper_process.read_frame(answers) == []
    assert helper_process.read_frame(answers) == []
    with pytest.raises(EOFError):
        helper_process.read_frame(answers)
    assert b"PdfFileReader" not in pickle.dumps(reviewed)  # plain values: nothing of the reader travels


def test_the_worker_analyses_nothing_beyond_the_limits(issued: RecordVersion) -> None:
    """The job is sent before the verifying process has read the file: a file over the limits it
    refuses unexamined (``pdf_too_complex``) is not analysed by the helper either."""
    pdf = signed_pdf(issued)
    objects, revisions = diff_worker.size_of(PdfFileReader(io.BytesIO(pdf)))
    assert diff_worker.reviews(pdf, (objects, revisions))  # at the limits: analysed
    for limits in ((objects - 1, revisions), (objects, revisions - 1)):
        with pytest.raises(ValueError):
            diff_worker.reviews(pdf, limits)
        requests, answers = io.BytesIO(), io.BytesIO()
        helper_process.write_frame(requests, (pdf, limits))
        requests.seek(0)
        diff_worker.serve(requests, answers)
        answers.seek(0)
        assert helper_process.read_frame(answers) == []


def test_a_file_too_complex_leaves_the_helper_ready_for_the_next(
    issued: RecordVersion, fresh_helper: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = signed_pdf(issued)
    _warm(pdf)
    monkeypatch.setattr(core, "MAX_PDF_OBJECTS", 10)
    findings = core.examine(pdf, trust=registry.trust_store())
    assert [check.code for check in findings.checks] == ["pdf_too_complex"]
    monkeypatch.undo()
    assert diff_ahead.wait_until_ready()  # the refused job's answer read and discarded
    assert _reports(pdf) == _pyhankos(pdf)
