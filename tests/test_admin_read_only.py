"""The operator's admin shows accounts but changes none: a password set there would bypass the
audited reset, and a tick on "superuser" would make an operator no appointment records."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_the_operator_can_neither_set_a_password_nor_make_an_operator_in_the_admin(world: World, login: Any) -> None:
    clerk = world.users["clerk"]
    admin = login("operator")
    assert admin.get(f"/admin/accounts/user/{clerk.pk}/change/").status_code == 200  # shown
    new = "a-new-password-123"
    refused = admin.post(f"/admin/accounts/user/{clerk.pk}/password/", {"password1": new, "password2": new})
    assert refused.status_code == 403
    admin.post(f"/admin/accounts/user/{clerk.pk}/change/", {"username": "clerk", "is_superuser": "on"})
    admin.post(f"/admin/accounts/user/{clerk.pk}/delete/", {"post": "yes"})
    assert admin.get("/admin/accounts/user/add/").status_code == 403
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD) and not clerk.is_superuser
