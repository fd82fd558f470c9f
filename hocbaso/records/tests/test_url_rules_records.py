"""Every records URL carries a permission rule; anonymous visitors are sent to the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocbaso.core.permissions import rule_of
from hocbaso.records import urls

# the records staff's pages, the paper book's pages (``print_paper_books`` / ``record_paper_books``)
# and the digitising pages (``digitise_records``)
STAFF_RULES = {"is_records_staff", "is_paper_staff", "is_digitising_staff"}


def test_every_records_url_has_a_rule() -> None:
    assert urls.urlpatterns
    for pattern in urls.urlpatterns:
        assert rule_of(pattern.callback) in STAFF_RULES, pattern.name


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", urls.urlpatterns, ids=lambda p: p.name)
def test_anonymous_is_turned_away(client, pattern) -> None:
    url = reverse(f"records:{pattern.name}", args=[1] * len(pattern.pattern.converters))
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302 and "login" in response["Location"], (pattern.name, method)
