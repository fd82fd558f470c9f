"""Helpers for verification tests: fully issued records, their stored files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hocbaso.ledger import actions as ledger
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion
from hocbaso.signing import batches
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_frozen_version, register_credential
from hocbaso.testing import World


def sign_as(world: World, user: str, role: str, version: RecordVersion, source: Any, env: dict[str, Any]) -> None:
    batch = batches.sign_batch(
        by=world.users[user],
        version_ids=[version.pk],
        role=role,
        signer_source=source,
        idempotency_key=uuid.uuid4().hex,
        timestamper_url=env["tsa_url"],
        trust=env["trust"],
    )
    item = batch.items.get()
    assert item.outcome == "ok", item.message


def issue(
    world: World, pki: DemoPKI, env: dict[str, Any], *, stop_after: str | None = None, format_version: str = ""
) -> RecordVersion:
    """A realistic record (Typst PDF with XML) signed homeroom → principal → school seal (issued, in the log);
    ``format_version="1.0"``: one in the previous XML format."""
    version = make_frozen_version(world, realistic=True, format_version=format_version)
    _c, homeroom = register_credential(pki, world.users["homeroom"])
    _c, principal = register_credential(pki, world.users["principal"], key_type="rsa")
    _c, seal = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    for user, role, source in [
        ("homeroom", SignatureRole.HOMEROOM, homeroom),
        ("principal", SignatureRole.PRINCIPAL, principal),
        ("clerk", SignatureRole.SCHOOL, seal),
    ]:
        sign_as(world, user, role, version, source, env)
        if role == stop_after:
            break
    version.refresh_from_db()
    ledger.publish_tree_head(by=None)
    return version


def signed_pdf(version: RecordVersion) -> bytes:
    return storage.get(version.signed_pdf_name, version.signed_pdf_sha256)


def signed_xml(version: RecordVersion) -> bytes:
    return storage.get(version.signed_xml_name, version.signed_xml_sha256)


def tampered(pdf: bytes) -> bytes:
    """One bit flipped inside the first (Typst) revision, which every signature covers."""
    damaged = bytearray(pdf)
    damaged[pdf.index(b"Libertinus")] ^= 0x01
    return bytes(damaged)


# --- the three channels: what each shows for one input ------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What a channel shows: the outcome, the reason code and its sentence, the values a forger
    would change (label, value) — the same on the page, in the API and from the command."""

    outcome: str
    reason: str
    reason_text: str
    facts: tuple[tuple[str, str], ...]


def _page_seen(response: Any) -> Seen:
    import html as html_lib
    import re

    page = response.content.decode()
    outcome = page.split('data-outcome="', 1)[1].split('"', 1)[0]
    reason_match = re.search(r'<p class="reason" id="reason" data-code="([^"]*)">(.*?)</p>', page, re.S)
    assert reason_match, page
    facts_block = re.search(r'<dl class="facts verdict-facts" id="verdict-facts">(.*?)</dl>', page, re.S)
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts_block.group(1)) if facts_block else []
    return Seen(
        outcome,
        reason_match.group(1),
        html_lib.unescape(reason_match.group(2)),
        tuple((html_lib.unescape(a), html_lib.unescape(b)) for a, b in pairs),
    )


def _json_seen(body: dict[str, Any]) -> Seen:
    return Seen(
        body["outcome"], body["reason"], body["reason_text"], tuple((f["label"], f["value"]) for f in body["facts"])
    )


def page_sees(client: Any, *, document: bytes | None = None, paper: str | None = None) -> Seen:
    from django.core.files.uploadedfile import SimpleUploadedFile

    if document is not None:
        name = "hocba.xml" if document.lstrip().startswith(b"<") else "hocba.pdf"
        return _page_seen(client.post("/verify", {"document": SimpleUploadedFile(name, document)}))
    return _page_seen(client.post("/verify", {"paper": paper}))


def api_sees(client: Any, *, document: bytes | None = None, paper: str | None = None) -> Seen:
    from django.core.files.uploadedfile import SimpleUploadedFile

    if document is not None:
        name = "hocba.xml" if document.lstrip().startswith(b"<") else "hocba.pdf"
        response = client.post("/api/v1/verify/file", {"document": SimpleUploadedFile(name, document)})
    else:
        response = client.post("/api/v1/verify/paper", {"text": paper}, content_type="application/json")
    assert response.status_code == 200, response.content
    return _json_seen(response.json())


def over_http(client: Any) -> Callable[[str], bytes]:
    """The command's fetcher answered by the deployment's own views (the test client speaks HTTP's
    semantics to the real URL configuration; no socket)."""
    from urllib.parse import urlsplit

    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        return bytes(response.content)

    return fetch


def command_sees(argv: list[str], client: Any) -> tuple[Seen, int]:
    """``hocbaso verify ARGV --json`` with network through :func:`over_http`: what it shows, its exit status."""
    import io
    import json

    from hocbaso.verification import cli

    out = io.StringIO()
    status = cli.run([*argv, "--json"], out=out, fetch=over_http(client))
    return _json_seen(json.loads(out.getvalue())), status


def save(tmp: Path, name: str, data: bytes | str) -> str:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def printed_seal(pdf: bytes) -> str:
    """The paper seal QR text of an issued record's printed last page (poppler at 300 dpi, zxing-cpp)."""
    import subprocess

    from hocbaso.signing.tests.conftest import tool
    from hocbaso.verification import photo

    pages = subprocess.run([tool("pdfinfo"), "-"], input=pdf, capture_output=True, check=True).stdout
    last = next(line.split()[-1] for line in pages.decode().splitlines() if line.startswith("Pages:"))
    picture = subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "300", "-f", last, "-l", last, "-"], input=pdf, capture_output=True, check=True
    ).stdout
    return next(text for text in photo.qr_texts(picture) if text.startswith("HB1:"))
