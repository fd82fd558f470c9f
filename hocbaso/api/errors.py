"""The API's error contract: every refusal is ``{"code", "message", "field"}`` with a 4xx status.

Operations declare the statuses their own rules return (``response={200: Out, **errors(404, 409)}``,
``hocbaso.core.error_schema``);
:func:`document_refusals` adds what the layers around every operation return, so the OpenAPI
document names every status a client can get:

* 401 ``unauthenticated`` (no valid session or bearer token) and 403 (``second_factor_required``,
  ``password_change_required``: a session that has not finished signing in; ``csrf_failed``: a
  session request without its CSRF token) on every operation that needs a caller;
* 422 ``request_invalid`` on every operation with parameters or a body: the request does not
  match the document (a missing field, a wrong type); ``errors`` lists each problem with its field;
* 400 ``request_malformed`` (a body that cannot be parsed, e.g. not JSON) and 413
  ``request_too_large`` (``hocbaso.core.body_limits``) on every operation with a body.

Codes are stable: clients switch on them; messages are for people and translated.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import ValidationError

from hocbaso.core.error_schema import Error

# What each status means when an operation does not say more (the OpenAPI "description").
MEANINGS = {
    400: "Refused: the input breaks a rule, or the body cannot be read (request_malformed)",
    401: "Not signed in: no valid session or bearer token (code unauthenticated)",
    403: "Not allowed here (code forbidden, csrf_failed, second_factor_required, password_change_required, …)",
    404: "Nothing visible to the caller matches (code not_found or a more precise *_not_found)",
    409: "The current state refuses the change (code says which)",
    413: "The request body is larger than the operation accepts (code request_too_large)",
    422: "The request does not match this document (code request_invalid; errors lists each problem)",
    429: "Too many requests or wrong secrets; try again later (code rate_limited or locked_out)",
}
SCHEMA_NAME = "Error"
REF = f"#/components/schemas/{SCHEMA_NAME}"


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "payload", "cells", 0, "kind")`` → ``cells.0.kind``; ``("query", "year")`` → ``year``."""
    parts = [str(p) for p in loc]
    skip = 2 if parts and parts[0] in {"body", "form", "file"} and len(parts) > 2 else 1  # the location, the body
    return ".".join(parts[skip:]) or None


def request_invalid(exc: ValidationError) -> dict[str, Any]:
    """django-ninja's validation error in the API's shape (422 ``request_invalid``)."""
    problems = [
        {"code": str(e.get("type") or "invalid"), "message": str(e.get("msg", "")), "field": _field(e.get("loc", ()))}
        for e in exc.errors
    ]
    first = problems[0] if problems else {"field": None}
    return {
        "code": "request_invalid",
        "message": _("The request does not match the API's description."),
        "field": first["field"],
        "errors": problems,
    }


# django-ninja's own refusals before the operation runs: a body that is not JSON, a failed CSRF check
# (a signed-in session without its token).
HTTP_ERROR_CODES = {400: "request_malformed", 403: "csrf_failed"}


def http_error(status: int, message: str) -> dict[str, Any]:
    if status == 400:
        message = _("The request body cannot be read: %(reason)s") % {"reason": message}
    return {"code": HTTP_ERROR_CODES.get(status, f"http_{status}"), "message": message, "field": None}


def unauthenticated(request: HttpRequest) -> dict[str, Any]:
    return {"code": "unauthenticated", "message": _("Sign in or send a valid API token."), "field": None}


def _has_input(operation: dict[str, Any]) -> bool:
    return bool(operation.get("parameters") or operation.get("requestBody"))


def _json_error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF}}}}


def _form_fields_are_not_empty(operation: dict[str, Any]) -> None:
    """An empty file part or an empty required text field of a form reads as missing (422
    ``missing``): the document says they are at least one byte or character long. A form cannot
    send null: an optional field is left out instead."""
    form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
    required = set(form.get("required", []))
    for name, field in form.get("properties", {}).items():
        kinds = [k for k in field.get("anyOf", []) if k.get("type") != "null"]
        if len(kinds) == 1 and len(field["anyOf"]) == 2:  # a form has no null: leave the field out instead
            del field["anyOf"]
            field.update(kinds[0])
        if field.get("type") == "string" and (field.get("format") == "binary" or name in required):
            field.setdefault("minLength", 1)


def document_refusals(document: dict[str, Any]) -> dict[str, Any]:
    """Add the refusals of the layers around the operations (see the module docstring) and give
    every error response its description; the ``Error`` schema becomes a component."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    if SCHEMA_NAME not in components:
        found = Error.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(found.pop("$defs", {}))
        components[SCHEMA_NAME] = found
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            operation["responses"] = responses  # django-ninja keys some by int: one key per status
            added: list[int] = []
            if operation.get("security"):
                added += [401, 403]
            if _has_input(operation):
                added.append(422)
            if operation.get("requestBody"):
                added += [400, 413]
            _form_fields_are_not_empty(operation)
            for status in added:
                responses.setdefault(str(status), _json_error(MEANINGS[status]))
            for key, response in responses.items():
                code = int(key) if key.isdigit() else 0
                if code in MEANINGS and response.get("description") in ("", HTTPStatus(code).phrase):
                    response["description"] = MEANINGS[code]
    return document


def not_found() -> dict[str, Any]:
    return {"code": "not_found", "message": _("Nothing visible to you matches."), "field": None}
