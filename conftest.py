"""Test-wide fixtures: a fast password hasher, and the small world with its personas."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.accounts.models import User
from hocbaso.testing import PASSWORD, World, build_world, sign_in_verified


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last, after every unit and integration test."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Tests create many logins; a fast hasher keeps them quick (production keeps PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with empty caches (rate limits, cached lookups, render digests do not leak
    between tests)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def password() -> str:
    """Every persona's password (for tests of the sign-in itself, in apps below the directory)."""
    return PASSWORD


@pytest.fixture
def login(client: Client, world: World):  # type: ignore[no-untyped-def]
    """``login("principal")`` signs that persona (or a ``User``) in on the test client, or on
    ``on=`` another client, and returns the client.

    The session is complete: password and second factor (the persona gets a confirmed TOTP
    device, and the session is marked verified by it, as django-otp does after a right code)."""

    def sign_in(persona: str | User, on: Client | None = None) -> Client:
        user = persona if isinstance(persona, User) else world.users[persona]
        return sign_in_verified(on or client, user)

    return sign_in
