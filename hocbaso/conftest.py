"""Fixtures shared by every app: the small world and its personas."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def login(client: Client, world: World):
    """``login("principal")`` signs that persona in on the test client and returns the client."""

    def sign_in(persona: str) -> Client:
        client.force_login(world.users[persona])
        return client

    return sign_in
