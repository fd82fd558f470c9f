"""Persona × URL × method: what every persona gets from every page and API operation.

The routes come from the project's URL configuration and the OpenAPI document
(``/api/v1/openapi.json``); the expected answers live in ONE data file, ``tests/access_matrix.py``.
A route or operation without a row fails :func:`test_every_route_and_operation_has_a_row`, and a
row whose route no longer exists fails too.

How to add rows (e.g. for a new app's URLs, after rebasing onto this):

1. Run ``pytest tests/test_access_matrix.py``: the failure lists the missing keys, e.g.
   ``GET transfers/<int:pk>/`` (pages: the route as written in ``urls.py``, prefix included) or
   ``POST /api/v1/transfers/{transfer_id}`` (API: the OpenAPI path and method).
2. Add a row to ``ROWS`` in ``tests/access_matrix.py``: the key, then the answer of every persona,
   e.g. ``"ok: school_a_staff operator | 403: stranger officers | 404: rest"``. Outcomes: ``ok``
   (any answer that reached the view: 2xx, a redirect that is not to the login page, a 400/409
   refusal of the input), ``403``, ``404``, ``405``, ``login`` (the login page, or 401 for the
   API). Persona names and groups are listed in that file; ``rest`` is every persona not named.
3. The URL parameters are filled from ``OBJECTS`` there (``<int:pk>`` of ``classes/`` is class 3A,
   …); add the objects your routes need to :func:`_objects` below if a new kind appears. Add
   `` [past]`` (2024-2025: class 2A, its student, her record) or `` [3b]`` (class 3B, where the
   subject teacher teaches) after a key for a second row on other objects.
4. Pages only need a GET row; add ``POST`` rows for the forms a hostile user would post to, and a
   body in ``BODIES`` when the view reads one before deciding (``{kind}`` placeholders allowed;
   a ``bytes`` value is sent as a file, the body then as multipart form data).

The world is built once for the module (``build_world`` + ``add_previous_year`` + a record
version, a correction, an assembly run and a signing batch); each request runs in a rolled-back
savepoint, so posts change nothing for the next case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from hocbaso.testing import sign_in_verified
from tests.access_matrix import BODIES, GROUPS, OBJECTS, PERSONAS, ROWS

EXEMPT_NAMESPACES = {"admin"}  # Django's admin checks staff status itself
API_PREFIX = "api/v1/"


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace


def page_routes() -> list[str]:
    """Every page route of the URL conf (the API's operations come from its OpenAPI document)."""
    routes = []
    for route, namespace in _walk(get_resolver().url_patterns):
        if namespace in EXEMPT_NAMESPACES or (route.startswith(API_PREFIX) and route != API_PREFIX + "openapi.json"):
            continue
        routes.append(route)
    return sorted(set(routes))


def api_operations() -> list[str]:
    from hocbaso.api.api import api

    schema = api.get_openapi_schema()
    return sorted(f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops)


def required_keys() -> set[str]:
    return {f"GET {route}" for route in page_routes()} | set(api_operations())


VARIANT = re.compile(r" \[(\w+)\]$")


def _base(key: str) -> str:
    return VARIANT.sub("", key)


def _variant(key: str) -> str:
    found = VARIANT.search(key)
    return found.group(1) if found else "default"


def parse(expectation: str) -> dict[str, str]:
    """``"ok: a b | 404: rest"`` → {persona: outcome} for every persona."""
    found: dict[str, str] = {}
    rest: str | None = None
    for part in expectation.split("|"):
        outcome, _colon, names = part.partition(":")
        outcome = outcome.strip()
        assert outcome in {"ok", "403", "404", "405", "login"}, f"unknown outcome {outcome!r} in {expectation!r}"
        for name in names.split():
            if name == "rest":
                rest = outcome
                continue
            for persona in GROUPS.get(name, [name]):
                assert persona in PERSONAS, f"unknown persona or group {name!r} in {expectation!r}"
                assert persona not in found, f"{persona} named twice in {expectation!r}"
                found[persona] = outcome
    for persona in PERSONAS:
        if persona not in found:
            assert rest is not None, f"no answer for {persona} in {expectation!r} (name it or use 'rest')"
            found[persona] = rest
    return found


CASES = sorted(ROWS)


def test_every_route_and_operation_has_a_row() -> None:
    keys = {_base(key) for key in ROWS}
    missing = sorted(required_keys() - keys)
    assert not missing, (
        "No row in tests/access_matrix.py for:\n  "
        + "\n  ".join(missing)
        + "\nAdd one per key with every persona's answer (see tests/test_access_matrix.py's docstring)."
    )
    routes = set(page_routes())
    operations = set(api_operations())
    stale = sorted(key for key in ROWS if _base(key) not in operations and _base(key).partition(" ")[2] not in routes)
    assert not stale, "Rows for routes that no longer exist: " + ", ".join(stale)


def test_rows_name_every_persona_once() -> None:
    for key, expectation in ROWS.items():
        assert set(parse(expectation)) == set(PERSONAS), key


def test_print_the_count_of_cases(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\naccess matrix: {len(ROWS)} route/method rows × {len(PERSONAS)} personas = "
            f"{len(ROWS) * len(PERSONAS)} cases ({len(required_keys())} routes and operations required)"
        )
    assert len(ROWS) * len(PERSONAS) >= len(required_keys())


# --- the world, once per module -------------------------------------------------------------------


def _objects(world: Any, past: Any) -> dict[str, dict[str, str]]:
    """URL parameter values by object kind, for the default row and for ``[past]`` rows."""
    import datetime as dt

    from hocbaso.core import clock
    from hocbaso.records.models import AssemblyRun, CorrectionRequest
    from hocbaso.signing.models import CredentialKind, SigningBatch, SigningCredential
    from hocbaso.signing.tests.factories import make_frozen_version

    version = make_frozen_version(world, student=world.students["an"])
    old_version = make_frozen_version(world, student=past.student, class_group=past.class_2a)
    version_3b = make_frozen_version(world, student=world.students["cuong"], class_group=world.class_3b)
    homeroom = world.users["homeroom"]
    correction = CorrectionRequest.objects.create(
        version=version, reason="Sai tên", requested_by=homeroom, requested_at=clock.now()
    )
    run = AssemblyRun.objects.create(
        school=world.school_a, class_group=world.class_3a, school_year=world.year, requested_by=homeroom
    )
    credential = SigningCredential.objects.create(
        staff=homeroom.staff,
        kind=CredentialKind.PKCS12,
        label="Chứng thư thử",
        certificate_pem="-",
        fingerprint="00" * 32,
        subject_name="Homeroom",
        not_before=clock.now() - dt.timedelta(days=1),
        not_after=clock.now() + dt.timedelta(days=365),
    )

    def credential_of(label: str, **holder: Any) -> SigningCredential:
        """A credential row (no key behind it): enough for an operation to find it and decide."""
        return SigningCredential.objects.create(
            kind=CredentialKind.PKCS12,
            label=label,
            certificate_pem=_self_signed(label),  # seals are published in the trust bundle
            fingerprint=label.encode().hex().ljust(64, "0")[:64],
            subject_name=label,
            not_before=clock.now() - dt.timedelta(days=1),
            not_after=clock.now() + dt.timedelta(days=365),
            **holder,
        )

    principal_credential = credential_of("Hiệu trưởng A", staff=world.users["principal"].staff)
    seal_a = credential_of(
        "Dấu trường A", staff=world.users["clerk"].staff, for_organisation=True, school=world.school_a
    )
    seal_b = credential_of(
        "Dấu trường B", staff=world.users["principal_b"].staff, for_organisation=True, school=world.school_b
    )
    batch = SigningBatch.objects.create(
        idempotency_key="matrix", created_by=homeroom, signer=homeroom.staff, role="homeroom", credential=credential
    )
    from hocbaso.directory.models import Enrolment
    from hocbaso.transfers.models import Transfer, TransferKind

    transfer = Transfer.objects.create(
        kind=TransferKind.values[0],
        student=world.students["an"],
        from_school=world.school_a,
        from_enrolment=Enrolment.objects.get(student=world.students["an"]),
        to_school=world.school_b,
        school_year=world.year,
        desired_date=clock.today(),
        reason="Chuyển nhà",
        requested_by_family="Nguyễn Văn Ba",
        requested_by=world.users["clerk"],
        requested_at=clock.now(),
    )
    from hocbaso.directory.models import ConsentKind, ConsentRequest
    from hocbaso.portal import codes
    from hocbaso.portal.models import GuardianAccess, ShareLink
    from hocbaso.portal.tests.helpers import activate

    parent = activate(world, world.students["an"], "parent")  # through a letter, as a family does
    world.users["parent"] = parent
    share = ShareLink.objects.create(
        student=world.students["an"],
        token_hash=codes.token_hash("matrix-share-token"),
        created_by=parent,
        created_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    consent = ConsentRequest.objects.create(
        student=world.students["an"],
        requesting_school=world.school_b,
        kind=ConsentKind.choices[0][0],
        requested_by=world.users["principal_b"],
        requested_at=clock.now(),
    )
    from hocbaso.reporting.ministry.models import Department, Submission

    department = Department.objects.create(unit=world.province, code="51", name="Sở GDĐT tỉnh Quảng Ngãi")
    submission = Submission.objects.create(
        department=department,
        school_year=world.year,
        kind="delta",
        mapping_version="2025.1-reconstructed",
        batch_id="51-matrix",
        created_by=world.users["province_officer"],
        created_at=clock.now(),
        body_name="-",
        body_sha256="0" * 64,
        seal_fingerprint="0" * 64,
    )
    from hocbaso.reporting.readiness.models import FollowUp, SupervisionVisit

    visit = SupervisionVisit.objects.create(
        school=world.school_a,
        unit=world.commune1,
        visited_on=clock.today(),
        findings="Kiểm tra",
        recorded_by=world.users["officer"],
        recorded_at=clock.now(),
    )
    follow_up = FollowUp.objects.create(visit=visit, description="Tập huấn", due_on=clock.today())
    from hocbaso.records import storage
    from hocbaso.records.digitising_models import DigitisationRun, DigitisedBook

    scan_name, scan_sha = storage.put(b"%PDF-1.7 matrix scan", ".pdf")
    book = DigitisedBook.objects.create(
        school=world.school_a,
        school_year=world.year,
        class_group=world.class_3a,
        student=world.students["binh"],
        book_number="1/2026",
        original_pages="5-6",
        original_date=world.year.start_date,
        printed_homeroom="Nguyễn Thị Hoa",
        printed_principal="Trần Văn Bảy",
        scan_name=scan_name,
        scan_sha256=scan_sha,
        scan_pages=1,
        uploaded_by=world.users["clerk"],
        uploaded_at=clock.now(),
    )
    digitising_run = DigitisationRun.objects.create(school=world.school_a, requested_by=world.users["clerk"])
    from hocbaso.reporting import files as report_files
    from hocbaso.reporting.models import ReportRun

    xlsx_name, xlsx_hash = report_files.store(b"matrix xlsx", ".xlsx")
    pdf_name, pdf_hash = report_files.store(b"%PDF-matrix", ".pdf")
    report_run = ReportRun.objects.create(
        kind=ReportRun.Kind.UNIT_ROLLUP,
        unit=world.commune1,
        school_year=world.year,
        point="mid1",
        state=ReportRun.State.FINISHED,
        total=3,
        done=3,
        xlsx_name=xlsx_name,
        xlsx_sha256=xlsx_hash,
        pdf_name=pdf_name,
        pdf_sha256=pdf_hash,
        created_at=clock.now(),
    )
    common = {
        "unit": str(world.commune1.pk),
        "report_run": str(report_run.pk),
        "book": str(book.pk),
        "digitising_run": str(digitising_run.pk),
        "department": str(department.pk),
        "submission": str(submission.pk),
        "visit": str(visit.pk),
        "follow_up": str(follow_up.pk),
        "move": "mark_done",
        "guide": "homeroom",
        "transfer": str(transfer.pk),
        "share": str(share.pk),
        "token": "matrix-share-token",
        "consent": str(consent.pk),
        "access": str(GuardianAccess.objects.get(user=parent).pk),
        "school": str(world.school_a.pk),
        "version": str(version.pk),
        "correction": str(correction.pk),
        "run": str(run.pk),
        "batch": str(batch.pk),
        "code": version.issuance_code,
        "point": "mid1",
        "size": "1",
        "index": "0",
        "approval": "999999",  # no approval exists: everyone gets the same 404 (the operation is scoped)
        "year": str(world.year.pk),
        "received": "999999",
        "kind": "pdf",
        "year_code": world.year.code,
        "today": clock.today().isoformat(),
        "school_b": str(world.school_b.pk),
        "class_b": str(world.class_b_3a.pk),
        "principal_credential": str(principal_credential.pk),
        "seal_a": str(seal_a.pk),
        "seal_b": str(seal_b.pk),
    }
    return {
        "default": {**common, "class": str(world.class_3a.pk), "student": str(world.students["an"].pk)},
        # 2024-2025: class 2A, its student and her record (ended appointments, the abolished district)
        "past": {
            **common,
            "class": str(past.class_2a.pk),
            "student": str(past.student.pk),
            "version": str(old_version.pk),
        },
        # class 3B, where ``teacher`` teaches a subject (not the homeroom's class)
        "3b": {
            **common,
            "class": str(world.class_3b.pk),
            "student": str(world.students["cuong"].pk),
            "version": str(version_3b.pk),
        },
    }


def _self_signed(common_name: str) -> str:
    """A throwaway self-signed CA certificate (PEM): the public pages' root, the seals' certificates."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _trusted_root(directory: Any) -> Any:
    """A throwaway self-signed root for the public verification pages (no demo PKI needed)."""
    path = directory / "roots.pem"
    path.write_text(_self_signed("Access matrix root"))
    return path


@pytest.fixture(scope="module")
def matrix_world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The world, its objects and one signed-in client per persona, built once; rolled back at the end."""
    from hocbaso.testing import add_previous_year, build_world

    media = tmp_path_factory.mktemp("matrix-media")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media,
        VAR_DIR=media,
        HOCBASO_TRUSTED_ROOTS=str(_trusted_root(media)),
    )
    with django_db_blocker.unblock(), fast:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            past = add_previous_year(world)
            objects = _objects(world, past)
            clients = {"anonymous": Client(raise_request_exception=False)}
            for persona in PERSONAS:
                if persona != "anonymous":
                    clients[persona] = sign_in_verified(Client(raise_request_exception=False), world.users[persona])
            yield objects, clients
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def concrete(key: str, objects: dict[str, dict[str, str]]) -> tuple[str, str]:
    """(method, path) of a row's key, its parameters filled from ``objects``."""
    values = objects[_variant(key)]
    method, _space, route = _base(key).partition(" ")
    path = route if route.startswith("/") else "/" + route

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = OBJECTS.get(f"{route}:{name}") or OBJECTS.get(name)
        if kind is None and name == "pk":  # the longest prefix of the route naming a kind
            prefixes = [p for p in OBJECTS if p.endswith("/") and path.lstrip("/").startswith(p)]
            kind = OBJECTS[max(prefixes, key=len)] if prefixes else None
        assert kind is not None, f"add the kind of parameter {name!r} of {route} to OBJECTS in tests/access_matrix.py"
        return values[kind]

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    path = re.sub(r"\{(\w+)\}", value, path)
    return method, path


def outcome_of(response: Any) -> str:
    status = response.status_code
    if status == 401 or (status == 302 and "/login/" in response.get("Location", "")):
        return "login"
    if status in (403, 404, 405):
        return str(status)
    if status >= 500:
        return f"error {status}"  # never expected: a crash is not an access decision
    return "ok"


def ask(client: Client, key: str, method: str, path: str, values: dict[str, str]) -> Any:
    """The request of a row (its body from ``BODIES``, placeholders filled), its file read to the end."""
    body = {
        name: value.format(**values) if isinstance(value, str) else value
        for name, value in BODIES.get(_base(key), {}).items()
    }
    if method == "GET":
        response = client.get(path)
    elif any(isinstance(value, bytes) for value in body.values()):  # multipart: bytes travel as files
        files = {
            name: SimpleUploadedFile(name, value) if isinstance(value, bytes) else value for name, value in body.items()
        }
        response = client.post(path, files)
    elif path.startswith("/api/"):
        response = client.generic(method, path, json.dumps(body), content_type="application/json")
    else:
        response = client.post(path, body)
    if response.streaming:  # read to the end: the test client then closes the file (and keeps the database)
        b"".join(getattr(response, "streaming_content", []))
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("key", CASES)
def test_matrix(matrix_world: Any, key: str) -> None:
    objects, clients = matrix_world
    method, path = concrete(key, objects)
    expected = parse(ROWS[key])
    got = {}
    for persona, client in clients.items():
        with transaction.atomic():
            got[persona] = outcome_of(ask(client, key, method, path, objects[_variant(key)]))
            transaction.set_rollback(True)
    wrong = {p: f"expected {expected[p]}, got {got[p]}" for p in PERSONAS if got[p] != expected[p]}
    assert not wrong, f"{key} ({path}): {wrong}"
