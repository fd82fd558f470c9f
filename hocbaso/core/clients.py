"""The address of the client a request came from, trusting forwarded headers only from our proxies.

Behind nginx every request reaches Django from the proxy's address, so throttling and rate limits
keyed on ``REMOTE_ADDR`` would put every person in one bucket. ``X-Forwarded-For`` is a list the
client itself can start: only the entries appended by proxies we run can be believed. The rule:
when the direct peer is one of ``HOCBASO_TRUSTED_PROXIES`` (addresses or networks), walk the
header from the right, skipping our own proxies, and take the first address that is not one of
them; otherwise the direct peer is the client and the header is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def trusted_proxies() -> tuple[Network, ...]:
    """The configured proxy networks (``settings.HOCBASO_TRUSTED_PROXIES``)."""
    return _networks(tuple(getattr(settings, "HOCBASO_TRUSTED_PROXIES", ())))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(request: HttpRequest) -> str:
    """The client's address as the first untrusted hop (see the module docstring); never empty."""
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = trusted_proxies()
    if not proxies or not is_trusted(peer, proxies):
        return peer
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if _parse(hop) is None:
            return peer  # a mangled header: do not guess, count it against the proxy
        if not is_trusted(hop, proxies):
            return hop
    return forwarded[0] if forwarded else peer
