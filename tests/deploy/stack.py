"""The deployment's own files, rendered and started on loopback: nginx (TLS), gunicorn and a task worker.

``deploy/render.py`` renders the nginx site and the systemd units with this run's ports and
paths; the environment file is ``deploy/hocbaso.env.example`` with this run's values put in; each
process is started from its unit's ``ExecStart``, ``EnvironmentFile``, ``Environment`` and
``WorkingDirectory`` — what systemd would run, without systemd.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import re
import secrets
import shlex
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.deploy.conftest import ROOT, clean_environment

DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (the placeholder a real one from a CA replaces)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    certificate, private = directory / "fullchain.pem", directory / "privkey.pem"
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private.chmod(0o600)
    return certificate, private


def environment_file(values: dict[str, str], dropped: set[str]) -> str:
    """deploy/hocbaso.env.example with ``values`` put in and ``dropped`` variables commented out."""
    lines: list[str] = []
    seen: set[str] = set()
    for line in (DEPLOY / "hocbaso.env.example").read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0] if "=" in line and not line.startswith("#") else ""
        if name in dropped:
            line = "# " + line
        elif name in values:
            line, seen = f"{name}={values[name]}", seen | {name}
        lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items() if name not in seen]
    return "\n".join(lines) + "\n"


def read_environment_file(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def unit(path: Path) -> dict[str, list[str]]:
    """The [Service]/[Timer]/[Unit] keys of a systemd unit (every value of a repeated key)."""
    keys: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _sep, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def command_of(path: Path, instance: str = "") -> tuple[list[str], dict[str, str], Path]:
    """(argv, environment, working directory) the unit ``path`` starts, as systemd would."""
    keys = unit(path)
    env = clean_environment()
    for env_file in keys.get("EnvironmentFile", []):
        env.update(read_environment_file(Path(env_file.lstrip("-"))))
    for assignment in keys.get("Environment", []):
        name, _sep, value = assignment.partition("=")
        env[name] = value
    specifiers = {"%": "%", "H": socket.gethostname(), "i": instance}
    line = re.sub(r"%(.)", lambda m: specifiers[m.group(1)], keys["ExecStart"][0])
    return shlex.split(line), env, Path(keys["WorkingDirectory"][0])


@dataclass
class Stack:
    root: Path
    var: Path
    rendered: Path
    https: int
    http: int
    web: int
    certificate: Path
    env_file: Path
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https}"

    def tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.certificate))
        return context

    def hocbaso(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = clean_environment(**read_environment_file(self.env_file))
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "hocbaso"), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            del self.processes[name]


def prepare(tmp: Path, *, tsa_url: str, roots: Path, settings: dict[str, str] | None = None) -> Stack:
    """Render the files for ``tmp`` and write the environment file; nothing started yet.

    Without ``settings``: SQLite in the temporary VAR_DIR and the per-process cache; ``settings``
    adds or replaces variables of the environment file (a database, the shared cache, the store)."""
    var, logs = tmp / "var", tmp / "logs"
    var.mkdir()
    logs.mkdir()
    (tmp / "backups").mkdir()
    certificate, private = self_signed(tmp / "tls")
    user = pwd.getpwuid(os.getuid()).pw_name
    stack = Stack(
        ROOT, var, tmp / "rendered", free_port(), free_port(), free_port(), certificate, tmp / "hocbaso.env", logs
    )
    values = {
        "APP_DIR": str(ROOT),
        "VAR_DIR": str(var),
        "ENV_FILE": str(stack.env_file),
        "USER": user,
        "GROUP": user,
        "SERVER_NAME": "127.0.0.1",
        "LISTEN_ADDRESS": "127.0.0.1:",
        "HTTP_PORT": str(stack.http),
        "HTTPS_PORT": str(stack.https),
        "WEB_BIND": f"127.0.0.1:{stack.web}",
        "TLS_CERTIFICATE": str(certificate),
        "TLS_CERTIFICATE_KEY": str(private),
        "STATIC_ROOT": str(var / "static"),
        "LOG_DIR": str(logs),
        "BACKUP_DIR": str(tmp / "backups"),
    }
    subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "render.py"),
            "--out",
            str(stack.rendered),
            *(f"--set={k}={v}" for k, v in values.items()),
        ],
        check=True,
        capture_output=True,
    )
    stack.env_file.write_text(
        environment_file(
            {
                "HOCBASO_SECRET_KEY": secrets.token_urlsafe(50),
                "HOCBASO_VAR_DIR": str(var),
                "HOCBASO_PUBLIC_BASE_URL": stack.base,
                "HOCBASO_ALLOWED_HOSTS": "127.0.0.1",
                "HOCBASO_TRUSTED_ROOTS": str(roots),
                "HOCBASO_TSA_URL": tsa_url,
                "HOCBASO_WEB_WORKERS": "2",
                "HOCBASO_SIGNING_SHARDS": "1",
                **(settings or {}),
            },
            # SQLite in the temporary VAR_DIR; the per-process cache (the machine's Redis is shared).
            dropped={"DATABASE_URL", "HOCBASO_CACHE_URL", "HOCBASO_DB_CONN_MAX_AGE"} - set(settings or {}),
        ),
        encoding="utf-8",
    )
    return stack


def nginx_main_config(stack: Stack) -> Path:
    """What Debian's /etc/nginx/nginx.conf gives the site: an http block, with this run's paths."""
    temp = stack.var.parent / "nginx"
    temp.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # root's temporary directories are 0700
    config = temp / "nginx.conf"
    config.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {stack.logs}/nginx-main.error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {stack.logs}/nginx-main.access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {stack.rendered}/nginx/hocbaso.conf;
}}
""",
        encoding="utf-8",
    )
    return config


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")
