"""The visible signature text stays inside its frame with a margin, whatever the name's length
(a long school name is scaled down, never drawn over the border); checked on the drawn page."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import typst
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.stamp import TextStamp

from hocbaso.signing import stamp

BOX = (60.0, 500.0, 153.0, 77.0)  # x, y (from the bottom), width, height: a record's signature box


def _page(tmp_path: Path) -> bytes:
    source = tmp_path / "page.typ"
    source.write_text('#set page(paper: "a4")\n#set text(lang: "vi")\nTrang thử.\n', encoding="utf-8")
    return bytes(typst.compile(str(source)))


@pytest.mark.parametrize(
    "signer",
    ["Lê Văn A", "Trần Thị Mỹ Duyên", "Nguyễn Thị Phương Thảo Nguyên", "Trường Tiểu học Lê Trung Đình số 2 Bình Sơn"],
)
def test_stamp_text_keeps_inside_its_frame(signer: str, tmp_path: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(_page(tmp_path)))
    x, y, width, height = BOX
    text = {"signer": signer, "ts": "30/11/2026 15:35 +0700"}
    TextStamp(writer, stamp.stamp_style(), text_params=text, box=BoxConstraints(width, height)).apply(0, int(x), int(y))
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "stamped.pdf"
    path.write_bytes(out.getvalue())
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    page = re.search(r'<page width="[\d.]+" height="([\d.]+)"', html)
    assert page, "pdftotext wrote a page box"
    page_height = float(page.group(1))
    words = [
        tuple(map(float, m))
        for m in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    ]
    stamped = [w for w in words if w[1] > page_height - (y + height) - 1]  # the words inside the box area
    assert len(stamped) >= 2  # the two lines (pdftotext reads each drawn line as one run)
    left, right = x + stamp.INNER_MARGIN - 1, x + width - stamp.INNER_MARGIN + 1
    top, bottom = page_height - (y + height) + 2, page_height - y - 2
    for x_min, y_min, x_max, y_max in stamped:
        assert left <= x_min and x_max <= right, (signer, x_min, x_max)
        assert top <= y_min and y_max <= bottom, (signer, y_min, y_max)
