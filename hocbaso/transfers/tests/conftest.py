"""Fixtures: the signing tests' throwaway PKI behind loopback TSA/CRL/OCSP, the principals' and
seals' credentials, and helpers that walk a transfer through its steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services, trust  # noqa: F401  (shared session fixtures)
from hocbaso.signing.tests.factories import PASSWORD, register_credential, signing_env  # noqa: F401
from hocbaso.testing import World
from hocbaso.transfers import actions
from hocbaso.transfers.models import Transfer
from hocbaso.transfers.tests.helpers import issued_years
from hocbaso.verification import registry

MID_YEAR = dt.date(2026, 1, 5)


@pytest.fixture
def credentials(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> dict[str, SigningCredential]:  # noqa: F811
    """Personal certificates of both principals and the seals of both schools (PKCS#12, password ``PASSWORD``)."""
    registry._trust_cache.clear()
    found = {}
    found["principal"], _s = register_credential(pki, world.users["principal"])
    found["principal_b"], _s = register_credential(pki, world.users["principal_b"])
    found["seal_a"], _s = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    found["seal_b"], _s = register_credential(pki, world.users["principal_b"], organisation_of=world.school_b)
    return found


def requested(world: World, student: str = "an", **overrides: Any) -> Transfer:
    values: dict[str, Any] = {
        "by": world.users["clerk"],
        "student": world.students[student],
        "to_school": world.school_b,
        "school_year": "2025-2026",
        "desired_date": MID_YEAR,
        "reason": "Gia đình chuyển nơi ở",
        "requested_by_family": "Nguyễn Thị Mai (mẹ)",
    }
    values.update(overrides)
    return actions.request_transfer(**values)


def decided(world: World, credentials: dict[str, SigningCredential], student: str = "an", **overrides: Any) -> Transfer:
    transfer = requested(world, student, **overrides)
    return actions.decide_transfer(
        by=world.users["principal"], transfer=transfer, credential=credentials["principal"], authorisation=PASSWORD
    )


ELSEWHERE = "Trường Tiểu học Hòa Bình, Hà Nội"


@pytest.fixture
def sent(world: World, pki: DemoPKI, signing_env: dict[str, Any], credentials) -> tuple[Transfer, bytes]:  # type: ignore[no-untyped-def]  # noqa: F811
    student, _versions = issued_years(world, pki, signing_env, years=2)
    transfer = actions.request_transfer(
        by=world.users["clerk"],
        student=student,
        to_school=None,
        destination=ELSEWHERE,
        school_year="2025-2026",
        desired_date=MID_YEAR,
        reason="Gia đình chuyển ra Hà Nội",
        requested_by_family="Nguyễn Văn Đức (cha)",
    )
    actions.decide_transfer(
        by=world.users["principal"], transfer=transfer, credential=credentials["principal"], authorisation=PASSWORD
    )
    raw = actions.export_bundle(
        by=world.users["clerk"], transfer=transfer, credential=credentials["seal_a"], authorisation=PASSWORD
    )
    transfer.refresh_from_db()
    return transfer, raw
