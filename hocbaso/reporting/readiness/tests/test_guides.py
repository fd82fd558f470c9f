"""The training guides: one per role, the header's link leads to one's own, the PDF says what the page says."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hocbaso.reporting.readiness import guides
from hocbaso.testing import World, make_user

ROLES = ["homeroom", "teacher", "principal", "clerk", "officer", "family"]


def test_a_guide_for_every_role_with_its_steps_in_order() -> None:
    assert list(guides.GUIDES) == ROLES
    for guide in guides.GUIDES.values():
        assert len(guide.steps) >= 3, guide.slug
        assert all(step.title and step.text for step in guide.steps)
        assert guide.screenshots, f"{guide.slug} has no picture"


def test_every_picture_named_is_in_the_repository() -> None:
    for guide in guides.GUIDES.values():
        for step in guide.steps:
            if step.screenshot:
                assert step.picture == f"guides/{step.screenshot}", step.screenshot


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "slug"),
    [
        ("principal", "principal"),
        ("vice", "principal"),
        ("clerk", "clerk"),
        ("homeroom", "homeroom"),
        ("teacher", "teacher"),
        ("officer", "officer"),
        ("district_officer", "homeroom"),  # an ended appointment: no running role, the first guide
        ("province_officer", "officer"),
        ("operator", "officer"),
    ],
)
def test_my_guide_is_my_roles(world: World, login: Any, persona: str, slug: str) -> None:
    assert guides.role_of(world.users[persona]) == slug
    response = login(persona).get("/guides/mine/")
    assert response.status_code == 302 and response["Location"] == f"/guides/{slug}/"


@pytest.mark.django_db
def test_a_person_without_a_staff_profile_gets_the_family_guide(db: None) -> None:
    from hocbaso.accounts.models import User

    guardian = User.objects.create_user(username="guardian", password="x" * 12)
    assert guides.role_of(guardian) == "family"
    assert guides.role_of(make_user("nobody")) == "homeroom"


@pytest.mark.django_db
def test_the_header_links_to_my_guide(world: World, login: Any) -> None:
    body = login("principal").get("/").content.decode()
    assert 'id="my-guide"' in body and "Hướng dẫn" in body
    assert 'id="my-guide"' not in Client().get("/login/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ROLES)
def test_the_page_and_the_pdf_say_the_same_steps(client: Client, slug: str, tmp_path: Path) -> None:
    guide = guides.GUIDES[slug]
    page = client.get(f"/guides/{slug}/").content.decode()
    for step in guide.steps:
        assert step.title in page
        if step.picture:
            assert f"/static/{step.picture}" in page
    response = client.get(f"/guides/{slug}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    flat = " ".join(text.decode().split())
    for step in guide.steps:
        assert step.title in flat, step.title
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(response.content)
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, check=True).stdout.decode()
    assert len(listed.splitlines()) - 2 == len(guide.screenshots)  # two header lines, then one per picture


def test_an_unknown_guide_is_404(client: Client, db: None) -> None:
    assert client.get("/guides/minister/").status_code == 404
    assert client.get("/guides/minister/pdf/").status_code == 404
