"""The verify page's rate limit counts on the shared cache (Redis), per real client behind our proxy.

A private redis-server runs for this module (a unix socket in a temporary folder), so the test
never touches another process's data.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from hocbaso.verification import views

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server is required (scripts/system-packages.sh installs it)"
    folder = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if socket.exists():
                break
            time.sleep(0.05)
        assert Path(socket).exists(), "redis-server did not start"
        yield f"unix://{socket}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def shared_cache(settings, redis_url: str) -> str:  # type: ignore[no-untyped-def]
    settings.CACHES = {"default": {"BACKEND": "hocbaso.core.cache.RedisCache", "LOCATION": redis_url}}
    settings.HOCBASO_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.HOCBASO_VERIFY_RATE_PER_MINUTE = 3
    from django.core.cache import cache

    cache.clear()
    return redis_url


def verify(client: Client) -> int:
    return client.post("/verify", {"document": SimpleUploadedFile("x.pdf", b"")}).status_code


def behind_proxy(forwarded_for: str) -> Client:
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


def test_each_client_behind_the_proxy_has_its_own_limit(shared_cache: str) -> None:
    first = behind_proxy("198.51.100.1")
    assert [verify(first) for _ in range(4)] == [200, 200, 200, 429]
    assert verify(behind_proxy("198.51.100.2")) == 200  # the same proxy, another person


def test_a_client_cannot_escape_its_limit_by_sending_the_header_itself(shared_cache: str) -> None:
    for _ in range(3):
        verify(behind_proxy("198.51.100.1"))
    # the client writes its own X-Forwarded-For; our proxy appends the address it really saw
    assert verify(behind_proxy("192.0.2.99, 198.51.100.1")) == 429
    # and talking to the server directly, past the proxy, the header counts for nothing
    direct = Client(REMOTE_ADDR="203.0.113.40", HTTP_X_FORWARDED_FOR="192.0.2.100")
    assert [verify(direct) for _ in range(4)] == [200, 200, 200, 429]


def test_the_count_lives_in_redis_for_every_process(shared_cache: str) -> None:
    for _ in range(2):
        verify(behind_proxy("198.51.100.3"))
    key = views.client_key(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.3"))
    another_process = RedisCache(shared_cache, {})  # a separate connection, as another web process has
    assert another_process.get(key) == 2
    assert "198.51.100.3" not in key  # only a keyed hash of the address is stored


def test_the_counter_is_one_round_trip_and_lives_for_its_window(shared_cache: str) -> None:
    from django.core.cache import cache

    from hocbaso.core import cache as counters

    assert [counters.count("c", window=60) for _ in range(3)] == [1, 2, 3]
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_key("c")) <= 60  # the window started at the first count, not refreshed
    assert client is cache._cache.get_client()  # type: ignore[attr-defined]  # one client kept per pool
    counters.count("short", window=1)
    time.sleep(1.2)
    assert counters.count("short", window=1) == 1  # a new window


def test_a_cached_lookup_on_redis_is_counted_once_and_logged(shared_cache: str, issued) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.verification.models import VerificationLog

    client = behind_proxy("198.51.100.9")
    before = VerificationLog.objects.count()
    responses = [client.get(f"/verify/{issued.issuance_code}") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert not hasattr(responses[1].wsgi_request, "session")  # answered by the middleware, from Redis
    assert VerificationLog.objects.count() == before + 3
