"""Reading a block pasted from a spreadsheet and laying it on the grid (pure functions)."""

from __future__ import annotations

import pytest

from hocbaso.assessments import paste

PARSE = [
    # (clipboard text, rows of cells)
    ("", []),
    ("T", [["T"]]),
    ("T\n", [["T"]]),  # a final line break adds no row
    ("T\r\n", [["T"]]),
    ("\r\n", [[""]]),  # one empty cell copied: it clears the cell
    ("T\tH\tC", [["T", "H", "C"]]),
    ("T\tH\r\nC\tT\r\n", [["T", "H"], ["C", "T"]]),  # Excel on Windows
    ("T\tH\nC\tT\n", [["T", "H"], ["C", "T"]]),  # LibreOffice, Google Sheets
    ("T\rH\r", [["T"], ["H"]]),  # old Mac line ends
    ("T\t\tC", [["T", "", "C"]]),  # an empty cell in the middle is kept
    ("T\t", [["T", ""]]),  # and at the end of a row
    ("\tH", [["", "H"]]),
    (" t \t 9 ", [["t", "9"]]),  # spaces around a value are dropped
    ('"Chăm ngoan,\nlễ phép"\tT', [["Chăm ngoan,\nlễ phép", "T"]]),  # a quoted cell with a line break
    ('"Em nói ""cảm ơn"""\tT', [['Em nói "cảm ơn"', "T"]]),  # doubled quotes inside a quoted cell
    ('"a\tb"', [["a\tb"]]),  # a tab inside quotes is text
    ('5"\t6', [['5"', "6"]]),  # a quote after the start of a cell is text
    ("T\nH\tC\n9", [["T"], ["H", "C"], ["9"]]),  # ragged rows are not padded
]


@pytest.mark.parametrize(("text", "rows"), PARSE)
def test_parse_block(text: str, rows: list[list[str]]) -> None:
    assert paste.parse_block(text) == rows


@pytest.mark.parametrize(
    "text",
    [
        "T\n" * (paste.MAX_ROWS + 1),
        "\t".join(["T"] * (paste.MAX_COLUMNS + 1)),
        "x" * (paste.MAX_CHARS + 1),
    ],
)
def test_a_block_too_large_is_refused(text: str) -> None:
    with pytest.raises(paste.PasteTooLarge) as caught:
        paste.parse_block(text)
    assert caught.value.code == "paste_too_large"


def test_a_block_of_the_largest_size_is_read() -> None:
    text = "\n".join("\t".join(["T"] * paste.MAX_COLUMNS) for _ in range(paste.MAX_ROWS))
    block = paste.parse_block(text)
    assert len(block) == paste.MAX_ROWS and {len(r) for r in block} == {paste.MAX_COLUMNS}


PLACE = [
    # (block, students below the focused cell, columns from it rightwards, placed, outside)
    ([["T"]], [7], ["subject:math:rating"], [(7, "subject:math:rating", "T")], 0),
    (
        [["T", "9"], ["H", "5"]],
        [7, 8, 9],
        ["subject:math:rating", "subject:math:score", "subject:vietnamese:rating"],
        [
            (7, "subject:math:rating", "T"),
            (7, "subject:math:score", "9"),
            (8, "subject:math:rating", "H"),
            (8, "subject:math:score", "5"),
        ],
        0,
    ),
    # more rows than students left below: the rest is counted, not written anywhere
    (
        [["T"], ["H"], ["C"]],
        [7, 8],
        ["subject:math:rating"],
        [(7, "subject:math:rating", "T"), (8, "subject:math:rating", "H")],
        1,
    ),
    # more columns than the grid has to the right
    ([["T", "H", "C"]], [7], ["subject:math:rating"], [(7, "subject:math:rating", "T")], 2),
    ([], [7], ["subject:math:rating"], [], 0),
    ([["T"]], [], [], [], 1),
]


@pytest.mark.parametrize(("block", "students", "columns", "placed", "outside"), PLACE)
def test_place(block, students, columns, placed, outside) -> None:  # type: ignore[no-untyped-def]
    found, left_out = paste.place(block, students, columns)
    assert [(p.student_id, p.column, p.value) for p in found] == placed
    assert left_out == outside
