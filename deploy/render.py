#!/usr/bin/env python3
"""Render the nginx site and the systemd units with this server's values.

    python3 deploy/render.py --out /tmp/hocbaso-deploy --set SERVER_NAME=hocbaso.example.edu.vn

writes ``nginx/hocbaso.conf`` and ``systemd/*`` under ``--out`` with every ``{{NAME}}`` replaced
(defaults below; ``--set NAME=VALUE`` changes one). An unknown name, or a placeholder left
unreplaced, is refused. Standard library only: it runs before the project is installed. The
deployment test renders the same files with its own ports and paths (tests/deploy/).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = ("nginx", "systemd")
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")

DEFAULTS = {
    "APP_DIR": "/srv/hocbaso",  # the checkout, with its .venv (make install)
    "VAR_DIR": "/var/lib/hocbaso",  # = HOCBASO_VAR_DIR in the environment file
    "ENV_FILE": "/etc/hocbaso/hocbaso.env",
    "USER": "hocbaso",
    "GROUP": "hocbaso",
    "SERVER_NAME": "hocbaso.example.edu.vn",
    "LISTEN_ADDRESS": "",  # e.g. "203.0.113.7:" to listen on one address only
    "HTTP_PORT": "80",
    "HTTPS_PORT": "443",
    "WEB_BIND": "127.0.0.1:8001",  # gunicorn, reached only by nginx
    "TLS_CERTIFICATE": "/etc/ssl/hocbaso/fullchain.pem",
    "TLS_CERTIFICATE_KEY": "/etc/ssl/hocbaso/privkey.pem",
    "STATIC_ROOT": "/var/lib/hocbaso/static",  # = HOCBASO_VAR_DIR/static
    "LOG_DIR": "/var/log/nginx",
    "BACKUP_DIR": "/var/backups/hocbaso",  # nightly backups (hocbaso-backup.timer)
    "HSTS": "max-age=31536000; includeSubDomains; preload",  # as the app's HOCBASO_HSTS_* defaults
}


def render_text(text: str, values: dict[str, str], source: str = "") -> str:
    """``text`` with every placeholder replaced; ValueError naming one that has no value."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"{source}: no value for {{{{{name}}}}}")
        return values[name]

    return PLACEHOLDER.sub(value, text)


def render(out: Path, overrides: dict[str, str]) -> list[Path]:
    """Render every template under ``out``; return the files written."""
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown names: {', '.join(unknown)} (known: {', '.join(DEFAULTS)})")
    values = {**DEFAULTS, **overrides}
    written = []
    for folder in TEMPLATES:
        for template in sorted((HERE / folder).iterdir()):
            target = out / folder / template.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_text(template.read_text(encoding="utf-8"), values, template.name), "utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write nginx/ and systemd/ into")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="values")
    options = parser.parse_args(argv)
    overrides = {}
    for item in options.values:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set {item!r}: expected NAME=VALUE")
        overrides[name] = value
    try:
        for path in render(options.out, overrides):
            print(path)
    except ValueError as exc:
        print(f"render.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
