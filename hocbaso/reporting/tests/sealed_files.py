"""What every sealed report must pass, whoever's seal is on it (a unit's or a school's): its three
files downloaded by ``client``; pdfsig and ``sealing.verify`` accept them under ``seal`` with
``signer`` as the seal's name; ``hocbaso report-seal verify`` says valid; a changed .xlsx or PDF no
longer passes. Used by the unit and the school sealing tests, with the way there: the dashboard's
form asking for the seal's password, submitted, the task run (:func:`seal_from_page`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from hocbaso.reporting import sealing
from hocbaso.reporting.models import PendingAuthorisation, ReportRun
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pdfsig
from hocbaso.signing.tests.factories import PASSWORD


def seal_from_page(
    *, client: Any, capture: Any, page: str, generate: str, seal: SigningCredential, sealed_by: Any
) -> tuple[ReportRun, str]:
    """Open the dashboard ``page`` (its report form asks for the seal's password), post its form to
    ``generate`` with the password and run the task (``capture``: pytest-django's
    ``django_capture_on_commit_callbacks``). Checks the one run: the answer leads to it, it
    finished its four steps, sealed with ``seal`` by ``sealed_by``, the password deleted once
    used. Returns it and the dashboard's HTML."""
    html = client.get(page + "?year=2025-2026").content.decode()
    assert 'name="seal_authorisation"' in html
    with capture(execute=True):
        answer = client.post(generate, {"year": "2025-2026", "point": "year_end", "seal_authorisation": PASSWORD})
    run = ReportRun.objects.get()
    assert answer.url == reverse("reporting:run", args=[run.pk])
    assert run.state == ReportRun.State.FINISHED and (run.done, run.total) == (4, 4)
    assert run.seal_credential == seal and run.sealed_by == sealed_by and run.sealed_at
    assert run.seal_fingerprint == seal.fingerprint
    assert not PendingAuthorisation.objects.exists()
    return run, html


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
