"""Loopback trust services for the demo PKI: an RFC 3161 TSA, CRLs, CA certificates and OCSP over HTTP.

One small threaded HTTP server on 127.0.0.1 (port 0 by default, so tests never collide)::

    POST /tsa                 application/timestamp-query  -> application/timestamp-reply
    GET  /crl/<ca>.crl        a freshly signed CRL (DER)
    GET  /ca/<ca>.cer         the CA certificate (DER)
    POST /ocsp                application/ocsp-request     -> application/ocsp-response
    GET  /ocsp/<base64 req>   the same, GET form of RFC 6960 appendix A

Use from tests (``with PKIServices(pki) as services: services.tsa_url``) or from a management command
(``PKIServices(pki, port=8765).start()`` then ``stop()``). Because certificates embed the service URL,
a PKI is usually created *after* the server started: ``PKIServices()`` without a PKI, ``start()``,
``DemoPKI.create(dir, base_url=services.url)``, then ``services.pki = pki``.

The server answers for the demo PKI only and has no legal value; it is not hardened for the internet.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hocbaso.signing.backends import to_asn1
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.timestamper import LoadedKeyTimeStamper

_MAX_BODY = 64 * 1024


def ocsp_response_der(pki: DemoPKI, request_der: bytes) -> bytes:
    """Answer one OCSP request for ``pki`` (signed by the issuing CA's delegated responder)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
            serialization.Encoding.DER
        )
    pki.refresh()
    authority = None
    for candidate in pki._authorities():
        cert = candidate.cert
        asn1_cert = to_asn1(cert)
        key_hash = (
            asn1_cert.public_key.sha1
            if isinstance(request.hash_algorithm, hashes.SHA1)
            else asn1_cert.public_key.sha256
        )
        if key_hash == request.issuer_key_hash:
            authority = candidate
            break
    if authority is None:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
            serialization.Encoding.DER
        )
    serial = request.serial_number
    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    revocation = pki.revocations.get(serial)
    if pki.issued.get(serial) != authority.slug:
        status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    elif revocation is not None and revocation.when <= now:
        status, revoked_at, reason = ocsp.OCSPCertStatus.REVOKED, revocation.when, revocation.reason
    else:
        status, revoked_at, reason = ocsp.OCSPCertStatus.GOOD, None, None
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=serial,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now - dt.timedelta(minutes=1),
            next_update=now + dt.timedelta(hours=12),
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, authority.ocsp_cert)
        .certificates([authority.ocsp_cert])
    )
    for extension in request.extensions:
        if isinstance(extension.value, x509.OCSPNonce):
            builder = builder.add_extension(extension.value, critical=False)
    return builder.sign(authority.ocsp_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class PKIServices:
    """The loopback TSA/CRL/OCSP server. ``hits`` counts requests per service (``tsa``, ``crl``, ``ocsp``, ``ca``)."""

    def __init__(self, pki: DemoPKI | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.pki = pki
        self.hits: Counter[str] = Counter()
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tsa: LoadedKeyTimeStamper | None = None
        self._tsa_for: object = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> PKIServices:
        services = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                services._dispatch(self, "GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > _MAX_BODY:
                    self.send_error(413)
                    return
                services._dispatch(self, "POST", self.rfile.read(length))

        self._server = ThreadingHTTPServer(self._address, Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="pki-services", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> PKIServices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self._address[0]}:{self._server.server_port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/tsa"

    # --- requests --------------------------------------------------------------------------------

    def _timestamper(self, pki: DemoPKI) -> LoadedKeyTimeStamper:
        if self._tsa is None or self._tsa_for is not pki:
            self._tsa = LoadedKeyTimeStamper(pki.tsa_cert, pki.tsa_key, pki.chain())
            self._tsa_for = pki
        return self._tsa

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        pki = self.pki
        path = handler.path.split("?", 1)[0]
        status, content_type, payload = 404, "text/plain", b"not found"
        if pki is None:
            status, payload = 503, b"no PKI attached"
        elif method == "POST" and path == "/tsa":
            self.hits["tsa"] += 1
            try:
                request = tsp.TimeStampReq.load(body)
                payload = self._timestamper(pki).request_tsa_response(request).dump()
                status, content_type = 200, "application/timestamp-reply"
            except (ValueError, TypeError, KeyError):
                status, payload = 400, b"bad timestamp request"
        elif method == "POST" and path == "/ocsp":
            self.hits["ocsp"] += 1
            status, content_type, payload = 200, "application/ocsp-response", ocsp_response_der(pki, body)
        elif method == "GET" and path.startswith("/ocsp/"):
            self.hits["ocsp"] += 1
            try:
                request_der = base64.b64decode(unquote(path[len("/ocsp/") :]), validate=False)
            except ValueError:
                request_der = b""
            status, content_type, payload = 200, "application/ocsp-response", ocsp_response_der(pki, request_der)
        elif method == "GET" and path.startswith("/crl/") and path.endswith(".crl"):
            self.hits["crl"] += 1
            pki.refresh()
            try:
                payload = pki.crl_der(path[len("/crl/") : -len(".crl")])
                status, content_type = 200, "application/pkix-crl"
            except KeyError:
                pass
        elif method == "GET" and path.startswith("/ca/") and path.endswith(".cer"):
            self.hits["ca"] += 1
            try:
                payload = pki.authority(path[len("/ca/") : -len(".cer")]).cert.public_bytes(serialization.Encoding.DER)
                status, content_type = 200, "application/pkix-cert"
            except KeyError:
                pass
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
