"""deploy/ agrees with the app: every environment variable the code reads is in the environment
file, nginx's body limit is the largest the app accepts, nginx waits longer than gunicorn, every
scheduled command of docs/architecture.md has a timer, and render.py refuses what it cannot fill."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from hocbaso.core.body_limits import FORM_OVERHEAD, declared_upload
from tests.deploy.conftest import ROOT

DEPLOY = ROOT / "deploy"
READS = re.compile(
    r"""(?:env_(?:str|bool|int|list)|configured|os\.environ\.get|os\.environ\[|ENV_KEY_FILE\s*=|ENV\s*=)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def _variables_read() -> set[str]:
    found = set()
    for path in [*(ROOT / "hocbaso").rglob("*.py"), *(ROOT / "config").rglob("*.py")]:
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found |= set(READS.findall(path.read_text(encoding="utf-8")))
    # not settings: Django's own, and the system's search path handed to poppler (records/scans.py)
    return found - {"DJANGO_SETTINGS_MODULE", "PATH"}


def test_every_environment_variable_the_code_reads_is_documented_in_the_environment_file() -> None:
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "hocbaso.env.example").read_text(), re.M))
    read = _variables_read()
    assert {"DATABASE_URL", "HOCBASO_SECRET_KEY", "HOCBASO_TSA_URL", "HOCBASO_LEDGER_KEY_FILE"} <= read
    assert read - documented == set()


def _views(patterns: list[URLPattern | URLResolver]):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        else:
            yield pattern.callback


def test_nginx_refuses_exactly_above_the_largest_body_the_app_accepts() -> None:
    largest = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for view in _views(get_resolver().url_patterns):
        declared, _field, _api = declared_upload(view, "POST")
        if declared is not None:
            largest = max(largest, (declared() if callable(declared) else declared) + FORM_OVERHEAD)
    nginx = (DEPLOY / "nginx" / "hocbaso.conf").read_text()
    (limit,) = re.findall(r"client_max_body_size (\d+)k;", nginx)
    assert int(limit) * 1024 == largest


def test_nginx_waits_longer_than_gunicorn_kills_a_stuck_worker() -> None:
    nginx = (DEPLOY / "nginx" / "hocbaso.conf").read_text()
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    (read_timeout,) = re.findall(r"proxy_read_timeout (\d+)s;", nginx)
    (worker_timeout,) = re.findall(r"^timeout = (\d+)", gunicorn, re.M)
    assert int(read_timeout) > int(worker_timeout) >= 30 + 10  # the spreadsheet reader's 30 s, and some


def test_every_scheduled_command_of_the_architecture_has_a_timer() -> None:
    table = (ROOT / "docs" / "architecture.md").read_text()
    scheduled = set(re.findall(r"^\s*\| [^|]+ \| `hocbaso ([a-z -]+?)`", table, re.M))
    assert len(scheduled) >= 5
    commands = set()
    for service in (DEPLOY / "systemd").glob("hocbaso-*.service"):
        if (DEPLOY / "systemd" / service.with_suffix(".timer").name).exists():
            commands |= {
                line.strip() for line in re.findall(r"^ExecStart=\S+/hocbaso (.+)$", service.read_text(), re.M)
            }
    assert scheduled <= commands


def test_render_refuses_unknown_names_and_leaves_no_placeholder(tmp_path: Path) -> None:
    render = [sys.executable, str(DEPLOY / "render.py"), "--out", str(tmp_path)]
    unknown = subprocess.run([*render, "--set", "SERVRE_NAME=x"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "SERVRE_NAME" in unknown.stderr
    assert (
        subprocess.run([*render, "--set", "SERVER_NAME=hocbaso.quangngai.edu.vn"], capture_output=True).returncode == 0
    )
    rendered = list(tmp_path.rglob("*.*"))
    assert len(rendered) >= 15
    for path in rendered:
        assert "{{" not in path.read_text(), path
    assert "server_name hocbaso.quangngai.edu.vn;" in (tmp_path / "nginx" / "hocbaso.conf").read_text()
