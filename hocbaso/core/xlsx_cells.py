"""Writing cells of the spreadsheets the project produces: text is always text, never a formula.

openpyxl stores any string starting with ``=`` as a formula, and spreadsheet programs start a
formula from ``+``, ``-`` and ``@`` too (a leading tab or line break hides the sign) as soon as a
person edits the cell. Names, comments and school names come from people, so a student called
``=HYPERLINK(…)`` would become a live link in a downloaded class summary. Every cell the project
writes goes through ``put``: strings get the string type explicitly, and a string that would
start a formula also gets the quote prefix (Excel's leading apostrophe), so it is shown and kept
as text even when someone edits it. Numbers, dates and booleans keep their own types.

A test (``core/tests/test_xlsx_cells.py``) fails on any other ``.cell(value=…)`` or
``sheet["A1"] = …`` in the project.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def would_start_formula(text: str) -> bool:
    """True when a spreadsheet program could read ``text`` as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` at (row, column) and return the cell; ``None`` leaves it empty."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if would_start_formula(value):
            cell.quotePrefix = True
    return cell
