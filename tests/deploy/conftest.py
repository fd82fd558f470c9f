"""Throwaway deployments run as separate processes, as an operator runs them.

Nothing here uses the test process's database: each deployment is a temporary ``HOCBASO_VAR_DIR``
(SQLite inside it, or a PostgreSQL database of its own with a unique name, created and dropped
here) driven through the ``hocbaso`` command.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOCBASO = str(BIN / "hocbaso")
# Variables of the developer's shell that would point a throwaway deployment elsewhere.
INHERITED_OUT = ("DATABASE_URL", "HOCBASO_LEDGER_KEY_FILE", "HOCBASO_TRUSTED_ROOTS", "HOCBASO_TSA_URL", "PYTEST_")


def clean_environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_OUT) and not k.startswith("HOCBASO_")}
    env.update(values)
    return env


@dataclass
class Deployment:
    var: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [HOCBASO, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            pytest.fail(f"hocbaso {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def seed(self, *args: str) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.seed", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"seeding failed:\n{done.stdout}\n{done.stderr}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def fingerprint(self) -> dict[str, str]:
        """SHA-256 of every file of the deployment's data (database and stored files)."""
        found = {}
        for path in sorted(self.var.rglob("*")):
            if path.is_file() and path.relative_to(self.var).parts[0] in {"media", "pki", "ledger", "hocbaso.sqlite3"}:
                found[path.relative_to(self.var).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found


def demo_deployment(var: Path, **values: str) -> Deployment:
    var.mkdir(parents=True, exist_ok=True)
    return Deployment(
        var, clean_environment(HOCBASO_DEMO="1", HOCBASO_VAR_DIR=str(var), HOCBASO_TASKS="immediate", **values)
    )


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """Seeded once per module (migrations, the demo PKI, signed versions, an anchor); copied per test."""
    deployment = demo_deployment(tmp_path_factory.mktemp("seeded") / "var")
    deployment.seed("drill")
    return deployment


@pytest.fixture
def sqlite_deployment(seeded_sqlite: Deployment, tmp_path: Path) -> Deployment:
    var = tmp_path / "var"
    shutil.copytree(seeded_sqlite.var, var)
    return demo_deployment(var)


POSTGRES = "postgres://postgres@127.0.0.1:5432"


def psql(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{POSTGRES}/{database}", "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


@contextmanager
def own_postgres_database(prefix: str) -> Iterator[str]:
    """A new database on the local PostgreSQL (unique name starting with ``prefix``); it and every
    database named after it (restore copies) are dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    psql("postgres", f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        query = f"SELECT datname FROM pg_database WHERE datname LIKE '{name}%'"  # noqa: S608 - our own name
        for leftover in psql("postgres", query).split():
            psql("postgres", f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)')


@pytest.fixture
def postgres_deployment(tmp_path: Path) -> Iterator[Deployment]:
    """A database of its own (unique name) on the local PostgreSQL; it and its restore copies are dropped."""
    with own_postgres_database("hocbaso_drill") as name:
        yield demo_deployment(tmp_path / "var", DATABASE_URL=f"{POSTGRES}/{name}")
