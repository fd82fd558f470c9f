"""Hostile .xlsx files built byte by byte with zipfile, as an attacker would (no spreadsheet library)."""

from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet(body: str, dimension: str | None = None) -> str:
    """A worksheet part: ``body`` is the inside of ``<sheetData>``."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
    return f"{head}{dim}<sheetData>{body}</sheetData></worksheet>"


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted_xlsx(
    sheet_xml: str,
    *,
    shared_strings: str | None = None,
    extra: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal workbook whose first sheet is ``sheet_xml`` (plus a shared-strings part and any
    ``extra`` parts, written as given)."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
        '<sheets><sheet name="Nhap lieu" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    strings_rel = (
        f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>' if shared_strings else ""
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>{strings_rel}</Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def last_cell_bomb() -> bytes:
    """The 1.6 KB file of issue 10: a cell in A1 and one in the last cell, XFD1048576, and a
    dimension claiming the whole sheet. Parsed in process, calamine asks for 512 GiB and aborts."""
    return crafted_xlsx(
        sheet(
            f'<row r="1">{text_cell("A1", "x")}</row><row r="1048576">{text_cell("XFD1048576", "y")}</row>',
            dimension="A1:XFD1048576",
        )
    )
