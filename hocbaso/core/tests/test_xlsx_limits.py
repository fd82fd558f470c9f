"""An uploaded .xlsx is measured before it is parsed, and parsed only in a capped process."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from openpyxl import Workbook

from hocbaso.core import xlsx_limits, xlsx_upload
from hocbaso.core.tests.crafted_xlsx import MAIN, crafted_xlsx, last_cell_bomb, sheet, text_cell
from hocbaso.core.xlsx_limits import Limits, Refusal

LIMITS = Limits(max_rows=300, max_columns=200)
STRINGS_HEAD = f'<?xml version="1.0"?><sst xmlns="{MAIN}"'


def refusal_of(content: bytes, limits: Limits = LIMITS) -> str | None:
    """The code the checks give (archive, then every part), or None when the file passes."""
    try:
        xlsx_limits.check_archive(content, limits)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xlsx_limits.check_parts(archive, limits)
    except Refusal as refusal:
        return refusal.code
    return None


def rows_without_references(n: int) -> str:
    return "".join(f'<row><c t="inlineStr"><is><t>{i}</t></is></c></row>' for i in range(n))


@pytest.mark.parametrize(
    ("case", "content", "code"),
    [
        ("a plain sheet", crafted_xlsx(sheet(f'<row r="1">{text_cell("A1", "x")}</row>', "A1")), None),
        ("the issue's 1.6 KB file", last_cell_bomb(), "import_too_many_rows"),
        ("dimension alone claims every row", crafted_xlsx(sheet("", "A1:B1048576")), "import_too_many_rows"),
        ("dimension alone claims every column", crafted_xlsx(sheet("", "A1:XFD3")), "import_too_many_columns"),
        (
            "a cell in the last row",
            crafted_xlsx(sheet(f'<row r="1048576">{text_cell("A1048576", "y")}</row>')),
            "import_too_many_rows",
        ),
        (
            "a cell in the last column",
            crafted_xlsx(sheet(f'<row r="1">{text_cell("XFD1", "y")}</row>')),
            "import_too_many_columns",
        ),
        ("an empty row far down", crafted_xlsx(sheet('<row r="900000"/>')), "import_too_many_rows"),
        ("absolute references", crafted_xlsx(sheet("", "$A$1:$XFD$1")), "import_too_many_columns"),
        (
            "rows without references are counted",
            crafted_xlsx(sheet(rows_without_references(301))),
            "import_too_many_rows",
        ),
        ("rows without references within the limit", crafted_xlsx(sheet(rows_without_references(300))), None),
        (
            "cells without references are counted",
            crafted_xlsx(sheet("<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 201 + "</row>")),
            "import_too_many_columns",
        ),
        (
            "a merged range over the sheet",
            crafted_xlsx(
                sheet(f'<row r="1">{text_cell("A1", "x")}</row>').replace(
                    "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A1:C1048576"/></mergeCells>'
                )
            ),
            "import_too_many_rows",
        ),
        (
            "a shared-strings table claiming 4·10¹² entries",
            crafted_xlsx(
                sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                shared_strings=f'{STRINGS_HEAD} count="4000000000000" uniqueCount="4000000000000">'
                "<si><t>x</t></si></sst>",
            ),
            "import_too_many_strings",
        ),
        (
            "a shared-strings table with too many entries",
            crafted_xlsx(
                sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                shared_strings=f"{STRINGS_HEAD}>" + "".join(f"<si><t>{i}</t></si>" for i in range(100_001)) + "</sst>",
            ),
            "import_too_many_strings",
        ),
        (
            "a sheet in an unexpected part is measured too",
            crafted_xlsx(
                sheet(""), extra={"xl/worksheets/../elsewhere/other.xml": sheet("", "A1:XFD1048576").encode()}
            ),
            "import_too_many_rows",
        ),
        (
            "an entity declaration (billion laughs)",
            crafted_xlsx(
                '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'
            ),
            "import_xml_doctype",
        ),
        (
            "a reference that is not one",
            crafted_xlsx(sheet(f'<row r="1">{text_cell("A1B", "x")}</row>')),
            "import_not_xlsx",
        ),
        ("malformed XML", crafted_xlsx("<worksheet><sheetData><row></sheetData>"), "import_not_xlsx"),
        ("an empty file", b"", "import_empty"),
        ("bytes past the file limit", b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), "import_too_large"),
        ("not a zip (an old .xls)", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "import_not_xlsx"),
        ("a damaged zip", b"PK\x03\x04garbage", "import_not_xlsx"),
        (
            "an OpenDocument spreadsheet (.ods)",
            crafted_xlsx(sheet(""), extra={"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "import_not_xlsx",
        ),
        (
            "a binary workbook (.xlsb)",
            crafted_xlsx(sheet(""), extra={"xl/workbook.bin": b"\0" * 10}),
            "import_not_xlsx",
        ),
        (
            "too many parts",
            crafted_xlsx(sheet(""), extra={f"xl/media/{i}.png": b"x" for i in range(100)}),
            "import_too_many_parts",
        ),
        (
            "a part that inflates past its limit",
            crafted_xlsx(sheet(""), extra={"xl/media/big.bin": b"\0" * (21 * 1024 * 1024)}),
            "import_too_large",  # the code a zip bomb always had
        ),
        (
            "a part compressed a thousand times",
            crafted_xlsx(sheet(""), extra={"xl/media/zeros.bin": b"\0" * (2 * 1024 * 1024)}),
            "import_compression_ratio",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 60 else "",
)
def test_what_a_file_declares_is_checked_before_parsing(case: str, content: bytes, code: str | None) -> None:
    assert refusal_of(content) == code, case


def test_parts_are_limited_in_total() -> None:
    parts = {f"xl/media/{i}.bin": os.urandom(1024 * 1024) for i in range(3)}
    content = crafted_xlsx(sheet(""), extra=parts, compression=zipfile.ZIP_STORED)
    assert refusal_of(content, Limits(max_total_bytes=3 * 1024 * 1024)) == "import_too_large"
    assert refusal_of(content, Limits(max_total_bytes=4 * 1024 * 1024)) is None


def test_the_issue_file_is_small() -> None:
    assert len(last_cell_bomb()) < 2048


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("A1", (1, 1)), ("XFD1048576", (1048576, 16384)), ("$C$7", (7, 3)), ("AA", (None, 27)), ("12", (12, None))],
)
def test_references(reference: str, expected: tuple[int | None, int | None]) -> None:
    assert xlsx_limits.parse_reference(reference) == expected


@pytest.mark.parametrize("reference", ["", "A1B", "ABCD1", "1A", "A-1", "A12345678"])
def test_not_references(reference: str) -> None:
    with pytest.raises(Refusal):
        xlsx_limits.parse_reference(reference)


def test_the_reader_runs_out_of_its_memory_not_the_servers() -> None:
    """With the declaration checks opened wide, the issue's file reaches calamine, which asks for
    512 GiB: its process dies on the memory cap and this one (the server) carries on."""
    wide_open = Limits(max_rows=2_000_000, max_columns=20_000)
    with pytest.raises(xlsx_upload.SpreadsheetRefused) as caught:
        xlsx_upload.read_first_sheet(last_cell_bomb(), filename="bom.xlsx", limits=wide_open)
    assert caught.value.code == "import_reader_memory"
    assert caught.value.field == "file"
    assert "512 MB" in str(caught.value.message)
    book = Workbook()
    book.active.append(["Nguyễn Văn An", 9, 8.5])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    assert xlsx_upload.read_first_sheet(out.getvalue(), filename="ok.xlsx", limits=wide_open) == [
        ["Nguyễn Văn An", 9.0, 8.5]
    ]


def test_a_reader_past_its_wall_clock_is_stopped() -> None:
    with pytest.raises(xlsx_upload.SpreadsheetRefused) as caught:
        xlsx_upload.read_first_sheet(last_cell_bomb(), filename="x.xlsx", limits=Limits(wall_seconds=0))
    assert caught.value.code == "import_reader_time"


def test_dates_come_back_as_dates() -> None:
    import datetime as dt

    book = Workbook()
    book.active.append([dt.date(2017, 3, 4), dt.datetime(2025, 9, 5, 7, 30)])  # type: ignore[union-attr]  # noqa: DTZ001
    out = io.BytesIO()
    book.save(out)
    [row] = xlsx_upload.read_first_sheet(out.getvalue(), filename="d.xlsx", limits=Limits())
    assert row == [dt.date(2017, 3, 4), dt.datetime(2025, 9, 5, 7, 30)]  # noqa: DTZ001 - a spreadsheet cell has no zone


@pytest.mark.parametrize(
    ("code", "unpacked"),
    [
        ("import_too_many_rows", 0),
        ("import_too_large", 1),
        ("import_reader_memory", 0),
        ("import_too_large", 0),
    ],
)
def test_refusals_name_their_limit_in_vietnamese(code: str, unpacked: int) -> None:
    from django.utils import translation

    limit = 300 if "rows" in code else 5 * 1024 * 1024
    with translation.override("vi"):
        message = str(xlsx_upload.message_for(code, {"limit": limit, "unpacked": unpacked}, "a.xlsx"))
    assert ("300" in message) or ("5 MB" in message), message
    assert ("giải nén" in message.lower()) == bool(unpacked) or code != "import_too_large", message
