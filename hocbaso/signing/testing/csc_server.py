"""A Cloud Signature Consortium (CSC) API test server on loopback: a stand-in remote signing service.

Implements the subset pyHanko's ``CSCSigner`` and :class:`hocbaso.signing.backends.CscSource` use,
under both ``/csc/v1/`` and ``/csc/v2/`` (v2 field names ``hashes``/``hashAlgorithmOID`` accepted):

- ``credentials/list``      → ``{"credentialIDs": [...]}``
- ``credentials/info``      → key algorithms, certificate chain (signer first), ``multisign``, ``SCAL`` "2"
- ``credentials/authorize`` → checks the PIN, returns a one-use ``SAD`` bound to the given hashes
- ``signatures/signHash``   → signs each pre-computed hash with the credential's key

Every call needs ``Authorization: Bearer <token>``. Errors follow the spec's shape
``{"error": ..., "error_description": ...}`` with 400/401. For tests and the demo only: keys live in
memory, SADs in a dict, nothing is persisted.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from hocbaso.signing.pki import PrivateKey

_EC_ALGOS = ["1.2.840.10045.4.3.2"]  # ecdsa-with-SHA256
_RSA_ALGOS = ["1.2.840.113549.1.1.11", "1.2.840.113549.1.1.1"]  # sha256WithRSAEncryption, rsaEncryption
_SHA256 = "2.16.840.1.101.3.4.2.1"


@dataclass
class Credential:
    key: PrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    pin: str


@dataclass
class _Sad:
    credential_id: str
    hashes: list[str] | None
    remaining: int


class _Refused(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass
class CscTestServer:
    """``CscTestServer(token="...").add("cred-1", key, cert, chain, pin="1234")``, then ``start()``/``stop()``."""

    token: str
    host: str = "127.0.0.1"
    port: int = 0
    credentials: dict[str, Credential] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    _sads: dict[str, _Sad] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def add(
        self, credential_id: str, key: PrivateKey, cert: x509.Certificate, chain: list[x509.Certificate], *, pin: str
    ) -> None:
        self.credentials[credential_id] = Credential(key, cert, list(chain), pin)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> CscTestServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1 << 20))
                try:
                    status, payload = 200, server._handle(self.path, self.headers.get("Authorization", ""), body)
                except _Refused as refused:
                    status, payload = refused.status, {"error": refused.error, "error_description": refused.description}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="csc-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> CscTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the API ---------------------------------------------------------------------------------

    def _handle(self, path: str, authorization: str, body: bytes) -> dict:
        for prefix in ("/csc/v1/", "/csc/v2/"):
            if path.startswith(prefix):
                endpoint = path[len(prefix) :]
                break
        else:
            raise _Refused(404, "invalid_request", "unknown endpoint")
        if not secrets.compare_digest(authorization, f"Bearer {self.token}"):
            raise _Refused(401, "invalid_token", "missing or wrong bearer token")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise _Refused(400, "invalid_request", "body is not JSON") from None
        self.calls.append(endpoint)
        if endpoint == "credentials/list":
            return {"credentialIDs": sorted(self.credentials)}
        credential_id = request.get("credentialID")
        credential = self.credentials.get(credential_id) if isinstance(credential_id, str) else None
        if credential is None:
            raise _Refused(400, "invalid_request", "unknown credentialID")
        if endpoint == "credentials/info":
            return self._info(credential, request)
        if endpoint == "credentials/authorize":
            return self._authorize(credential_id, credential, request)
        if endpoint == "signatures/signHash":
            return self._sign_hash(credential_id, credential, request)
        raise _Refused(404, "invalid_request", "unknown endpoint")

    def _info(self, credential: Credential, request: dict) -> dict:
        is_ec = isinstance(credential.key, ec.EllipticCurvePrivateKey)
        certs = (
            [credential.certificate, *credential.chain]
            if request.get("certificates", "single") == "chain"
            else [credential.certificate]
        )
        return {
            "key": {"status": "enabled", "algo": _EC_ALGOS if is_ec else _RSA_ALGOS, "len": credential.key.key_size},
            "cert": {
                "status": "valid",
                "certificates": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs],
            },
            "authMode": "explicit",
            "PIN": {"presence": "true", "format": "N"},
            "SCAL": "2",
            "multisign": 10,
        }

    def _authorize(self, credential_id: str, credential: Credential, request: dict) -> dict:
        if not secrets.compare_digest(str(request.get("PIN", "")), credential.pin):
            raise _Refused(400, "invalid_pin", "wrong PIN")
        hashes_b64 = request.get("hash", request.get("hashes"))
        count = int(request.get("numSignatures", len(hashes_b64 or []) or 1))
        sad = secrets.token_urlsafe(24)
        with self._lock:
            self._sads[sad] = _Sad(credential_id, list(hashes_b64) if hashes_b64 else None, count)
        return {"SAD": sad, "expiresIn": 300}

    def _sign_hash(self, credential_id: str, credential: Credential, request: dict) -> dict:
        hashes_b64 = request.get("hash", request.get("hashes")) or []
        hash_algo = request.get("hashAlgo", request.get("hashAlgorithmOID", _SHA256))
        sign_algo = request.get("signAlgo")
        with self._lock:
            sad = self._sads.get(str(request.get("SAD")))
            if sad is None or sad.credential_id != credential_id or sad.remaining < len(hashes_b64):
                raise _Refused(400, "invalid_request", "SAD missing, expired or used up")
            if sad.hashes is not None and not set(hashes_b64) <= set(sad.hashes):
                raise _Refused(400, "invalid_request", "hash not authorised by this SAD")
            sad.remaining -= len(hashes_b64)
            if sad.remaining <= 0:
                del self._sads[str(request.get("SAD"))]
        is_ec = isinstance(credential.key, ec.EllipticCurvePrivateKey)
        if hash_algo != _SHA256 or sign_algo not in (_EC_ALGOS if is_ec else _RSA_ALGOS):
            raise _Refused(400, "invalid_request", "unsupported algorithm")
        prehashed = utils.Prehashed(hashes.SHA256())
        signatures = []
        for item in hashes_b64:
            digest = base64.b64decode(item)
            if len(digest) != 32:
                raise _Refused(400, "invalid_request", "hash has the wrong length")
            if isinstance(credential.key, ec.EllipticCurvePrivateKey):
                value = credential.key.sign(digest, ec.ECDSA(prehashed))
            else:
                assert isinstance(credential.key, rsa.RSAPrivateKey)
                value = credential.key.sign(digest, padding.PKCS1v15(), prehashed)
            signatures.append(base64.b64encode(value).decode())
        return {"signatures": signatures}
