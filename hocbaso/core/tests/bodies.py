"""Requests that announce a body nothing may read: for tests that a limit refuses before reading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test import Client

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *_args: object) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def unreadable_input() -> dict[str, Any]:
    """The WSGI environ entry that makes a request's body :class:`Unreadable`."""
    return {"wsgi.input": Unreadable()}


def claim(client: Client, method: str, path: str, length: int, content_type: str) -> Response:
    """Send a request announcing ``length`` bytes whose body cannot be read."""
    return client.generic(
        method, path, b"", content_type=content_type, CONTENT_LENGTH=str(length), **unreadable_input()
    )
