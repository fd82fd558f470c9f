"""The same files give the same outcome through the page, the API and the offline command; code
lookups, upload limits, rate limiting, the log without personal data, the trust bundle."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from hocbaso.records.models import RecordVersion
from hocbaso.verification import cli, messages, registry
from hocbaso.verification.models import VerificationLog
from hocbaso.verification.tests.helpers import api_sees, command_sees, page_sees, save, signed_pdf, signed_xml, tampered

pytestmark = [pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _page_outcome(client: Client, document: bytes, name: str) -> tuple[str, str]:
    seen = page_sees(client, document=document)
    return seen.outcome, seen.reason


def _api_outcome(client: Client, document: bytes, name: str) -> tuple[str, str]:
    seen = api_sees(client, document=document)
    return seen.outcome, seen.reason


def test_same_outcome_and_words_through_page_api_and_command(issued: RecordVersion, tmp_path: Path) -> None:
    client = Client()
    pdf = signed_pdf(issued)
    bundle = save(tmp_path, "bundle.json", client.get("/verify/trust-bundle.json").content)
    packet = save(tmp_path, "packet.json", client.get(f"/api/v1/verify/packet/{issued.issuance_code}").content)
    cases = [(pdf, "valid", "all_checks_passed"), (signed_xml(issued), "valid", "all_checks_passed")]
    cases.append((tampered(pdf), "invalid", "signature_digest_mismatch"))
    for document, outcome, reason in cases:
        page = page_sees(client, document=document)
        assert (page.outcome, page.reason) == (outcome, reason)
        assert api_sees(client, document=document) == page
        file = save(tmp_path, "file", document)
        online, status = command_sees([file, "--trust", bundle], client)  # asks the deployment in the file
        assert online == page and status == {"valid": 0, "invalid": 1}[outcome]
        offline, offline_status = command_sees([file, "--trust", bundle, "--packet", packet], client)
        if document.startswith(b"<"):
            # XAdES-BES has no embedded revocation data; a bundle without CRLs cannot vouch for it offline.
            expected = ("cannot_determine", "xml_signature_revocation_unknown", 2)
            assert (offline.outcome, offline.reason, offline_status) == expected
        else:
            assert (offline, offline_status) == (online, status)
    # The year result and completion are shown next to the verdict, in the reader's language.
    assert page.facts == (
        ("Kết quả giáo dục", "Hoàn thành xuất sắc"),
        ("Hoàn thành chương trình", "Hoàn thành chương trình tiểu học"),
    )


def test_command_runs_without_secret_key_database_or_demo_mode_and_prints_no_traceback(
    issued: RecordVersion, tmp_path: Path
) -> None:
    file = save(tmp_path, "hocba.pdf", signed_pdf(issued))
    bundle = save(tmp_path, "bundle.json", registry.bundle_bytes())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no HOCBASO_SECRET_KEY, no HOCBASO_DEMO
    command = str(ROOT / ".venv" / "bin" / "hocbaso")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, "verify", *argv], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False
        )

    result = run(file, "--trust", bundle, "--offline")
    assert (result.returncode, result.stderr) == (2, ""), result.stderr
    assert result.stdout.startswith("KHÔNG XÁC ĐỊNH ĐƯỢC: Chưa đối chiếu với cơ sở dữ liệu phát hành")
    # Each signature names its signer and role in words; no internal code, no ISO date is printed.
    assert "✓ Chữ ký số hợp lệ của" in result.stdout and "— Giáo viên chủ nhiệm." in result.stdout
    assert "Giáo viên chủ nhiệm: " in result.stdout and "Hiệu trưởng: " in result.stdout
    assert "✓ Đã ký đúng thứ tự" in result.stdout
    for internal in ("signature:", "signature_order", "certification", "homeroom", "principal", "school:"):
        assert internal not in result.stdout, internal
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", result.stdout), result.stdout
    for argv in (
        [save(tmp_path, "junk.pdf", b"%PDF-1.7\n" + b"\x00" * 5000), "--trust", bundle, "--offline"],
        [file, "--trust", save(tmp_path, "bad.json", b"{not json")],
        [file],  # no --trust and no deployment settings: say what to give
        [file, "--trust", bundle, "--packet", save(tmp_path, "p.json", b"[]")],
    ):
        refused = run(*argv)
        assert refused.stderr == "" and "Traceback" not in refused.stdout, refused.stderr
        assert refused.returncode in (1, 2)
        assert refused.stdout.count("\n") >= 1 and refused.stdout.split(":", 1)[0].isupper()
    too_big = run(file, "--trust", bundle, "--offline", "--max-bytes", "1000")
    assert too_big.returncode == 1 and too_big.stdout.startswith("KHÔNG HỢP LỆ: Tệp quá lớn.")


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
    assert api.json()["message"] == messages.text(message)  # the page's sentence, word for word


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


def test_command_asks_the_deployment_over_real_http(issued: RecordVersion, tmp_path: Path) -> None:
    """The command's own HTTP client (urllib) on loopback: a small server answers the packet
    request; the bundle names that server as the deployment. Only http(s) addresses are asked."""
    import http.server
    import threading

    from hocbaso.verification.tests.helpers import printed_seal

    client = Client()
    served = {
        f"/api/v1/verify/packet/{issued.issuance_code}": client.get(
            f"/api/v1/verify/packet/{issued.issuance_code}"
        ).content
    }
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = served.get(self.path.split("?", 1)[0])
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bundle = json.loads(client.get("/verify/trust-bundle.json").content)
        bundle["deployment_url"] = f"http://127.0.0.1:{server.server_address[1]}"
        seal = printed_seal(signed_pdf(issued))
        out = io.StringIO()
        status = cli.run(["--paper", seal, "--trust", save(tmp_path, "b.json", json.dumps(bundle)), "--json"], out=out)
        assert (status, json.loads(out.getvalue())["reason"]) == (0, "all_checks_passed")
        assert asked == [f"/api/v1/verify/packet/{issued.issuance_code}"]
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(ValueError):
        cli.fetch_url("file:///etc/passwd")


def test_command_asks_only_the_deployment_its_trust_bundle_names(issued: RecordVersion, tmp_path: Path) -> None:
    """A file names its verify address itself: a forged one must not make the verifier's machine
    call an address of the forger's choosing (another host, another port, a look-alike path)."""
    bundle = json.loads(Client().get("/verify/trust-bundle.json").content)
    pdf = save(tmp_path, "hocba.pdf", signed_pdf(issued))
    for elsewhere in ("http://10.0.0.1", "http://127.0.0.1:1", f"{bundle['deployment_url']}.evil.example"):
        asked: list[str] = []

        def fetch(url: str, asked: list[str] = asked) -> bytes:
            asked.append(url)
            raise OSError("not reached")

        bundle["deployment_url"] = elsewhere
        out = io.StringIO()
        status = cli.run([pdf, "--trust", save(tmp_path, "b.json", json.dumps(bundle)), "--json"], out=out, fetch=fetch)
        report = json.loads(out.getvalue())
        assert asked == [] and status != 0
        assert any(c["code"] == "fetch_other_deployment" for c in report["checks"]), report["checks"]
    assert cli._under("https://a.vn/api/v1/verify/packet/X", "https://a.vn")
    assert not cli._under("https://a.vn.evil/api/v1/verify/packet/X", "https://a.vn")
    assert not cli._under("http://a.vn/x", "https://a.vn")
