"""Fixtures: the signing tests' throwaway PKI behind loopback TSA/CRL/OCSP, and a fully issued record."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.records.models import RecordVersion
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services, trust  # noqa: F401  (shared session fixtures)
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
from hocbaso.testing import World
from hocbaso.verification import registry
from hocbaso.verification.tests.helpers import issue


@pytest.fixture
def issued(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> RecordVersion:  # noqa: F811
    registry._trust_cache.clear()
    return issue(world, pki, signing_env)
