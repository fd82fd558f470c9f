"""nginx + gunicorn + a task worker started on loopback from deploy/'s own files (stack.py): the
security headers arrive through nginx, nginx refuses a body over the app's largest limit before
the app sees it and lets smaller ones reach the app's own limits, static files are nginx's, a
signing batch is run by the worker, and every scheduled task's unit runs."""

from __future__ import annotations

import http.client
import json
import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.testing.services import PKIServices
from tests.deploy.conftest import ROOT, clean_environment
from tests.deploy.stack import (
    DEPLOY,
    NGINX,
    Stack,
    command_of,
    nginx_main_config,
    prepare,
    read_environment_file,
    unit,
    wait_for_port,
)

# client_max_body_size of the site (test_deploy_files.py ties it to the largest upload a view accepts)
NGINX_LIMIT = (
    int(re.findall(r"client_max_body_size (\d+)k;", (DEPLOY / "nginx" / "hocbaso.conf").read_text())[0]) * 1024
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("deployment")
    with PKIServices() as services:
        pki = DemoPKI.create(tmp / "test-pki", base_url=services.url)
        services.pki = pki
        roots = tmp / "roots.pem"
        roots.write_bytes(pki.export_roots_pem())
        running = prepare(tmp, tsa_url=services.tsa_url, roots=roots)
        try:
            seeded = _seed(running, pki.directory)
            assert running.hocbaso("collectstatic", "--noinput").returncode == 0
            systemd = running.rendered / "systemd"
            running.start("gunicorn", *command_of(systemd / "hocbaso-web.service"))
            running.start("worker", *command_of(systemd / "hocbaso-worker@.service", instance="1"))
            config = nginx_main_config(running)
            checked = subprocess.run(
                [NGINX, "-t", "-q", "-e", str(running.logs / "nginx-t.log"), "-c", str(config)],
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, checked.stderr
            running.start(
                "nginx",
                [NGINX, "-e", str(running.logs / "nginx-early.log"), "-c", str(config)],
                clean_environment(),
                tmp,
            )
            wait_for_port(running.web, running.processes["gunicorn"], "gunicorn")
            wait_for_port(running.https, running.processes["nginx"], "nginx")
            _get(running, "/verify", timeout=300)  # the first answer on a busy machine
            yield running, seeded
        finally:
            running.stop()


def _seed(running: Stack, pki_directory: Path) -> dict[str, object]:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "tests.deploy.seed", "deploy", str(pki_directory)],
        env=clean_environment(**read_environment_file(running.env_file)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _get(
    running: Stack,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, dict[str, list[str]], bytes]:
    connection = http.client.HTTPSConnection("127.0.0.1", running.https, context=running.tls(), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found, response.read()
    finally:
        connection.close()


def test_pages_carry_every_security_header_once_through_nginx_over_tls(stack) -> None:
    running, _seeded = stack
    status, headers, _body = _get(running, "/verify")

    assert status == 200
    assert headers["strict-transport-security"] == ["max-age=31536000; includeSubDomains; preload"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"][0]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    assert headers["cross-origin-opener-policy"] == ["same-origin"]
    assert "no-store" in headers["cache-control"][0]
    assert headers["server"] == ["nginx"]  # no version
    with (
        socket.create_connection(("127.0.0.1", running.https)) as raw,
        running.tls().wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_plain_http_is_redirected_to_https(stack) -> None:
    running, _seeded = stack
    connection = http.client.HTTPConnection("127.0.0.1", running.http, timeout=30)
    try:
        connection.request("GET", "/verify?code=X")
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == f"https://127.0.0.1:{running.https}/verify?code=X"
    finally:
        connection.close()


def test_the_client_address_is_the_one_that_connected_whatever_it_claims(stack) -> None:
    """nginx replaces X-Forwarded-For: a forged header cannot buy a fresh rate-limit bucket."""
    running, _seeded = stack
    assert "X-Forwarded-For $remote_addr" in (running.rendered / "nginx" / "hocbaso.conf").read_text()


def test_a_body_over_the_largest_app_limit_is_refused_by_nginx_unread(stack) -> None:
    running, _seeded = stack
    context = running.tls()
    with (
        socket.create_connection(("127.0.0.1", running.https), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(
            (
                "POST /api/v1/verify/file HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {NGINX_LIMIT + 1}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        started = time.monotonic()
        answer = b""
        while chunk := tls.recv(65536):  # not one byte of the body was sent
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"nginx" in answer and b"request_too_large" not in answer  # nginx's page, not the app's
    assert time.monotonic() - started < 10


def test_a_body_within_nginx_limit_reaches_the_app_and_its_own_limits(stack) -> None:
    running, _seeded = stack
    boundary = "hocbaso-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"%PDF-1.7\n" + b"0" * (NGINX_LIMIT - len(head) - len(tail) - 9) + tail
    assert len(body) == NGINX_LIMIT
    status, headers, answer = _get(
        running, "/api/v1/verify/file", method="POST", body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    assert headers["content-type"][0].startswith("application/json"), (status, answer[:200])
    # the app answers: above the verify upload's own 10 MB it refuses with its stable code
    assert status == 413 and json.loads(answer)["code"] == "request_too_large"

    # 3 MB to a form page: under nginx's wall, over the page's own 2.5 MB — the app's 413 page.
    status, headers, answer = _get(
        running, "/login/", method="POST", body=b"a=" + b"b" * 3_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 413
    assert "Quá lớn" in answer.decode() and b"nginx" not in answer


def test_static_files_are_served_by_nginx(stack) -> None:
    running, _seeded = stack
    status, headers, body = _get(running, "/static/css/app.css")

    assert status == 200
    assert body == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert headers["content-type"] == ["text/css"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["strict-transport-security"] == ["max-age=31536000; includeSubDomains; preload"]
    assert headers["cache-control"] == ["max-age=3600"]
    assert "x-frame-options" in headers
    assert _get(running, "/static/../config/settings.py")[0] in {400, 404}
    # nginx's own access log has it; gunicorn never saw a static request (accesslog = None, so ask nginx).
    assert "GET /static/css/app.css" in (running.logs / "hocbaso.access.log").read_text()


def _batch(running: Stack, batch_id: object) -> tuple[str, int, int]:
    with sqlite3.connect(running.var / "hocbaso.sqlite3", timeout=30) as db:
        return db.execute("SELECT state, done, total FROM signing_signingbatch WHERE id = ?", (batch_id,)).fetchone()


def test_a_signing_batch_is_run_by_the_task_worker(stack) -> None:
    running, seeded = stack
    assert seeded["state"] != "finished"  # queued by the web entry, not run in that process
    deadline = time.monotonic() + 240
    while _batch(running, seeded["batch"])[0] not in {"finished", "failed"} and time.monotonic() < deadline:
        time.sleep(1)

    assert _batch(running, seeded["batch"]) == ("finished", 3, 3), running.log("worker")
    with sqlite3.connect(running.var / "hocbaso.sqlite3") as db:
        tasks = db.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%sign_batch_task'"
        ).fetchall()
        signed = db.execute("SELECT status FROM records_recordversion ORDER BY id").fetchall()
    assert [status for status, _workers in tasks] == ["SUCCESSFUL"]
    assert json.loads(tasks[0][1])[0].endswith("-1")  # hocbaso-worker@1 (worker id %H-%i)
    assert signed == [("signed_homeroom",)] * 3
    assert running.hocbaso("records", "rehash").returncode == 0


def test_every_scheduled_task_unit_runs(stack) -> None:
    running, _seeded = stack
    systemd = running.rendered / "systemd"
    timers = sorted(systemd.glob("*.timer"))
    assert len(timers) == 7
    for timer in timers:
        service = timer.with_suffix(".service")
        assert unit(service)["Type"] == ["oneshot"] and unit(timer)["OnCalendar"]
        argv, env, cwd = command_of(service)
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (service.name, done.stdout, done.stderr)
    (nightly,) = (running.var.parent / "backups").glob("hocbaso-*.tar")  # hocbaso-backup.service's
    assert nightly.stat().st_size > 0


def test_the_rendered_units_pass_systemd_analyze_verify(stack) -> None:
    running, _seeded = stack
    units = sorted(str(p) for p in (running.rendered / "systemd").iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        cwd=running.rendered / "systemd",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
