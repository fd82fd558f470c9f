"""The entry grid's sections follow the class: an optional subject appears once a student takes
it; every section's label is unique (the competency "Khoa học" is not the subject)."""

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
    assert f'value="item:{optional.code}"' not in client.get(url).content.decode()
    OptionalSubject.objects.create(student=world.students["an"], school_year=world.year, subject_code=optional.code)
    assert f'value="item:{optional.code}"' in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_every_section_label_is_unique_in_every_grade(grade: int) -> None:
    from hocbaso.assessments.catalogue import grade_catalogue
    from hocbaso.assessments.permissions import WriteScope
    from hocbaso.assessments.views import _section_groups

    catalogue = grade_catalogue("2025-2026", grade)
    groups = _section_groups(catalogue, WriteScope(True, frozenset()), {"ethnic_language", "foreign_language_1"})
    labels = [label for _group, options in groups for _code, label in options]
    assert len(labels) == len(set(labels)), labels
    assert "Năng lực khoa học" in labels
    assert ("Khoa học" in labels) == (grade >= 4)  # the subject exists from grade 4
