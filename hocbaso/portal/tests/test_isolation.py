"""A guardian of one child never sees another child: every portal URL, with the other child's
objects (and with mixed ids), answers 404 (family URLs) or 403 (school URLs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hocbaso.accounts.models import User
from hocbaso.directory import consent
from hocbaso.portal import actions
from hocbaso.portal.tests.helpers import activate, issue_year, signed_in
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World
from hocbaso.verification import registry

pytestmark = pytest.mark.django_db

# Public URLs that name no child: they are checked elsewhere (activation, sign-in, share tokens).
PUBLIC = {"activate", "login", "share", "share_pdf", "share_xml"}


def portal_urls() -> set[str]:
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            return {p.name for p in entry.url_patterns if isinstance(p, URLPattern) and p.name}
    return set()


def test_the_isolation_table_covers_every_portal_url() -> None:
    assert portal_urls() == PUBLIC | set(FAMILY) | set(SCHOOL) | {"home"}


FAMILY = {
    "child": [("GET", "/family/children/{binh}/")],
    "child_pdf": [
        ("GET", "/family/children/{binh}/files/{binh_code}.pdf"),
        ("GET", "/family/children/{an}/files/{binh_code}.pdf"),
    ],
    "child_xml": [
        ("GET", "/family/children/{binh}/files/{binh_code}.xml"),
        ("GET", "/family/children/{an}/files/{binh_code}.xml"),
    ],
    "share_create": [("GET", "/family/children/{binh}/share/"), ("POST", "/family/children/{binh}/share/")],
    "share_revoke": [("POST", "/family/shares/{binh_link}/revoke/")],
    "consent_answer": [("POST", "/family/consents/{binh_consent}/answer/")],
}
SCHOOL = {
    "letters": [("GET", "/portal/letters/")],
    "class_letters": [("GET", "/portal/classes/{class_3a}/letters/"), ("POST", "/portal/classes/{class_3a}/letters/")],
    "student": [("GET", "/portal/students/{binh}/access/"), ("POST", "/portal/students/{binh}/access/")],
    "access_revoke": [("POST", "/portal/access/{binh_access}/revoke/")],
}


@pytest.fixture
def two_families(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> dict[str, Any]:
    registry._trust_cache.clear()
    an, binh = world.students["an"], world.students["binh"]
    binh_version = issue_year(world, pki, signing_env, binh)
    guardian_binh = activate(world, binh, "me.binh")
    link, _token = actions.create_share(by=guardian_binh, student=binh, school_years=[binh_version.school_year])
    request = consent.request_consent(
        by=world.users["principal_b"], student=binh, requesting_school=world.school_b, kind="transfer"
    )
    guardian_an = activate(world, an, "me.an")
    return {
        "guardian": guardian_an,
        "ids": {
            "an": an.pk,
            "binh": binh.pk,
            "binh_code": binh_version.issuance_code,
            "binh_link": link.pk,
            "binh_consent": request.pk,
            "binh_access": guardian_binh.guardian_accesses.get().pk,
            "class_3a": world.class_3a.pk,
        },
        "link": link,
        "consent": request,
    }


def _ask(client: Client, method: str, path: str) -> int:
    if method == "GET":
        return client.get(path).status_code
    return client.post(path, {"answer": "accept", "years": ["1"], "days": "30", "copies": "1"}).status_code


def test_a_guardian_of_an_never_reaches_binh(client: Client, world: World, two_families: dict[str, Any]) -> None:
    signed_in(client, two_families["guardian"])
    ids = two_families["ids"]
    for name, requests in FAMILY.items():
        for method, template in requests:
            assert _ask(client, method, template.format(**ids)) == 404, (name, method)
    for name, requests in SCHOOL.items():
        for method, template in requests:
            assert _ask(client, method, template.format(**ids)) == 403, (name, method)
    home = client.get("/family/", follow=True).content.decode()
    assert world.students["an"].full_name in home and world.students["binh"].full_name not in home
    two_families["link"].refresh_from_db()
    two_families["consent"].refresh_from_db()
    assert two_families["link"].revoked_at is None and two_families["consent"].state == "pending"


def test_a_revoked_guardian_loses_the_child_at_once(login: Any, world: World, two_families: dict[str, Any]) -> None:
    ids = two_families["ids"]
    binh_guardian = signed_in(Client(), User.objects.get(username="me.binh"))
    assert binh_guardian.get(f"/family/children/{ids['binh']}/").status_code == 200
    principal = login("principal")
    assert principal.post(f"/portal/access/{ids['binh_access']}/revoke/", {"reason": "Thư bị mất"}).status_code == 302
    assert binh_guardian.get(f"/family/children/{ids['binh']}/").status_code == 403
    assert binh_guardian.get(f"/family/children/{ids['binh']}/files/{ids['binh_code']}.pdf").status_code == 403
