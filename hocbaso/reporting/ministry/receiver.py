"""A stand-in for the Ministry's record store (Kho học bạ số): what the receiving endpoint does with a
batch, and a real HTTP server on loopback that tests (and a demo) send to.

The real endpoint is configuration (``HOCBASO_MINISTRY_URL``, ``HOCBASO_MINISTRY_TOKEN``); its
contract, as this stand-in implements it (docs/ministry-export.md):

- ``POST /batches`` with ``Authorization: Bearer <token>`` and the signed batch as
  ``application/xml``. Wrong token → 401.
- A batch that is not well-formed, breaks the schema (``batch.check``), or whose seal is missing,
  invalid, untrusted or not the Sở's → **422**, ``status`` "rejected", ``errors`` naming each row at
  fault; nothing of it is recorded.
- Otherwise **200** with one answer per row: ``accepted`` (a new record version), ``unchanged``
  (this version with this content is already held: re-sending changes nothing) or ``rejected``
  with a code — ``wrong_department`` (the row's ``masogd`` is not the sender's), ``version_changed``
  (a version already held with other content: a correction must be a new version),
  ``stale_version`` (a later version of the record's year is held). ``status`` is ``accepted``,
  ``partial`` or ``rejected``.
- The same ``BatchId`` sent again with the same bytes gets the same answer; with other bytes,
  409 ``batch_id_reused``.

State is in memory; for tests and the demo only.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hocbaso.reporting.ministry import batch
from hocbaso.verification import core


@dataclass
class HeldRow:
    record_id: str
    version: int
    school_year: str
    row_sha256: str
    department_code: str
    batch_id: str
    superseded: bool = False


@dataclass
class MinistryStore:
    """The receiving side's state and rules. ``seals`` maps a Sở code to the SHA-256 fingerprint
    (upper-case hex) of the one certificate allowed to seal its batches; a code not listed is
    refused (``department_unknown``)."""

    trust: core.TrustStore
    seals: dict[str, str]
    rows: dict[tuple[str, int], HeldRow] = field(default_factory=dict)
    answers: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    posts: int = 0
    fail_next: int = 0  # tests: answer 503 to the next N posts, as an endpoint in trouble would
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def receive(self, body: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.posts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"status": "unavailable"}
            return self._receive(body)

    def _refused(self, header: dict[str, str], problems: list[batch.Problem]) -> tuple[int, dict[str, Any]]:
        return 422, {
            "batch_id": header.get("BatchId", ""),
            "status": "rejected",
            "errors": [p.as_dict() for p in problems],
            "rows": [],
        }

    def _seal_problems(self, body: bytes, department_code: str) -> list[batch.Problem]:
        checks, signatures = core.signed_xml_checks(body, self.trust)
        if not signatures:
            return [batch.Problem("signature_missing")]
        failed = [c for c in checks if c.status != "passed"]
        if failed:
            return [batch.Problem(failed[0].code, str(failed[0].params.get("detail", ""))[:200])]
        expected = self.seals.get(department_code)
        if expected is None:
            return [batch.Problem("department_unknown", department_code)]
        if any((s.fingerprint or "").upper() != expected.upper() for s in signatures):
            return [batch.Problem("seal_not_department", department_code)]
        return []

    def _receive(self, body: bytes) -> tuple[int, dict[str, Any]]:
        checked = batch.check(body)
        if checked.problems:
            return self._refused(checked.header, checked.problems)
        header = checked.header
        sealed = self._seal_problems(body, header["DepartmentCode"])
        if sealed:
            return self._refused(header, sealed)
        digest = batch.batch_sha256(body)
        known = self.answers.get(header["BatchId"])
        if known is not None:
            if known[0] != digest:
                return 409, {"batch_id": header["BatchId"], "status": "rejected", "code": "batch_id_reused"}
            return known[1], known[2]
        answers = [self._row(row, header) for row in checked.rows]
        results = {a["result"] for a in answers}
        status = "rejected" if results == {"rejected"} else "partial" if "rejected" in results else "accepted"
        answer = {"batch_id": header["BatchId"], "receipt": str(uuid.uuid4()), "status": status, "rows": answers}
        self.answers[header["BatchId"]] = (digest, 200, answer)
        return 200, answer

    def _row(self, row: batch.Row, header: dict[str, str]) -> dict[str, Any]:
        answer: dict[str, Any] = {"ref": row.ref, "record_id": row.record_id, "version": row.version}
        held = self.rows.get((row.record_id, row.version))
        later = [
            h
            for h in self.rows.values()
            if h.record_id == row.record_id and h.school_year == row.school_year and h.version > row.version
        ]
        if row.department_code != header["DepartmentCode"]:
            return answer | {"result": "rejected", "code": "wrong_department"}
        if held is not None:
            if held.row_sha256 == row.row_sha256:
                return answer | {"result": "unchanged", "code": ""}
            return answer | {"result": "rejected", "code": "version_changed"}
        if later:
            return answer | {"result": "rejected", "code": "stale_version"}
        for other in self.rows.values():
            if other.record_id == row.record_id and other.school_year == row.school_year:
                other.superseded = True
        self.rows[(row.record_id, row.version)] = HeldRow(
            row.record_id, row.version, row.school_year, row.row_sha256, row.department_code, header["BatchId"]
        )
        return answer | {"result": "accepted", "code": ""}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/batches":
            return self._answer(404, {"code": "not_found"})
        if self.headers.get("Authorization", "") != f"Bearer {self.server.token}":
            return self._answer(401, {"code": "unauthorised"})
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > batch.MAX_BATCH_BYTES:
            return self._answer(413, {"code": "batch_too_large"})
        status, body = self.server.store.receive(self.rfile.read(length))
        self._answer(status, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    store: MinistryStore
    token: str


class MinistryTestServer:
    """``with MinistryTestServer(store, token="…") as server:`` then post to ``server.url``."""

    def __init__(self, store: MinistryStore, *, token: str, port: int = 0):
        self.store = store
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.store = store
        self._server.token = token
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/batches"

    def __enter__(self) -> MinistryTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
