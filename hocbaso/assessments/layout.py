"""The entry grid's columns for a grade and point, built from the curriculum catalogue.

Pure: takes the catalogue's plain data, returns column descriptions the grid, the spreadsheet
template and the API share. Sections:

- ``subjects``: rating of every subject/activity, and its test score where the matrix has a cell;
- ``competencies``: rating of every quality and competency (homeroom teacher only);
- ``item:<code>``: one subject or competency with rating, score (if any) and comment;
- ``all``: every item with rating, score and comment (the spreadsheet template).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from hocbaso.curriculum.catalogue import Item

SUBJECT_RATINGS = ("T", "H", "C")
COMPETENCY_RATINGS = ("T", "Đ", "C")


@dataclass(frozen=True)
class Column:
    kind: str
    code: str
    field: str  # rating | score | comment
    label: str
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}:{self.field}"


def columns_for(
    section: str, *, items: Iterable[Item], point: str, test_cells: frozenset[tuple[str, str]]
) -> list[Column]:
    """Columns of ``section`` at ``point`` (see module docstring); unknown sections give none."""
    items = list(items)
    columns: list[Column] = []
    if section == "subjects":
        for item in items:
            if item.kind != "subject":
                continue
            columns.append(Column(item.kind, item.code, "rating", item.short, SUBJECT_RATINGS))
            if (item.code, point) in test_cells:
                columns.append(Column(item.kind, item.code, "score", f"{item.short} (điểm)"))
    elif section == "competencies":
        columns = [
            Column(i.kind, i.code, "rating", i.short, COMPETENCY_RATINGS) for i in items if i.kind == "competency"
        ]
    elif section == "all":
        for item in items:
            choices = SUBJECT_RATINGS if item.kind == "subject" else COMPETENCY_RATINGS
            columns.append(Column(item.kind, item.code, "rating", item.short, choices))
            if item.kind == "subject" and (item.code, point) in test_cells:
                columns.append(Column(item.kind, item.code, "score", f"{item.short} (điểm)"))
            columns.append(Column(item.kind, item.code, "comment", item.short))
    elif section.startswith("item:"):
        code = section.split(":", 1)[1]
        for item in items:
            if item.code != code:
                continue
            choices = SUBJECT_RATINGS if item.kind == "subject" else COMPETENCY_RATINGS
            columns.append(Column(item.kind, item.code, "rating", "Mức đạt được", choices))
            if item.kind == "subject" and (item.code, point) in test_cells:
                columns.append(Column(item.kind, item.code, "score", "Điểm KTĐK"))
            columns.append(Column(item.kind, item.code, "comment", "Nhận xét"))
    return columns


def item_title(item: Item) -> str:
    """An item's name as the grid shows it, never ambiguous: a specific competency is named as
    such ("Năng lực khoa học"), so it is not mistaken for the subject of the same name."""
    if item.kind == "competency" and item.group == "specific":
        return _("%(name)s competency") % {"name": item.name[:1].lower() + item.name[1:]}
    return item.name


def field_label(field: str) -> str:
    """What one field of an item's cell holds, in words."""
    return {"rating": _("level achieved"), "score": _("test score"), "comment": _("comment")}.get(field, field)


def cell_label(item: Item, field: str) -> str:
    """The accessible name of a cell (with the student's name added by the page)."""
    return f"{item_title(item)} — {field_label(field)}"
