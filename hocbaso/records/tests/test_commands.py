"""``hocbaso records rehash`` names a tampered or missing stored file and exits non-zero;
``hocbaso records export`` writes the PDF and XML of every current version, named by code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hocbaso.records import actions, storage
from hocbaso.records.actions import assemble
from hocbaso.records.models import RecordVersion
from hocbaso.records.rendering import extract_embedded_xml


@pytest.fixture
def versions(complete_3a) -> list[RecordVersion]:  # type: ignore[no-untyped-def]
    world = complete_3a
    return [
        assemble(by=world.users["homeroom"], student=world.students[key], class_group=world.class_3a).version
        for key in ("an", "binh")
    ]


def rehash() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("records", "rehash", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_rehash_reports_a_tampered_file_by_name(versions) -> None:
    out, _err = rehash()
    assert "All 4 stored files match" in out
    target = Path(settings.MEDIA_ROOT) / versions[1].xml_name
    original = target.read_bytes()
    target.write_bytes(original.replace("Bình".encode(), "Bính".encode()))
    assert target.read_bytes() != original
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("records", "rehash", stdout=io.StringIO(), stderr=err)
    assert "1 of 4" in str(failed.value)
    assert f"MISMATCH {versions[1].xml_name}" in err.getvalue() and versions[1].xml_sha256 in err.getvalue()
    assert versions[0].xml_name not in err.getvalue()


@pytest.mark.django_db
def test_rehash_reports_a_missing_file(versions) -> None:
    (Path(settings.MEDIA_ROOT) / versions[0].pdf_name).unlink()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("records", "rehash", stdout=io.StringIO(), stderr=err)
    assert f"MISMATCH {versions[0].pdf_name}" in err.getvalue() and "missing" in err.getvalue()


@pytest.mark.django_db
def test_export_writes_current_versions_named_by_code(versions, world, tmp_path) -> None:
    request = actions.request_correction(by=world.users["homeroom"], version=versions[0], reason="Sửa")
    corrected = actions.approve_correction(by=world.users["principal"], request=request).new_version
    assert corrected is not None
    out_dir = tmp_path / "export"
    out = io.StringIO()
    call_command("records", "export", "--school", "A1", "--year", world.year.code, "--out", str(out_dir), stdout=out)
    expected = {f"{v.issuance_code}.{ext}" for v in (corrected, versions[1]) for ext in ("pdf", "xml")}
    assert {p.name for p in out_dir.iterdir()} == expected  # the superseded version is not exported
    assert "Exported 2 record versions" in out.getvalue()
    for version in (corrected, versions[1]):
        pdf = (out_dir / f"{version.issuance_code}.pdf").read_bytes()
        xml = (out_dir / f"{version.issuance_code}.xml").read_bytes()
        assert storage.sha256_hex(pdf) == version.pdf_sha256 and storage.sha256_hex(xml) == version.xml_sha256
        assert extract_embedded_xml(pdf) == xml
    with pytest.raises(CommandError):
        call_command("records", "export", "--school", "B1", "--year", world.year.code, "--out", str(tmp_path / "b"))
