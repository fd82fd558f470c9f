"""What the PDF shows must be what its embedded XML says: the re-render comparison, whether the
re-render runs in the verifying process or in its helper (records.render_ahead), or is not run
because this deployment compiled the same job before (records.render_digests, ADR 0024)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hocbaso.records import render_ahead, render_digests, rendering, storage, typst_worker
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


@pytest.fixture(params=[True, False], ids=["digest-known", "digest-forgotten"])
def digest(request: pytest.FixtureRequest) -> bool:
    """Whether the issued record's render digest is still known (as after its issuance here), or
    forgotten (a cache that lost it, a record issued elsewhere)."""
    if not request.param:
        render_digests.store().clear()
    return request.param


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


def test_a_genuine_record_shows_its_xml_on_every_examine(issued: RecordVersion, helper: bool, digest: bool) -> None:
    trust = registry.trust_store()
    for _ in range(4):  # the second starts the helper, the later ones use it once it is warm
        assert _shown(core.examine(signed_pdf(issued), trust=trust)) == ("passed", "xml_matches_pdf")
        render_ahead.wait_until_ready()
    # the digest its issuance kept renders nothing; without it every examine renders
    assert render_ahead.HELPER.jobs == (0 if digest else 4)
    assert (render_ahead.HELPER.running is not None) is (helper and not digest)


def test_a_pdf_that_shows_another_name_than_its_xml_fails(issued: RecordVersion, helper: bool, digest: bool) -> None:
    trust = registry.trust_store()
    forged = _showing_another_name(storage.get(issued.xml_name, issued.xml_sha256))
    for _ in range(4):
        assert _shown(core.examine(forged, trust=trust)) == ("failed", "xml_not_what_pdf_shows")
        render_ahead.wait_until_ready()
    assert rendering.extract_embedded_xml(forged) == storage.get(issued.xml_name, issued.xml_sha256)


def test_verifying_files_keeps_no_digest(issued: RecordVersion) -> None:
    """Only issuance keeps digests: a file someone has verified — a forgery, a genuine record whose
    digest was forgotten — leaves nothing behind (nobody outside grows the store)."""
    trust = registry.trust_store()
    xml = storage.get(issued.xml_name, issued.xml_sha256)
    forged = _showing_another_name(xml)
    render_digests.store().clear()
    assert _shown(core.examine(forged, trust=trust)) == ("failed", "xml_not_what_pdf_shows")
    assert _shown(core.examine(signed_pdf(issued), trust=trust)) == ("passed", "xml_matches_pdf")
    assert render_ahead.Pending(xml, None).known is None
    assert _shown(core.examine(forged, trust=trust)) == ("failed", "xml_not_what_pdf_shows")


def test_a_digest_for_another_output_fails_the_genuine_record(issued: RecordVersion) -> None:
    """The kept digest decides the comparison (nothing is rendered once it is there): a wrong one
    — only the deployment's own cache could hold it — fails, it never passes what it should not."""
    xml = storage.get(issued.xml_name, issued.xml_sha256)
    pending = render_ahead.Pending(xml, None)
    assert pending.job is not None and pending.known is not None
    key = rendering.digest_key(*pending.job)
    render_digests.store().set(key, (pending.known[0], "0" * 64))
    assert _shown(core.examine(signed_pdf(issued), trust=registry.trust_store())) == (
        "failed",
        "xml_not_what_pdf_shows",
    )
    assert render_digests.recall(key) == (pending.known[0], "0" * 64)
