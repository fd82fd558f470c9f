"""The home page links to the records of the classes and schools a person works with today."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocbaso.records import actions
from hocbaso.records.actions import assemble


@pytest.mark.django_db
def test_home_links_by_role(complete_3a, login) -> None:
    world = complete_3a
    version = assemble(by=world.users["homeroom"], student=world.students["an"], class_group=world.class_3a).version
    actions.request_correction(by=world.users["homeroom"], version=version, reason="Sai")
    homeroom = login("homeroom").get(reverse("core:home")).content.decode()
    assert reverse("records:class", args=[world.class_3a.pk]) in homeroom
    assert reverse("records:school", args=[world.school_a.pk]) not in homeroom
    principal = login("principal").get(reverse("core:home")).content.decode()
    assert reverse("records:school", args=[world.school_a.pk]) in principal
    assert "1" in principal.split(reverse("records:school", args=[world.school_a.pk]), 1)[1][:400]
    stranger = login("stranger").get(reverse("core:home")).content.decode()
    assert "/records/" not in stranger
