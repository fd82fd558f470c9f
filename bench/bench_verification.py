"""Verification figures: one issued record (three signatures + archive timestamp) verified by the
core; issuance-code lookups per second against the running server — gunicorn in its own
processes, on a file database — with concurrent clients from a separate load-generator process on
loopback, bounded in time; latency percentiles; memory of the server workers and of this process.

    HOCBASO_DEMO=1 .venv/bin/python bench/bench_verification.py [--seconds 10] [--clients 8] [--workers 2]
        [--threads N] [--load wrk|python] [--deploy-config] [--lookups-only]

The bench sets up its data first (a fresh HOCBASO_VAR_DIR with a migrated SQLite file, or the
PostgreSQL of DATABASE_URL with BENCH_KEEP_DATABASE_URL=1), then starts the server with the same
environment. The server keeps the project's defaults (the default cache is a per-process
LocMemCache, so each worker examines the stored PDF once, during the warm-up, then reuses its
findings) except two: the per-client rate limit, raised through HOCBASO_VERIFY_RATE_PER_MINUTE
because every bench client shares one address, and persistent database connections
(HOCBASO_DB_CONN_MAX_AGE=600 unless set; ``HOCBASO_DB_CONN_MAX_AGE=0`` measures the default).
The load generator is ``wrk`` (Debian's, C: it leaves the two cores to the server) when installed
(``--load wrk``, the default then), else — or with ``--load python`` — an aiohttp client in a
separate process (which competes with the server for the same cores); the figure says which.
``--deploy-config`` starts gunicorn with ``deploy/gunicorn.conf.py`` (preloaded app, its worker
class) and ``--workers``/``--threads`` on top; ``--lookups-only`` skips the examine timings.
With ``HOCBASO_CACHE_URL=redis://…`` the server's workers share the Redis cache (answers, rate
limits) as in production. ``BENCH_PROFILE=1`` prints cProfile summaries of one examine and of one code lookup;
``BENCH_ACCESS_LOG=1`` writes the server-side time of each request to the temp dir's access.log.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from _django import setup, timed

ROOT = Path(__file__).resolve().parent.parent


def _load(url: str, clients: int, seconds: float) -> tuple[int, int, list[float], float]:
    """Load generator (runs in its own process): ``clients`` concurrent connections (kept alive where the server allows)
    asking for ``url`` until ``seconds`` have passed. Returns (ok, errors, latencies, elapsed)."""
    import aiohttp

    async def run() -> tuple[int, int, list[float], float]:
        latencies: list[float] = []
        errors = 0
        connector = aiohttp.TCPConnector(limit=clients)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            started = time.monotonic()
            deadline = started + seconds

            async def client() -> None:
                nonlocal errors
                while time.monotonic() < deadline:
                    sent = time.perf_counter()
                    try:
                        async with session.get(url) as response:
                            await response.read()
                            ok = response.status == 200
                    except aiohttp.ClientError:
                        ok = False
                    if ok:
                        latencies.append(time.perf_counter() - sent)
                    else:
                        errors += 1

            await asyncio.gather(*(client() for _ in range(clients)))
            return len(latencies), errors, latencies, time.monotonic() - started

    return asyncio.run(run())


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %f %f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95)))
end
"""


def _wrk(url: str, clients: int, seconds: float, script: Path) -> tuple[int, int, float, float, float]:
    """``wrk`` (C) for ``seconds``: (requests answered 2xx, errors, elapsed s, p50 s, p95 s)."""
    threads = max(1, min(2, clients))
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    total, errors, duration, p50, p95 = line.split()[1:]
    return int(total) - int(errors), int(errors), int(duration) / 1e6, float(p50) / 1e6, float(p95) / 1e6


def _wsgi_cpu(path: str, n: int = 300) -> float:
    """CPU seconds per request of ``GET path`` through Django's WSGI handler (all middleware, no
    server, no test client), after one unmeasured request fills the caches."""
    import io

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"GET {path}: {status}")

    b"".join(handler(dict(environ), start_response))
    started = time.process_time()
    for _ in range(n):
        b"".join(handler(dict(environ), start_response))
    return (time.process_time() - started) / n


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid`` in kB, from /proc."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_until_served(url: str, server: subprocess.Popen[bytes], log: Path) -> bytes:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback URL we built)
                return bytes(response.read())
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer in time:\n{log.read_text()[-3000:]}")


def _profile(label: str, statement: str, namespace: dict[str, Any], *, sort: str = "cumtime") -> None:
    import cProfile
    import pstats

    print(f"--- profile: {label}")
    profile = cProfile.Profile()
    profile.runctx(statement, namespace, namespace)
    stats = pstats.Stats(profile).sort_stats(sort)
    stats.print_stats(25)
    if os.environ.get("BENCH_PROFILE_CALLERS"):  # who calls the top entries
        stats.print_callers(8)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="measured load duration")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load first (caches fill)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread workers)")
    parser.add_argument("--load", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--deploy-config", action="store_true", help="gunicorn -c deploy/gunicorn.conf.py")
    parser.add_argument("--lookups-only", action="store_true", help="skip the examine timings")
    args = parser.parse_args()
    # Every bench client comes from 127.0.0.1: one rate-limit bucket. Set before Django reads
    # its settings, so the server started below inherits it too.
    os.environ["HOCBASO_VERIFY_RATE_PER_MINUTE"] = str(10**9)
    # Persistent database connections, as a server is run: with the default (0) every request
    # opens and closes SQLite, and the last close of a WAL database checkpoints it.
    os.environ.setdefault("HOCBASO_DB_CONN_MAX_AGE", "600")
    var_dir = setup("verification")

    from django.conf import settings
    from django.core.cache import cache

    from hocbaso.signing import pades
    from hocbaso.signing.pki import DemoPKI
    from hocbaso.signing.testing.services import PKIServices
    from hocbaso.testing import build_world
    from hocbaso.verification import core, registry
    from hocbaso.verification.models import VerificationLog
    from hocbaso.verification.tests.helpers import issue, signed_pdf

    services = PKIServices().start()
    pki = DemoPKI.create(Path(var_dir) / "bench-pki", base_url=services.url)
    services.pki = pki
    roots = Path(var_dir) / "roots.pem"
    roots.write_bytes(pki.export_roots_pem())
    # Through the environment (read by signing.trust), so the server process trusts the same root.
    os.environ["HOCBASO_TSA_URL"] = settings.HOCBASO_TSA_URL = services.tsa_url
    os.environ["HOCBASO_TRUSTED_ROOTS"] = settings.HOCBASO_TRUSTED_ROOTS = str(roots)

    from hocbaso.core import gc_tuning

    gc_tuning.tune()  # as the web workers and the hocbaso command do (config/wsgi.py, hocbaso/cli.py)
    world = build_world()
    version = issue(world, pki, {"tsa_url": services.tsa_url, "trust": pades.Trust.of(pki.roots())})
    pdf = signed_pdf(version)
    trust = registry.trust_store()
    print(f"issued record: {len(pdf) / 1024:.0f} KB, 3 signatures + document timestamp")
    if not args.lookups_only:
        services.hits.clear()
        core.examine(pdf, trust=trust)
        fetches = sum(services.hits.values())
        timed(
            f"core.examine, online ({fetches} OCSP/CRL fetches; signatures, XML, re-render compare)",
            lambda: core.examine(pdf, trust=trust),
            repeat=15,
        )
        offline = core.TrustStore(
            roots=trust.roots, allow_fetching=False, ledger_public_key_pem=trust.ledger_public_key_pem
        )
        timed("core.examine, offline (DSS revocation data only)", lambda: core.examine(pdf, trust=offline), repeat=15)

        def uncached() -> None:
            cache.clear()
            registry.verify_document(pdf)

        timed("registry.verify_document (examine + registry + ledger), uncached", uncached)
        timed("registry.verify_document, findings cached", lambda: registry.verify_document(pdf), repeat=20)
        timed("registry.verify_code, findings cached", lambda: registry.verify_code(version.issuance_code), repeat=20)
    per_request = _wsgi_cpu(f"/verify/{version.issuance_code}")
    print(
        f"{'GET /verify/<code> through the WSGI handler, in-process (CPU)':<64} {per_request * 1000:8.2f} ms a request"
    )
    if os.environ.get("BENCH_PROFILE"):
        from django.test import Client

        client = Client()
        client.get(f"/verify/{version.issuance_code}")
        namespace = {"core": core, "pdf": pdf, "trust": trust, "client": client, "code": version.issuance_code}
        if not args.lookups_only:
            _profile("core.examine (online)", "core.examine(pdf, trust=trust)", namespace)
        _profile(
            "GET /verify/<code> (findings cached), 20 requests",
            "for _ in range(20): client.get(f'/verify/{code}')",
            namespace,
        )
        namespace["wsgi_cpu"] = _wsgi_cpu
        _profile(
            "GET /verify/<code> (answer cached) through the WSGI handler, 300 requests",
            "wsgi_cpu(f'/verify/{code}')",
            namespace,
        )
        _profile("the same by own time", "wsgi_cpu(f'/verify/{code}')", namespace, sort="tottime")

    port = _free_port()
    url = f"http://127.0.0.1:{port}/verify/{version.issuance_code}"
    log = Path(var_dir) / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    if args.deploy_config:
        command += ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["--workers", str(args.workers), "--error-logfile", str(log), "--no-control-socket"]
    if os.environ.get("BENCH_ACCESS_LOG"):  # server-side time per request, in ms
        command += ["--access-logfile", str(Path(var_dir) / "access.log"), "--access-logformat", "%(M)s"]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    logs_before = VerificationLog.objects.count()
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=output, stderr=output)
    try:
        if b'data-outcome="valid"' not in _wait_until_served(url, server, log):
            raise SystemExit("the served page did not say valid")
        if args.load == "wrk":
            script = Path(var_dir) / "wrk-summary.lua"
            script.write_text(WRK_SCRIPT)
            if args.warmup > 0:
                _wrk(url, args.clients, args.warmup, script)
            ok, errors, elapsed, p50, p95 = _wrk(url, args.clients, args.seconds, script)
        else:
            context = multiprocessing.get_context("spawn")
            with context.Pool(1) as pool:
                if args.warmup > 0:  # each worker examines the stored PDF once, then serves from its cache
                    pool.apply(_load, (url, args.clients, args.warmup))
                ok, errors, latencies, elapsed = pool.apply(_load, (url, args.clients, args.seconds))
            latencies.sort()
            p50 = statistics.median(latencies) if latencies else 0.0
            p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else 0.0
        workers = {pid: _status(pid) for pid in _children(server.pid)}
        master = _status(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        services.stop()

    kind = f"gthread x{args.threads}" if args.threads > 1 else "sync"
    conn = os.environ["HOCBASO_DB_CONN_MAX_AGE"]
    shared = "shared Redis cache" if os.environ.get("HOCBASO_CACHE_URL") else "per-worker LocMemCache"
    config = "deploy/gunicorn.conf.py, " if args.deploy_config else ""
    print(f"server: gunicorn, {config}{args.workers} {kind} workers, HOCBASO_DB_CONN_MAX_AGE={conn}, {shared}")
    generator = "wrk (C)" if args.load == "wrk" else "aiohttp (Python, same cores)"
    label = f"code lookups /verify/<code>, {args.clients} clients, {args.seconds:g} s, load: {generator}"
    print(f"{label:<64} {ok / elapsed:8.1f} per s ({ok} ok, {errors} errors)")
    if ok:
        print(f"{'  latency p50 / p95':<64} {p50 * 1000:8.1f} ms / {p95 * 1000:.1f} ms")
    logged = VerificationLog.objects.count() - logs_before
    print(f"{'  verification log rows written by the server (warm-up included)':<64} {logged:8d}")
    for pid, status in sorted(workers.items()):
        rss, peak = status.get("VmRSS", 0) / 1024, status.get("VmHWM", 0) / 1024
        print(f"{f'  memory of server worker {pid} (RSS, peak)':<64} {rss:8.1f} MB, peak {peak:.1f} MB")
    print(f"{'  memory of server master (RSS)':<64} {master.get('VmRSS', 0) / 1024:8.1f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory of this bench process (max RSS)':<64} {peak:8.1f} MB")


if __name__ == "__main__":
    main()
