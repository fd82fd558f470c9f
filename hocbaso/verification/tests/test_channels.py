"""The same files give the same outcome through the page, the API and the offline command; code
lookups, upload limits, rate limiting, the log without personal data, the trust bundle."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from hocbaso.records.models import RecordVersion
from hocbaso.verification import cli, messages, registry
from hocbaso.verification.models import VerificationLog
from hocbaso.verification.tests.helpers import signed_pdf, signed_xml, tampered

pytestmark = [pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _page_outcome(client: Client, document: bytes, name: str) -> tuple[str, str]:
    response = client.post("/verify", {"document": SimpleUploadedFile(name, document)})
    html = response.content.decode()
    outcome = html.split('data-outcome="', 1)[1].split('"', 1)[0]
    reason = html.split('id="reason" data-code="', 1)[1].split('"', 1)[0]
    return outcome, reason


def _api_outcome(client: Client, document: bytes, name: str) -> tuple[str, str]:
    response = client.post("/api/v1/verify/file", {"document": SimpleUploadedFile(name, document)})
    assert response.status_code == 200, response.content
    body = response.json()
    return body["outcome"], body["reason"]


def _cli_outcome(tmp_path: Path, document: bytes, code: str, client: Client) -> tuple[str, str, int]:
    (tmp_path / "file").write_bytes(document)
    (tmp_path / "bundle.json").write_bytes(client.get("/verify/trust-bundle.json").content)
    answers = client.get(f"/api/v1/verify/registry/{code}").json()
    (tmp_path / "head.json").write_text(json.dumps(answers.pop("tree_head")))
    (tmp_path / "registry.json").write_text(json.dumps(answers))
    out = io.StringIO()
    argv = [str(tmp_path / "file"), "--trust", str(tmp_path / "bundle.json"), "--json"]
    status = cli.run(
        [*argv, "--tree-head", str(tmp_path / "head.json"), "--registry", str(tmp_path / "registry.json")], out=out
    )
    body = json.loads(out.getvalue())
    return body["outcome"], body["reason"], status


def test_same_outcome_through_page_api_and_offline_command(issued: RecordVersion, tmp_path: Path) -> None:
    client = Client()
    pdf = signed_pdf(issued)
    cases = [(pdf, "valid", "all_checks_passed", 0), (signed_xml(issued), "valid", "all_checks_passed", 0)]
    cases.append((tampered(pdf), "invalid", "signature_digest_mismatch", 1))
    for document, outcome, reason, status in cases:
        name = "hocba.xml" if document.startswith(b"<") else "hocba.pdf"
        assert _page_outcome(client, document, name) == (outcome, reason)
        assert _api_outcome(client, document, name) == (outcome, reason)
        offline = _cli_outcome(tmp_path, document, issued.issuance_code, client)
        if name == "hocba.xml":
            # XAdES-BES has no embedded revocation data; a bundle without CRLs cannot vouch for it offline.
            assert offline == ("cannot_determine", "xml_signature_revocation_unknown", 2)
        else:
            assert offline == (outcome, reason, status)


def test_offline_command_without_registry_exits_2_and_runs_without_django_settings(
    issued: RecordVersion, tmp_path: Path
) -> None:
    (tmp_path / "hocba.pdf").write_bytes(signed_pdf(issued))
    (tmp_path / "bundle.json").write_bytes(registry.bundle_bytes())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    script = (
        "import sys; from hocbaso.verification import cli; status = cli.main(sys.argv[1:]);"
        "assert 'django.db.models' not in sys.modules, 'the offline verifier loaded the ORM'; sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "hocba.pdf"), "--trust", str(tmp_path / "bundle.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith("KHÔNG XÁC ĐỊNH ĐƯỢC: Chưa đối chiếu với cơ sở dữ liệu phát hành")
    assert "✓ signature:homeroom" in result.stdout


def test_code_lookup_through_the_qr_link(issued: RecordVersion) -> None:
    response = Client().get(f"/verify/{issued.issuance_code}")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="valid"' in html and str(messages.OUTCOMES["valid"]) in html
    assert issued.data["student"]["full_name"] in html
    api = Client().get(f"/api/v1/verify/code/{issued.issuance_code.lower().replace('-', ' ')}")
    assert (api.status_code, api.json()["outcome"]) == (200, "valid")


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("HB-12", 400, "code_malformed"),
        ("HB-7K3M-Q9TD-2XWP-0", 400, "code_checksum"),
    ],
)
def test_malformed_codes_get_a_clear_message(typed: str, status: int, message: str) -> None:
    from hocbaso.records import issuance

    if typed.endswith("-0"):  # make the check symbol wrong for sure
        right = issuance.check_symbol("7K3MQ9TD2XWP")
        typed = typed[:-1] + ("1" if right != "1" else "2")
    response = Client().post("/verify", {"code": typed})
    assert response.status_code == status
    html = response.content.decode()
    assert f'data-code="{message}"' in html
    assert escape(str(messages.text(message))) in html
    api = Client().get(f"/api/v1/verify/code/{typed}")
    assert api.status_code == 400 and api.json()["code"] == message


def test_well_formed_unknown_code_is_invalid() -> None:
    from hocbaso.records import issuance

    code = issuance.new_code()
    response = Client().get(f"/verify/{code}")
    assert 'data-outcome="invalid"' in response.content.decode()
    assert 'data-code="code_unknown"' in response.content.decode()


def test_empty_and_very_large_uploads(settings) -> None:
    settings.HOCBASO_VERIFY_MAX_BYTES = 1024
    client = Client()
    assert _page_outcome(client, b"", "empty.pdf") == ("invalid", "empty_file")
    assert _page_outcome(client, b"%PDF-" + b"0" * 4096, "big.pdf") == ("invalid", "file_too_large")
    assert _api_outcome(client, b"%PDF-" + b"0" * 4096, "big.pdf") == ("invalid", "file_too_large")


def test_rate_limited_per_client_and_logged_without_personal_data(settings) -> None:
    settings.HOCBASO_VERIFY_RATE_PER_MINUTE = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [client.post("/verify", {"document": SimpleUploadedFile("x.pdf", b"")}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post("/verify", {"document": SimpleUploadedFile("x.pdf", b"")}).status_code == 200
    rows = list(VerificationLog.objects.values())
    assert len(rows) == 4
    assert {r["outcome"] for r in rows} == {"invalid"} and {r["channel"] for r in rows} == {"upload"}
    stored = json.dumps(rows, default=str)
    assert "203.0.113" not in stored
    assert set(rows[0]) == {"id", "at", "channel", "outcome", "reason", "issuance_code"}


def test_trust_bundle_and_tree_head_downloads(issued: RecordVersion) -> None:
    from hocbaso.verification.trust import load_bundle

    client = Client()
    bundle = load_bundle(client.get("/verify/trust-bundle.json").content)
    assert bundle.trust.roots and bundle.trust.ledger_public_key_pem
    assert bundle.seals, "the school seal certificate is published for paper copies"
    head = client.get("/verify/tree-head.json").json()
    assert head["tree_size"] >= 1 and len(head["signature"]) == 128
