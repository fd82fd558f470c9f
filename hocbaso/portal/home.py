"""What the portal offers on the home page: a guardian's children; a school manager's access letters."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core.collation import sort_students
from hocbaso.core.home import Link, Section
from hocbaso.portal.permissions import children_of, letter_classes


def sections(user: Any) -> list[Section]:
    found: list[Section] = []
    children = sort_students(children_of(user))
    if children:
        found.append(
            Section(
                _("My children's records"),
                [Link(child.full_name, reverse("portal:child", args=[child.pk])) for child in children],
                order=1,
            )
        )
    if letter_classes(user).exists():
        found.append(
            Section(
                _("Families"),
                [Link(_("Access letters for families"), reverse("portal:letters"), _("print, revoke, reissue"))],
                order=60,
            )
        )
    return found
