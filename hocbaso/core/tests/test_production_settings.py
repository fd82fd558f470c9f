"""Production settings: the documented environment passes ``check --deploy`` at warning level, and
every response carries the security headers (CSP, no framing, no-store for personal data)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
HOCBASO = ROOT / ".venv" / "bin" / "hocbaso"


def documented_environment() -> dict[str, str]:
    """The ``env`` block of docs/security.md's "Production settings" section."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = text[text.index("## Production settings") :]
    block = re.search(r"```env\n(.*?)```", section, re.S)
    assert block, "docs/security.md lost its production environment block"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if line.strip()]
    return {name.strip(): value.strip() for name, value in pairs}


def production_run(tmp_path: Path, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``args`` with the documented environment only (no demo, no debug, no test settings)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOCBASO_VAR_DIR": str(tmp_path / "var"),
        **documented_environment(),
        **(extra or {}),
    }
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_check_deploy_passes_with_the_documented_environment(tmp_path: Path) -> None:
    result = production_run(tmp_path, str(HOCBASO), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https(tmp_path: Path) -> None:
    """The test above is not vacuous: the same check refuses a plain-HTTP deployment."""
    result = production_run(
        tmp_path, str(HOCBASO), "check", "--deploy", "--fail-level", "WARNING", extra={"HOCBASO_HTTPS": "0"}
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "redirect": s.SECURE_SSL_REDIRECT, "hsts": s.SECURE_HSTS_SECONDS, "session_secure": s.SESSION_COOKIE_SECURE,
    "csrf_secure": s.CSRF_COOKIE_SECURE, "proxy_header": s.SECURE_PROXY_SSL_HEADER,
    "proxies": s.HOCBASO_TRUSTED_PROXIES, "origins": s.CSRF_TRUSTED_ORIGINS,
    "cache": s.CACHES["default"]["BACKEND"], "cache_at": s.CACHES["default"].get("LOCATION"),
    "frames": s.X_FRAME_OPTIONS, "debug": s.DEBUG, "sessions": s.SESSION_ENGINE,
    "replica": s.DATABASES.get("replica", {}).get("USER"), "read_replica": s.HOCBASO_READ_REPLICA,
}))
"""


def test_the_documented_environment_turns_every_protection_on(tmp_path: Path) -> None:
    result = production_run(tmp_path, sys.executable, "-c", SHOW, extra={"DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {
        "redirect": True,
        "hsts": 31536000,
        "session_secure": True,
        "csrf_secure": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "proxies": ["127.0.0.1", "::1"],
        "origins": ["https://hocbaso.quangngai.edu.vn"],
        "cache": "hocbaso.core.cache.RedisCache",
        "cache_at": "redis://127.0.0.1:6379/1",
        "frames": "DENY",
        "debug": False,
        "sessions": "django.contrib.sessions.backends.cached_db",  # Redis, written through to the database
        "replica": None,
        "read_replica": False,
    }


def test_a_replica_url_adds_the_replica_for_the_verify_path_only(tmp_path: Path) -> None:
    result = production_run(
        tmp_path,
        sys.executable,
        "-c",
        SHOW,
        extra={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HOCBASO_DATABASE_REPLICA_URL": "postgres://hocbaso_reader@127.0.0.1:5433/hocbaso",
        },
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["replica"], shown["read_replica"]) == ("hocbaso_reader", True)


def test_a_malformed_cache_address_stops_start_up(tmp_path: Path) -> None:
    result = production_run(tmp_path, str(HOCBASO), "check", extra={"HOCBASO_CACHE_URL": "memcached://127.0.0.1:11211"})
    assert result.returncode != 0
    assert "HOCBASO_CACHE_URL" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_policy_refuse_framing_and_are_not_stored(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login("principal")
    student = world.students["an"]
    for url in ["/", f"/students/{student.pk}/", "/login/", "/verify"]:
        response = client.get(url, follow=url == "/login/")
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert "no-store" in response["Cache-Control"], url


@pytest.mark.django_db
def test_api_answers_are_not_stored(login, world) -> None:  # type: ignore[no-untyped-def]
    response = login("homeroom").get("/api/v1/signing/approvals")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_no_template_has_inline_script_or_style() -> None:
    """The policy forbids inline code; a template that brings some back would break in browsers."""
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("hocbaso/*/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|hx-on", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
