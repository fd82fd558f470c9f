"""The client address: forwarded headers are believed only when they come from our own proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from hocbaso.core.clients import client_address

PROXIES = ["127.0.0.1", "10.0.0.0/24", "::1"]


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "expected"),
    [
        # no proxy configured: the peer is the client, whatever the header says
        ([], "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        # a peer that is not our proxy cannot choose its address by sending the header
        (PROXIES, "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        # behind our proxy: the address it appended
        (PROXIES, "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # a client that starts the header itself: only the entry our proxy appended counts
        (PROXIES, "127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # two of our proxies in a row: skip both
        (PROXIES, "127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
        # IPv6 clients
        (PROXIES, "::1", "2001:db8::9", "2001:db8::9"),
        # our proxy without a header: the proxy itself
        (PROXIES, "127.0.0.1", "", "127.0.0.1"),
        # a mangled entry where our proxy's should be: do not guess
        (PROXIES, "127.0.0.1", "1.2.3.4, not-an-address", "127.0.0.1"),
        # only our proxies in the header: the first of them
        (PROXIES, "127.0.0.1", "10.0.0.3, 10.0.0.7", "10.0.0.3"),
    ],
)
def test_client_address(settings, proxies: list[str], peer: str, forwarded: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
