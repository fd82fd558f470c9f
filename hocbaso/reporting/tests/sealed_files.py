"""What every sealed report must pass, whoever's seal is on it (a unit's or a school's): its three
files downloaded by ``client``; pdfsig and ``sealing.verify`` accept them under ``seal`` with
``signer`` as the seal's name; ``hocbaso report-seal verify`` says valid; a changed .xlsx or PDF no
longer passes. Used by the unit and the school sealing tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from hocbaso.reporting import sealing
from hocbaso.reporting.models import ReportRun
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pdfsig


def check_sealed_run(
    *,
    client: Any,
    run: ReportRun,
    seal: SigningCredential,
    signer: str,
    pki: DemoPKI,
    trust: Any,
    nss_db: str,
    tmp_path: Path,
) -> tuple[bytes, bytes, bytes]:
    """Check ``run``'s sealed files as above and return them (PDF, .xlsx, seal document)."""
    pdf, xlsx, seal_xml = (
        client.get(reverse("reporting:run_file", args=[run.pk, kind])).content for kind in ("pdf", "xlsx", "seal")
    )
    checked = {entry.get("Signature Field Name"): entry for entry in pdfsig(pdf, nss_db, tmp_path)}
    assert sealing.FIELD in checked  # the seal (then the archive timestamp of B-LTA)
    assert checked[sealing.FIELD]["Signature Validation"] == "Signature is Valid."
    assert checked[sealing.FIELD]["Certificate Validation"] == "Certificate is Trusted."
    assert checked[sealing.FIELD]["Signer Certificate Common Name"] == signer
    verdict = sealing.verify(pdf, xlsx, seal_xml, trust)
    assert verdict.outcome == "valid", verdict.reasons
    assert verdict.pdf_fingerprint and verdict.pdf_fingerprint.upper() == seal.fingerprint
    assert verdict.xlsx_fingerprint and verdict.xlsx_fingerprint.upper() == seal.fingerprint
    assert verdict.xlsx_signer == signer
    # the documented command says the same, and refuses a changed spreadsheet
    paths = {name: tmp_path / name for name in ("r.pdf", "r.xlsx", "r.xlsx.seal.xml", "roots.pem")}
    for path, content in zip(paths.values(), (pdf, xlsx, seal_xml, pki.export_roots_pem()), strict=True):
        path.write_bytes(content)
    files = [str(paths[name]) for name in ("r.pdf", "r.xlsx", "r.xlsx.seal.xml")]
    out = io.StringIO()
    call_command("report-seal", "verify", *files, "--roots", str(paths["roots.pem"]), stdout=out)
    assert "outcome: valid" in out.getvalue() and signer in out.getvalue()
    paths["r.xlsx"].write_bytes(xlsx + b"\0")
    with pytest.raises(SystemExit):
        call_command("report-seal", "verify", *files, "--roots", str(paths["roots.pem"]), stdout=io.StringIO())
    # a changed spreadsheet or a changed PDF no longer passes
    assert "xlsx_hash_mismatch" in sealing.verify(pdf, xlsx + b"\0", seal_xml, trust).reasons
    tampered = pdf.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in pdf else pdf[:-10] + b"0" * 10
    assert sealing.verify(tampered, xlsx, seal_xml, trust).outcome != "valid"
    return pdf, xlsx, seal_xml
