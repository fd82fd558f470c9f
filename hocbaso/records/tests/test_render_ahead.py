"""The re-render in a helper process gives the very bytes of the in-process render, and whatever
happens to the helper, the caller still gets those bytes (or the in-process error)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest

from hocbaso.records import render_ahead, rendering, typst_worker
from hocbaso.records.samples import sample_individual_plan_data, sample_record_data
from hocbaso.records.xml import build_xml


@pytest.fixture(autouse=True)
def fresh_helper() -> Iterator[None]:
    render_ahead.stop()
    yield
    render_ahead.stop()


def _xml(status: str = "final", **overrides: Any) -> bytes:
    return build_xml(sample_record_data(status=status, **overrides))


def _rendered_here(times: int) -> None:
    """``times`` renders, each the in-process render's bytes, made in-process."""
    for _ in range(times):
        with render_ahead.first_revision(_xml()) as pending:
            assert pending.result() == rendering.first_revision(_xml())
            assert pending.where == "here"


def _ready() -> None:
    """Two renders (the second starts the helper and warms it up), then wait for the warm-up."""
    _rendered_here(2)
    assert render_ahead.wait_until_ready()


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param(_xml(), id="final"),
        pytest.param(_xml("draft"), id="draft"),
        pytest.param(build_xml(sample_individual_plan_data()), id="individual-plan"),
        pytest.param(_xml(verify_url="https://hocbaso.example.vn/verify/HB-2026-QR-LONGER-CODE"), id="other-url"),
    ],
)
def test_the_helper_renders_the_same_bytes(xml: bytes) -> None:
    _ready()
    with render_ahead.first_revision(xml) as pending:
        assert pending.result() == rendering.first_revision(xml)
        assert pending.where == "helper"


def test_a_render_keeps_nothing_an_issued_record_needs_no_render() -> None:
    _ready()
    xml = _xml(verify_url="https://hocbaso.example.vn/verify/HB-KEPT")
    for _ in range(2):  # a verification's render, here or in the helper, keeps no digest
        with render_ahead.first_revision(xml, digest_will_do=True) as pending:
            assert pending.known is None
            rendered = pending.result()
            assert pending.where == "helper"
        assert render_ahead.wait_until_ready()
    rendering.render_pdf(xml, draft=False)  # its issuance keeps one
    jobs = render_ahead.HELPER.jobs
    with render_ahead.first_revision(xml, digest_will_do=True) as again:
        assert again.known == (len(rendered), hashlib.sha256(rendered).hexdigest())
        assert again.begins(rendered + b"%% a signature")
        middle = len(rendered) // 2
        assert not again.begins(rendered[:middle] + bytes([rendered[middle] ^ 1]) + rendered[middle + 1 :])
        assert again.where == "digest"
    assert render_ahead.HELPER.jobs == jobs  # nothing asked of the helper
    assert rendered == rendering.first_revision(xml)


def test_a_one_off_verification_never_starts_the_helper() -> None:
    with render_ahead.first_revision(_xml()) as pending:
        pending.result()
    assert render_ahead.HELPER.running is None
    assert not render_ahead.wait_until_ready()


def test_switched_off_every_render_stays_here(settings) -> None:
    settings.HOCBASO_RENDER_HELPER = False
    _rendered_here(4)
    assert render_ahead.HELPER.running is None


def test_an_abandoned_render_is_never_the_answer_to_the_next() -> None:
    _ready()
    with render_ahead.first_revision(_xml()):
        pass  # left without asking for the result: its answer is still to come
    other = _xml(verify_url="https://hocbaso.example.vn/verify/HB-OTHER")
    with render_ahead.first_revision(other) as pending:
        assert pending.result() == rendering.first_revision(other)  # here or, once drained, the helper
    assert render_ahead.wait_until_ready()
    with render_ahead.first_revision(other) as pending:
        assert pending.result() == rendering.first_revision(other)
        assert pending.where == "helper"


def test_two_renders_at_once_one_goes_to_the_helper_the_other_stays_here() -> None:
    _ready()
    second_xml = _xml(verify_url="https://hocbaso.example.vn/verify/HB-SECOND")
    with render_ahead.first_revision(_xml()) as first, render_ahead.first_revision(second_xml) as second:
        assert (first.where, second.where) == ("here", "here")  # not collected yet
        assert second.result() == rendering.first_revision(second_xml)
        assert first.result() == rendering.first_revision(_xml())
    assert (first.where, second.where) == ("helper", "here")


def test_a_helper_that_dies_leaves_the_render_here_and_is_not_restarted() -> None:
    _ready()
    with render_ahead.first_revision(_xml()) as pending:
        running = render_ahead.HELPER.running
        assert running is not None
        running.process.kill()
        assert pending.result() == rendering.first_revision(_xml())
        assert pending.where == "here"
    assert render_ahead.HELPER.running is None and render_ahead.HELPER.broken
    _rendered_here(3)
    assert render_ahead.HELPER.running is None


def test_an_xml_the_renderer_refuses_raises_as_it_does_in_process() -> None:
    _ready()
    broken = _xml().replace(b"<Status>final</Status>", b"<Status>nonsense</Status>")
    with pytest.raises(Exception) as here:
        rendering.first_revision(broken)
    with render_ahead.first_revision(broken) as pending, pytest.raises(type(here.value)):
        pending.result()


def test_the_worker_answers_each_job_and_reports_typst_errors() -> None:
    template, inputs, timestamp = rendering.typst_job(_xml())
    requests = io.BytesIO()
    good = (str(template), str(rendering.TEMPLATE_DIR), inputs, timestamp, rendering.PDF_STANDARD)
    typst_worker.write_frame(requests, good)
    typst_worker.write_frame(requests, (str(rendering.TEMPLATE_DIR / "missing.typ"), *good[1:]))
    requests.seek(0)
    answers = io.BytesIO()
    typst_worker.serve(requests, answers)
    answers.seek(0)
    kind, pdf, _warnings = typst_worker.read_frame(answers)
    assert (kind, pdf) == ("pdf", rendering.first_revision(_xml()))
    kind, message, _warnings = typst_worker.read_frame(answers)
    assert kind == "error" and message.startswith("RuntimeError: ")  # Typst: no such file
    with pytest.raises(EOFError):
        typst_worker.read_frame(answers)


@pytest.mark.parametrize("cut", [3, 8, 20])
def test_a_truncated_frame_is_the_end_of_the_stream(cut: int) -> None:
    stream = io.BytesIO()
    typst_worker.write_frame(stream, ("pdf", b"x" * 30, []))
    with pytest.raises(EOFError):
        typst_worker.read_frame(io.BytesIO(stream.getvalue()[:cut]))
