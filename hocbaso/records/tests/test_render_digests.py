"""The kept SHA-256 of Typst compiles (ADR 0024): a key that changes with anything that could change
the bytes, kept only from real compiles, and a cache that fails or holds garbage is as one that
does not know."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from hocbaso.records import render_ahead, render_digests, rendering
from hocbaso.records.samples import sample_record_data
from hocbaso.records.xml import build_xml

WHEN = dt.datetime(2026, 5, 25, tzinfo=dt.UTC)
INPUTS = {"data": "{}", "xml": "<x/>", "qr": "<svg/>", "draft": "0"}


def _templates(tmp_path: Path, content: bytes = b"#let a = 1") -> Path:
    (tmp_path / "record.typ").write_bytes(content)
    (tmp_path / "other.typ").write_bytes(b"#let b = 2")
    return tmp_path


@pytest.fixture(autouse=True)
def _renderer_read_again() -> Any:
    render_digests.renderer.cache_clear()
    yield
    render_digests.renderer.cache_clear()


@pytest.mark.parametrize(
    ("template", "inputs", "when", "standard"),
    [
        pytest.param("other.typ", INPUTS, WHEN, "a-3b", id="another-template"),
        pytest.param("record.typ", {**INPUTS, "data": '{"a": 1}'}, WHEN, "a-3b", id="another-input"),
        pytest.param("record.typ", {**INPUTS, "extra": ""}, WHEN, "a-3b", id="one-more-input"),
        pytest.param("record.typ", INPUTS, WHEN + dt.timedelta(seconds=1), "a-3b", id="another-date"),
        pytest.param("record.typ", INPUTS, WHEN, "a-2b", id="another-standard"),
        pytest.param("record.typ", INPUTS, WHEN, None, id="no-standard"),
    ],
)
def test_the_key_changes_with_the_job(
    tmp_path: Path, template: str, inputs: dict, when: dt.datetime, standard: Any
) -> None:
    folder = _templates(tmp_path)
    same = render_digests.key(folder, folder / "record.typ", dict(INPUTS), WHEN, "a-3b")
    assert render_digests.key(folder, folder / "record.typ", INPUTS, WHEN, "a-3b") == same
    assert render_digests.key(folder, folder / template, inputs, when, standard) != same


def test_the_key_changes_with_any_template_file_and_with_typst(tmp_path: Path, monkeypatch) -> None:
    folder = _templates(tmp_path)
    before = render_digests.key(folder, folder / "record.typ", INPUTS, WHEN, "a-3b")
    (folder / "other.typ").write_bytes(b"#let b = 3")  # a file the template may import
    render_digests.renderer.cache_clear()
    after_file = render_digests.key(folder, folder / "record.typ", INPUTS, WHEN, "a-3b")
    monkeypatch.setattr(render_digests.importlib.metadata, "version", lambda name: "99.0")
    render_digests.renderer.cache_clear()
    after_typst = render_digests.key(folder, folder / "record.typ", INPUTS, WHEN, "a-3b")
    assert len({before, after_file, after_typst}) == 3


def test_only_the_issuance_of_a_final_record_keeps_a_digest() -> None:
    xml = build_xml(sample_record_data())
    pdf = rendering.first_revision(xml)  # a verification's render
    draft = build_xml(sample_record_data(status="draft"))
    rendering.render_pdf(draft, draft=True)
    assert render_ahead.Pending(xml, None).known is None
    assert render_ahead.Pending(draft, None).known is None
    rendering.render_pdf(xml, draft=False)
    pending = render_ahead.Pending(xml, None)
    assert pending.known == (len(pdf), hashlib.sha256(pdf).hexdigest())
    assert pending.begins(pdf + b"%% an incremental update")
    assert pending.where == "digest"


@pytest.mark.parametrize(
    "kept",
    [
        pytest.param("not a pair", id="a-string"),
        pytest.param((12,), id="one-item"),
        pytest.param(("12", "a" * 64), id="length-not-a-number"),
        pytest.param((12, "abc"), id="not-a-sha256"),
        pytest.param([12, "a" * 64], id="a-list"),
    ],
)
def test_something_else_under_the_key_is_not_known(kept: Any) -> None:
    render_digests.store().set("render-digest:x", kept)
    assert render_digests.recall("render-digest:x") is None


def test_a_failing_cache_is_a_cache_that_does_not_know(settings) -> None:
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {**settings.CACHES, "render_digests": unreachable}
    render_digests.remember("render-digest:x", b"%PDF-")  # logged, not raised
    assert render_digests.recall("render-digest:x") is None
    xml = build_xml(sample_record_data())
    pending = render_ahead.Pending(xml, None)
    assert pending.known is None
    assert pending.begins(rendering.first_revision(xml))  # rendered, as without a cache


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(b"%PDF-1.7 body", True, id="the-output-itself"),
        pytest.param(b"%PDF-1.7 body\n% later revisions", True, id="the-output-and-more"),
        pytest.param(b"%PDF-1.7 bodY\n% later revisions", False, id="one-byte-changed"),
        pytest.param(b"%PDF-1.7 bod", False, id="shorter"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_begins_with(document: bytes, expected: bool) -> None:
    output = b"%PDF-1.7 body"
    known = (len(output), hashlib.sha256(output).hexdigest())
    assert render_digests.begins_with(document, known) is expected
