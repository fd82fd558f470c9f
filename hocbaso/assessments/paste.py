"""A block pasted from a spreadsheet into the entry grid, as pure functions (no ORM).

Excel, LibreOffice and Google Sheets put a copied range on the clipboard as text: cells separated
by a tab, rows by a line break (``\\r\\n`` or ``\\n``), a final line break after the last row, and a
cell holding a tab, a line break or a leading quote written between double quotes (``""`` for a
quote). ``parse_block`` reads that into rows of cells; ``place`` lays the block onto the grid from
the focused cell rightwards and downwards, and says how many values fell outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

MAX_ROWS = 200
MAX_COLUMNS = 60
MAX_CHARS = 200_000


class PasteTooLarge(ValidationFailed):
    code = "paste_too_large"


def parse_block(text: str) -> list[list[str]]:
    """Rows of cells of a pasted block; a trailing line break adds no row, every row keeps its
    cells (ragged rows are not padded). Refuses more than ``MAX_ROWS`` rows, ``MAX_COLUMNS``
    columns or ``MAX_CHARS`` characters (``paste_too_large``)."""
    if len(text) > MAX_CHARS:
        raise PasteTooLarge(_("The pasted block is too large."), field="text")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        char = text[i]
        if at_cell_start and char == '"':
            # a quoted cell: up to the closing quote that is not doubled
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                cell.append(text[i])
                i += 1
            at_cell_start = False
            continue
        if char == "\t":
            row.append("".join(cell))
            cell, at_cell_start = [], True
        elif char in "\r\n":
            if char == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_cell_start = [], [], True
        else:
            cell.append(char)
            at_cell_start = False
        i += 1
    if cell or row or not at_cell_start:
        row.append("".join(cell))
        rows.append(row)
    if len(rows) > MAX_ROWS or any(len(r) > MAX_COLUMNS for r in rows):
        raise PasteTooLarge(
            _("Paste at most %(rows)d rows and %(columns)d columns at once.")
            % {"rows": MAX_ROWS, "columns": MAX_COLUMNS},
            field="text",
        )
    return [[value.strip() for value in r] for r in rows]


@dataclass(frozen=True)
class Placed:
    """One pasted value on the grid: the student's row, the column's key and the text."""

    student_id: int
    column: str
    value: str


def place(block: Sequence[Sequence[str]], students: Sequence[int], columns: Sequence[str]) -> tuple[list[Placed], int]:
    """Lay ``block`` onto the grid whose rows below the focused cell are ``students`` and whose
    columns from it rightwards are ``columns``: (the placed values, how many fell outside)."""
    placed: list[Placed] = []
    outside = 0
    for r, row in enumerate(block):
        for c, value in enumerate(row):
            if r < len(students) and c < len(columns):
                placed.append(Placed(students[r], columns[c], value))
            else:
                outside += 1
    return placed, outside
