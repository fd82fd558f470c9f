"""The API's OpenAPI document is its contract: schemathesis over every operation finds nothing.

The document is read from the running app (``/api/v1/openapi.json`` through Django's WSGI handler,
no server), and every operation in it is exercised by two callers:

* ``member``: a bearer token (``hocbaso.accounts.tokens``) of the first persona the access matrix
  (``tests/access_matrix.py``) lets call the operation — any signed-in persona when none may; the
  path parameters are the world's objects (``test_access_matrix.concrete``) or generated ones;
* ``anonymous``: no credentials at all.

Checks: the server never fails (5xx), every status, media type, header and body is the one the
document declares (errors ``{code, message, field}`` included), data the document calls invalid is
refused with a 4xx and data it calls valid is not refused as malformed. Each generated request runs
in a rolled-back savepoint of the access matrix's world (built once for the module), so writes
change nothing for the next one. Bounded and reproducible: a fixed seed, ``MAX_EXAMPLES`` fuzzed
examples per operation and caller, the schema's examples and the coverage phase's boundary values;
no stateful phase. ``docs/architecture.md`` ("The API contract") says how to run it by hand.

A new operation is covered as soon as it is in the document and has its row in the access matrix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import SESSION_KEY
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.access_matrix import PERSONAS, ROWS
from tests.test_access_matrix import concrete, matrix_world, parse  # noqa: F401  (the shared world)

OPENAPI = "/api/v1/openapi.json"


def _operations(schema: BaseSchema) -> list[APIOperation[Any, Any, Any, Any]]:
    """Every operation of ``schema``; one the schema cannot describe fails the test."""
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        found.append(result.ok())
    return found


SEED = 20251130
MAX_EXAMPLES = 8  # fuzzed cases per operation and caller; the coverage phase adds its boundary values
CALLERS = ["member", "anonymous"]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "no-shrink": True,
            "database": "none",
            "with-security-parameters": False,  # the caller's credentials are the test's, not generated
        },
        "phases": {"stateful": {"enabled": False}},
        # A domain refusal of well-formed data (a business rule) is a 400 with a stable code, like a 409.
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]

APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi(OPENAPI, APP, config=CONFIG)

WORLD: dict[str, dict[str, str]] = {}  # operation label → its path parameters on the world's objects


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the members' requests reach the world's real objects, the other half generated ids."""
    found = WORLD.get(context.operation.label)
    if not found or not _well_typed(context.operation, path_parameters):
        return st.just(path_parameters)  # a negative case keeps the path that makes it one
    return st.sampled_from([path_parameters, found])


def _well_typed(operation: Any, values: dict[str, Any]) -> bool:
    types = {p.name: p.definition.get("schema", {}).get("type") for p in operation.path_parameters}
    python = {"integer": int, "string": str}
    return all(
        name in values and isinstance(values[name], python.get(kind, object)) and not isinstance(values[name], bool)
        for name, kind in types.items()
    )


def _allowed_persona(key: str) -> str:
    """The first signed-in persona the access matrix lets through (``ok``), else the first signed in."""
    expected = parse(ROWS[key]) if key in ROWS else {}
    signed_in = [p for p in PERSONAS if p != "anonymous"]
    return next((p for p in signed_in if expected.get(p) == "ok"), signed_in[0])


def _path_values(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    found = re.fullmatch(pattern, path)
    assert found is not None, (template, path)
    return found.groupdict()


@pytest.fixture(scope="module")
def contract_world(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The access matrix's world, a bearer token per persona, each operation's allowed persona."""
    from hocbaso.accounts import actions as account_actions
    from hocbaso.accounts.models import User

    objects, clients = request.getfixturevalue("matrix_world")
    bearer: dict[str, str] = {}
    with django_db_blocker.unblock():
        for persona, client in clients.items():
            if persona != "anonymous":
                user = User.objects.get(pk=client.session[SESSION_KEY])
                bearer[persona] = account_actions.create_token(by=user, user=user, name="contract")[1]
        for op in _operations(schema):
            key = f"{op.method.upper()} {op.path}"
            if key in ROWS and "{" in op.path:
                WORLD[op.label] = _path_values(op.path, concrete(key, objects)[1])
    # Django's handler closes the connection at each request's start and end; in the world's
    # transaction that would end it (the test client disconnects these for the same reason).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {
            label: bearer[_allowed_persona(label)]
            for label in (f"{o.method.upper()} {o.path}" for o in _operations(schema))
        }
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        WORLD.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@schema.parametrize()
def test_operation_keeps_its_contract(case: Any, caller: str, contract_world: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {contract_world[case.operation.label]}"} if caller == "member" else {}
    with transaction.atomic():
        case.call_and_validate(headers=headers, checks=CHECKS)
        transaction.set_rollback(True)


def test_every_operation_is_exercised() -> None:
    """The contract test parametrizes over the document the app serves, not a list kept by hand."""
    from tests.test_access_matrix import api_operations

    labels = {f"{o.method.upper()} {o.path}" for o in _operations(schema)}
    assert labels == set(api_operations())
    assert len(labels) >= 34
