"""The API's refusals before an operation runs: authentication, CSRF, malformed requests — each in
the ``{code, message, field}`` shape its OpenAPI document declares."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hocbaso.accounts.actions import create_token
from hocbaso.testing import World

REFUSE = "/api/v1/signing/approvals/999999/refuse"


@pytest.fixture
def strict() -> Client:
    """A client that is checked for CSRF like a browser (the default test client is exempt)."""
    return Client(enforce_csrf_checks=True)


def _shape(response: Any) -> dict[str, Any]:
    body = response.json()
    assert {"code", "message", "field"} <= set(body), body
    return body


def test_a_bearer_token_writes_without_csrf(world: World, strict: Client) -> None:
    _token, secret = create_token(by=None, user=world.users["homeroom"], name="điện thoại")
    response = strict.post(REFUSE, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (response.status_code, _shape(response)["code"]) == (404, "approval_not_found")


def test_a_session_write_without_its_csrf_token_is_refused(world: World, strict: Client, login: Any) -> None:
    login("homeroom", on=strict)
    response = strict.post(REFUSE)
    assert (response.status_code, _shape(response)["code"]) == (403, "csrf_failed")


def test_no_credentials_is_401_unauthenticated(db: None, strict: Client) -> None:
    response = strict.post(REFUSE, HTTP_AUTHORIZATION="Bearer hbs_not-a-token")
    assert (response.status_code, _shape(response)["code"]) == (401, "unauthenticated")
    assert (strict.get("/api/v1/transfers/").status_code, _shape(strict.get("/api/v1/transfers/"))["field"]) == (
        401,
        None,
    )


def test_a_request_off_the_document_is_422_request_invalid_naming_the_field(world: World, login: Any) -> None:
    client = login("homeroom")
    url = f"/api/v1/classes/{world.class_3a.pk}/assessments/mid1"
    response = client.put(url, {"cells": [{"student_id": "x"}]}, content_type="application/json")
    body = _shape(response)
    assert (response.status_code, body["code"], body["field"]) == (422, "request_invalid", "cells.0.student_id")
    assert {e["field"] for e in body["errors"]} >= {"cells.0.student_id", "cells.0.kind"}


def test_a_body_that_is_not_json_is_400_request_malformed(world: World, login: Any) -> None:
    client = login("homeroom")
    url = f"/api/v1/classes/{world.class_3a.pk}/assessments/mid1"
    response = client.put(url, b"{not json", content_type="application/json")
    assert (response.status_code, _shape(response)["code"]) == (400, "request_malformed")


def test_the_document_names_these_refusals_on_every_operation(db: None) -> None:
    from hocbaso.api.api import api

    document = api.get_openapi_schema()
    assert "Error" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if operation.get("security"):
                assert {"401", "403"} <= statuses, (method, path)
            if operation.get("requestBody"):
                assert {"400", "413", "422"} <= statuses, (method, path)
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema.get("$ref", "").endswith(("/Error", "/ErrorOut")), (method, path, status)
