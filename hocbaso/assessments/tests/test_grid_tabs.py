"""The entry grid's tabs follow the class: an optional subject appears once a student takes it."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_an_optional_subject_has_a_grid_tab_only_when_someone_takes_it(world, login) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.assessments.catalogue import catalogue_for_class
    from hocbaso.assessments.models import OptionalSubject

    optional = next(i for i in catalogue_for_class(world.class_3a).items if i.optional)
    url = reverse("assessments:grid", args=[world.class_3a.pk, "end1"])
    client = login("homeroom")
    assert f"section=item:{optional.code}" not in client.get(url).content.decode()
    OptionalSubject.objects.create(student=world.students["an"], school_year=world.year, subject_code=optional.code)
    assert f"section=item:{optional.code}" in client.get(url).content.decode()
