"""What the PDF shows must be what its embedded XML says: the re-render comparison, whether the
re-render runs in the verifying process or in its helper (records.render_ahead)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hocbaso.records import render_ahead, rendering, storage, typst_worker
from hocbaso.records.models import RecordVersion
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import signed_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["helper", "in-process"])
def helper(request: pytest.FixtureRequest, settings) -> Iterator[bool]:
    settings.HOCBASO_RENDER_HELPER = request.param
    render_ahead.stop()
    yield request.param
    render_ahead.stop()


def _shown(report: core.Findings) -> tuple[str, str]:
    (check,) = [c for c in report.checks if c.name == "xml_matches_pdf"]
    return check.status, check.code


def _showing_another_name(xml: bytes) -> bytes:
    """A forger's Typst run: the genuine XML embedded byte for byte, another pupil's name shown."""
    template, inputs, timestamp = rendering.typst_job(xml)
    data = json.loads(inputs["data"])
    data["student"]["full_name"] = "Nguyễn Văn Giả"
    inputs["data"] = json.dumps(data, ensure_ascii=False)
    compiler = typst_worker.new_compiler(str(template), str(rendering.TEMPLATE_DIR))
    pdf, _warnings = typst_worker.compile_pdf(compiler, inputs, timestamp, rendering.PDF_STANDARD)
    assert pdf != rendering.first_revision(xml)
    return pdf


def test_a_genuine_record_shows_its_xml_on_every_examine(issued: RecordVersion, helper: bool) -> None:
    trust = registry.trust_store()
    for _ in range(4):  # the second starts the helper, the later ones use it once it is warm
        assert _shown(core.examine(signed_pdf(issued), trust=trust)) == ("passed", "xml_matches_pdf")
        render_ahead.wait_until_ready()
    assert (render_ahead.HELPER.running is not None) is helper


def test_a_pdf_that_shows_another_name_than_its_xml_fails(issued: RecordVersion, helper: bool) -> None:
    trust = registry.trust_store()
    forged = _showing_another_name(storage.get(issued.xml_name, issued.xml_sha256))
    for _ in range(4):
        assert _shown(core.examine(forged, trust=trust)) == ("failed", "xml_not_what_pdf_shows")
        render_ahead.wait_until_ready()
    assert rendering.extract_embedded_xml(forged) == storage.get(issued.xml_name, issued.xml_sha256)
