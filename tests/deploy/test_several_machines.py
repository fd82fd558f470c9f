"""Several machines: two web processes (gunicorn) and two task workers (``hocbaso db_worker``), each
with a VAR_DIR of its own as on separate machines, against one PostgreSQL database (with a read-only
"replica" connection for the public verify path), Redis (sessions, cache, sign-in throttle) and an
S3 server on loopback (moto's, tests/deploy/s3_server.py) holding every stored file.

A homeroom teacher signs in on A (password) and finishes on B (authenticator code), submits a class
for signing on A and watches it on B while the two workers sign; the signed files are in the bucket
and nowhere on the machines' disks; the records verify through the other web process from the
replica connection; sign-in failures on A and B count against one lockout.

What each machine holds (docs/scaling.md): the environment file, the trusted roots, the log key, and
the server-held PKCS#12 files of the people who sign with them (key custody: never in the store).
Every process always runs against the PostgreSQL server at 127.0.0.1:5432, also in the SQLite run of
the suite. The load balancer in front is not part of this test (test_deployment.py tests nginx): the
requests carry the ``X-Forwarded-Proto`` header nginx sets.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django_otp.oath import hotp

from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.testing.services import PKIServices
from tests.deploy.conftest import POSTGRES, ROOT, clean_environment, own_postgres_database, psql
from tests.deploy.s3_server import S3Server, s3_server
from tests.deploy.stack import Stack, command_of, free_port, prepare, read_environment_file, wait_for_port

CLASS_SIZE = 4
REDIS = "redis://127.0.0.1:6379/1"


@dataclass
class Browser:
    """One person's cookies, sent to whichever web process a request goes to."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, port: int, path: str, *, form: dict[str, object] | None = None, timeout: float = 120
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {
            "X-Forwarded-Proto": "https",  # as nginx in front of every web machine sets it
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            pairs = [(k, v) for k, value in form.items() for v in (value if isinstance(value, list) else [value])]
            body = urlencode(pairs).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://127.0.0.1:{port}",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
            }
        try:
            connection.request("POST" if form is not None else "GET", path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            answer = response.read().decode("utf-8", errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
        finally:
            connection.close()

    def post_form(self, port: int, path: str, fields: dict[str, object]) -> tuple[int, dict[str, str], str]:
        """GET the page (for its CSRF token), then POST ``fields`` to it."""
        status, _headers, page = self.request(port, path)
        assert status == 200, (path, status, page[:300])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:300]
        return self.request(port, path, form={"csrfmiddlewaretoken": token.group(1), **fields})


@dataclass
class Machines:
    stack: Stack
    s3: S3Server
    database: str
    reader: str
    web_a: int
    web_b: int
    seeded: dict[str, object]
    vars: dict[str, Path]

    def sql(self, query: str) -> list[list[str]]:
        return [row.split("|") for row in psql(self.database, query).splitlines() if row]


@contextmanager
def read_only_role(database: str) -> Iterator[str]:
    """A login role that can only read ``database``: the test's stand-in for a streaming replica's
    connection (any write sent there fails, and pg_stat_activity shows whether it was used)."""
    role = f"hocbaso_reader_{uuid.uuid4().hex[:8]}"
    psql("postgres", f"CREATE ROLE {role} LOGIN")
    try:
        psql(database, f"ALTER ROLE {role} SET default_transaction_read_only = on")
        yield role
    finally:
        psql("postgres", f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")  # noqa: S608
        psql(database, f"DROP OWNED BY {role}")
        psql("postgres", f"DROP ROLE IF EXISTS {role}")


def _log_key(path: Path) -> Path:
    """The transparency log's key, the same file on every machine (HOCBASO_LEDGER_KEY_FILE)."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def _seed(stack: Stack, var: Path, pki_directory: Path) -> dict[str, object]:
    done = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "tests.deploy.seed",
            "machines",
            str(pki_directory),
            str(CLASS_SIZE),
        ],
        env=clean_environment(**{**read_environment_file(stack.env_file), "HOCBASO_VAR_DIR": str(var)}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    tmp = tmp_path_factory.mktemp("machines")
    with ExitStack() as resources:
        services = resources.enter_context(PKIServices())
        pki = DemoPKI.create(tmp / "test-pki", base_url=services.url)
        services.pki = pki
        roots = tmp / "roots.pem"
        roots.write_bytes(pki.export_roots_pem())
        s3 = resources.enter_context(s3_server(tmp / "s3-logs"))
        database = resources.enter_context(own_postgres_database("hocbaso_machines"))
        prefix = f"test-machines-{secrets.token_hex(6)}"
        resources.callback(_forget_keys, prefix)
        running = prepare(
            tmp,
            tsa_url=services.tsa_url,
            roots=roots,
            settings={
                "DATABASE_URL": f"{POSTGRES}/{database}",
                "HOCBASO_DB_CONN_MAX_AGE": "60",
                "HOCBASO_CACHE_URL": REDIS,
                "HOCBASO_CACHE_KEY_PREFIX": prefix,  # this run's keys only, removed afterwards
                "HOCBASO_LEDGER_KEY_FILE": str(_log_key(tmp / "log-key.pem")),
                "HOCBASO_SIGNING_SHARDS": "2",
                "HOCBASO_WEB_WORKERS": "1",  # one gunicorn process per web machine: two machines
                **s3.environment(),
            },
        )
        resources.callback(running.stop)
        machine_vars = {name: tmp / f"machine-{name}" for name in ("admin", "web-a", "web-b", "worker-1", "worker-2")}
        for var in machine_vars.values():
            var.mkdir()
        reader = resources.enter_context(read_only_role(database))
        replica = {"HOCBASO_DATABASE_REPLICA_URL": f"postgres://{reader}@127.0.0.1:5432/{database}"}
        systemd = running.rendered / "systemd"
        ports = {"web-a": running.web, "web-b": free_port()}
        for name, port in ports.items():  # they start while the database is migrated and seeded
            argv, env, cwd = command_of(systemd / "hocbaso-web.service")
            argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
            running.start(name, argv, {**env, **replica, "HOCBASO_VAR_DIR": str(machine_vars[name])}, cwd)
        seeded = _seed(running, machine_vars["admin"], pki.directory)
        psql(database, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}")
        # Key custody: the signer's server-held PKCS#12 is installed on each machine that opens it
        # (the web machines check the password before queueing, the workers sign).
        credential = Path(str(seeded["credential_file"]))
        for name in ("web-a", "web-b", "worker-1", "worker-2"):
            (machine_vars[name] / credential).parent.mkdir(parents=True)
            shutil.copy2(machine_vars["admin"] / credential, machine_vars[name] / credential)
        for number in ("1", "2"):
            argv, env, cwd = command_of(systemd / "hocbaso-worker@.service", instance=number)
            worker_var = {"HOCBASO_VAR_DIR": str(machine_vars[f"worker-{number}"])}
            running.start(f"worker-{number}", argv, {**env, **replica, **worker_var}, cwd)
        for name, port in ports.items():
            wait_for_port(port, running.processes[name], name)
        yield Machines(running, s3, database, reader, ports["web-a"], ports["web-b"], seeded, machine_vars)


def _forget_keys(prefix: str) -> None:
    """Remove this run's keys (sessions, counters) from the shared Redis."""
    import redis

    server = redis.Redis.from_url(REDIS)
    try:
        for key in server.scan_iter(match=f"{prefix}:*", count=500):
            server.delete(key)
    finally:
        server.close()


def _totp(key_hex: str) -> str:
    return f"{hotp(bytes.fromhex(key_hex), int(time.time()) // 30, digits=6):06d}"


def test_a_class_signed_through_two_web_processes_and_two_workers_lands_in_the_bucket_and_verifies(
    machines: Machines,
) -> None:
    seeded, a, b = machines.seeded, machines.web_a, machines.web_b
    teacher = Browser()

    # Signed in on A with the password, on B with the authenticator: one session, in Redis and PostgreSQL.
    status, headers, _page = teacher.post_form(
        a, "/login/", {"username": seeded["username"], "password": seeded["password"]}
    )
    assert status == 302 and "second-factor" in headers["location"], (status, machines.stack.log("web-a")[-2000:])
    status, headers, _page = teacher.post_form(b, "/login/second-factor/", {"code": _totp(str(seeded["totp_key"]))})
    assert status == 302, _page[:500]

    # The class submitted on A …
    versions = [int(v) for v in seeded["versions"]]  # type: ignore[attr-defined]
    status, headers, page = teacher.post_form(
        a,
        "/signing/pending/",
        {
            "role": "homeroom",
            "idempotency_key": uuid.uuid4().hex,
            "versions": versions,
            "credential": seeded["credential"],
            "authorisation": seeded["authorisation"],
        },
    )
    assert status == 302, page[:2000]
    batch_page = headers["location"]
    batch = int(re.findall(r"/signing/batches/(\d+)/", batch_page)[0])

    # … watched on B until the workers have finished (the page stops refreshing itself).
    deadline = time.monotonic() + 90
    while True:
        status, _headers, page = teacher.request(b, batch_page)
        assert status == 200, page[:300]
        if 'hx-trigger="every 2s"' not in page or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    state = machines.sql(f"SELECT state, done, total FROM signing_signingbatch WHERE id = {batch}")  # noqa: S608
    assert state == [["finished", str(CLASS_SIZE), str(CLASS_SIZE)]], machines.stack.log("worker-1")[-3000:]
    tasks = machines.sql(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%sign_batch_task'"
    )
    assert len(tasks) == 2 and {status for status, _ in tasks} == {"SUCCESSFUL"}  # two shards
    assert {json.loads(workers)[-1].rsplit("-", 1)[1] for _, workers in tasks} <= {"1", "2"}

    # Every record file is in the bucket, with its registered hash, and none on any machine's disk.
    columns = "id, issuance_code, status, pdf_name, pdf_sha256, signed_pdf_name, signed_pdf_sha256, signed_xml_name"
    ids = ",".join(map(str, versions))
    rows = machines.sql(f"SELECT {columns}, signed_xml_sha256 FROM records_recordversion WHERE id IN ({ids})")  # noqa: S608
    assert len(rows) == CLASS_SIZE and {row[2] for row in rows} == {"signed_homeroom"}
    stored = machines.s3.objects()
    for row in rows:
        files = [(name, digest) for name, digest in zip(row[3::2], row[4::2], strict=True) if name]
        assert len(files) >= 2, row  # the frozen PDF and the signed PDF at least
        for name, digest in files:
            assert name in stored and hashlib.sha256(stored[name]).hexdigest() == digest, name
    assert not [p for var in machines.vars.values() for p in var.rglob("records/*")]
    assert not [var for var in machines.vars.values() if (var / "media").exists()]

    # Downloaded through B (streamed from the store by the app: no redirect to a bucket URL).
    first = rows[0]
    status, headers, _pdf = teacher.request(b, f"/records/versions/{first[0]}/document.pdf")
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert machines.s3.endpoint not in json.dumps(headers)

    # Verified through both web processes from the replica connection: each reads the signed PDF
    # from the bucket and examines it (the homeroom signature is not the record's last: whatever
    # the outcome, the registry knew the code).
    for number, row in enumerate(rows):
        status, _headers, answer = Browser().request((a, b)[number % 2], f"/api/v1/verify/code/{row[1]}")
        assert status == 200, answer[:500]
        report = json.loads(answer)
        assert report["reason"] not in {"code_unknown", "not_registered"}, report
        assert len(report["signatures"]) >= 1, report  # the homeroom signature, read from the stored PDF
    used = machines.sql(f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{machines.reader}'")  # noqa: S608
    assert int(used[0][0]) >= 1
    logged = machines.sql("SELECT count(*) FROM verification_verificationlog")
    assert int(logged[0][0]) >= CLASS_SIZE  # the log rows were written to the primary

    # The verify page's answer is kept in Redis for both processes (ADR 0018); a status change written
    # in PostgreSQL — here past the actions, as an operator's SQL would — changes the key of the very
    # next lookup on either process, and every lookup is logged. (These versions carry only the
    # homeroom signature, so their page does not reach the status check: the new key shows the
    # answer was computed again; test_cached_answers.py shows the revoked page itself.)
    version_id, code = rows[0][0], rows[0][1]
    before = int(machines.sql("SELECT count(*) FROM verification_verificationlog")[0][0])
    status, _headers, on_a = Browser().request(a, f"/verify/{code}")
    assert status == 200 and 'id="outcome"' in on_a, on_a[-2000:]
    assert Browser().request(b, f"/verify/{code}")[2] == on_a  # B serves A's answer
    pattern = f"*verification:answer:page:{code}:*"
    assert len(_redis_keys(pattern)) == 1
    machines.sql(
        "UPDATE records_recordversion SET status = 'revoked', status_reason = 'revoked in a test'"  # noqa: S608
        f" WHERE id = {version_id}"
    )
    status, _headers, recomputed = Browser().request(b, f"/verify/{code}")
    assert status == 200 and len(_redis_keys(pattern)) == 2  # computed again, under the new key
    status, _headers, again = Browser().request(a, f"/verify/{code}")
    assert status == 200 and again == recomputed and len(_redis_keys(pattern)) == 2  # A uses B's new answer
    after = int(machines.sql("SELECT count(*) FROM verification_verificationlog")[0][0])
    assert after - before == 4


def _redis_keys(pattern: str) -> list[bytes]:
    import redis

    server = redis.Redis.from_url(REDIS)
    try:
        return list(server.scan_iter(match=pattern, count=500))
    finally:
        server.close()


def test_sign_in_failures_on_either_web_process_count_against_one_lockout(machines: Machines) -> None:
    """Five wrong passwords, alternately on A and B, lock the account on both (the count is in Redis)."""
    other = str(machines.seeded["other_username"])
    for attempt in range(5):
        status, _headers, _page = Browser().post_form(
            (machines.web_a, machines.web_b)[attempt % 2], "/login/", {"username": other, "password": "wrong"}
        )
        assert status == 200
    status, _headers, _page = Browser().post_form(
        machines.web_b, "/login/", {"username": other, "password": machines.seeded["password"]}
    )
    assert status == 200  # refused although the password is right: locked by the failures on A and B
