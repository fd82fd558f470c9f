"""Each test gets its own log key under a temporary VAR_DIR."""

from __future__ import annotations

import pytest

from hocbaso.ledger import keys


@pytest.fixture(autouse=True)
def _ledger_key_in_tmp(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    settings.VAR_DIR = tmp_path
