"""Verification figures: one issued record (three signatures + archive timestamp) verified by the
core; issuance-code lookups per second against a running server with concurrent clients on
loopback (bounded in time); memory.

    HOCBASO_DEMO=1 .venv/bin/python bench/bench_verification.py [--seconds 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    var_dir = setup("verification")

    from django.conf import settings
    from django.core.cache import cache

    from hocbaso.signing.pki import DemoPKI
    from hocbaso.signing.services import PKIServices
    from hocbaso.testing import build_world
    from hocbaso.verification import core, registry
    from hocbaso.verification.tests.helpers import issue, signed_pdf

    settings.HOCBASO_VERIFY_RATE_PER_MINUTE = 10**9  # the load generator is one client
    settings.ROOT_URLCONF = "hocbaso.verification.tests.urls"  # the project URLs plus /verify until wired
    services = PKIServices().start()
    pki = DemoPKI.create(Path(var_dir) / "bench-pki", base_url=services.url)
    services.pki = pki
    roots = Path(var_dir) / "roots.pem"
    roots.write_bytes(pki.export_roots_pem())
    settings.HOCBASO_TSA_URL = services.tsa_url
    settings.HOCBASO_TRUSTED_ROOTS = str(roots)
    from hocbaso.signing import pades

    world = build_world()
    version = issue(world, pki, {"tsa_url": services.tsa_url, "trust": pades.Trust.of(pki.roots())})
    pdf = signed_pdf(version)
    trust = registry.trust_store()
    print(f"issued record: {len(pdf) / 1024:.0f} KB, 3 signatures + document timestamp")
    timed(
        "core.examine (signatures, XML schema, re-render compare), online OCSP", lambda: core.examine(pdf, trust=trust)
    )
    offline = core.TrustStore(
        roots=trust.roots, allow_fetching=False, ledger_public_key_pem=trust.ledger_public_key_pem
    )
    timed("core.examine, offline (DSS revocation data only)", lambda: core.examine(pdf, trust=offline))

    def uncached() -> None:
        cache.clear()
        registry.verify_document(pdf)

    timed("registry.verify_document (examine + registry + ledger), uncached", uncached)
    timed("registry.verify_document, findings cached", lambda: registry.verify_document(pdf), repeat=20)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("registry.verify_document(pdf)", globals(), locals(), sort="cumtime")

    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/verify/{version.issuance_code}"
    if b'data-outcome="valid"' not in urllib.request.urlopen(url, timeout=30).read():
        raise SystemExit("the served page did not say valid")
    deadline = time.monotonic() + args.seconds
    counts = [0] * args.clients

    def client(index: int) -> None:
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
            counts[index] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(client, range(args.clients)))
    elapsed = time.monotonic() - started
    server.shutdown()
    server.server_close()
    services.stop()
    total = sum(counts)
    label = f"code lookups /verify/<code>, {args.clients} clients, {args.seconds:g} s"
    print(f"{label:<64} {total / elapsed:8.1f} per s ({total} requests)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory (max RSS of this process)':<64} {peak:8.1f} MB")


if __name__ == "__main__":
    main()
