"""The API's error body as a django-ninja schema, for the routers of every layer.

``hocbaso.api.errors`` documents the refusals of the layers around the operations; an operation
declares its own with ``response={200: Out, **errors(404, 409)}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema


class ProblemOut(Schema):
    code: str
    message: str
    field: str | None = None


class Error(Schema):
    """A refusal: ``code`` is stable, ``message`` is for people, ``field`` names the input at fault."""

    code: str
    message: str
    field: str | None = None
    errors: list[ProblemOut] | None = None  # several problems at once (InvalidInput, request_invalid)


def errors(*statuses: int) -> dict[int, Any]:
    """``response=`` entries for the refusals an operation's own rules return."""
    return dict.fromkeys(statuses, Error)


def file_answer(media_type: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` of an operation answering raw bytes (a receipt, a bundle, a scan)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": description, "content": {media_type: binary}}}}


# A school year's code, e.g. 2025-2026 (documented; an unknown year is the operation's own 404).
YEAR_PATTERN = r"^[0-9]{4}-[0-9]{4}$"
YEAR_SCHEMA = {"pattern": YEAR_PATTERN}


def documented(kind: str, **schema: Any) -> Any:
    """``Annotated[str, documented("string", pattern=…)]``: ``schema`` (an ``enum``, a ``pattern``)
    in the OpenAPI document only. The operation refuses other values itself, with its own stable
    code (``point_unknown``, ``code_malformed``…), rather than the framework's 422."""
    from pydantic import WithJsonSchema

    return WithJsonSchema({"type": kind, **schema})


YearCode = Annotated[str, documented("string", **YEAR_SCHEMA, description="School year, e.g. 2025-2026")]
