"""Scans are measured before anything parses them: bytes, pages, pixels; bombs never decode."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from hocbaso.core.errors import ValidationFailed
from hocbaso.records import scans


def _image(size: tuple[int, int] = (300, 420), kind: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", size, 240).save(out, format=kind)
    return out.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _refused(files: list[bytes]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        scans.convert(files)
    return caught.value.code


def test_images_become_one_pdfa_with_a_page_each() -> None:
    scan = scans.convert([_image(), _image(kind="JPEG")])
    assert scan.pages == 2
    assert scan.pdf.startswith(b"%PDF-1.7")
    assert b"pdfaid:part" in scan.pdf  # Typst wrote the PDF/A identification


def test_a_scanned_pdf_is_rasterised_and_converted() -> None:
    first = scans.convert([_image()])
    again = scans.convert([first.pdf])
    assert again.pages == 1 and b"pdfaid:part" in again.pdf


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([], "scan_empty"),
        ([b""], "scan_empty"),
        ([b"GIF89a" + b"\x00" * 20], "scan_unsupported"),
        ([b"<html>not a scan</html>"], "scan_unsupported"),
        ([b"\x89PNG\r\n\x1a\n" + b"\x00" * 40], "scan_unreadable"),
        ([b"%PDF-1.7\n garbage"], "scan_unreadable"),
    ],
)
def test_what_is_not_a_scan_is_refused(files: list[bytes], code: str) -> None:
    assert _refused(files) == code


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = _png_declaring(100_000, 100_000)  # 10 gigapixels in a few bytes
    assert len(bomb) < 200
    assert _refused([bomb]) == "scan_too_many_pixels"


def test_a_page_just_over_the_pixel_limit_is_refused() -> None:
    side = int(scans.MAX_PIXELS**0.5) + 1
    assert _refused([_png_declaring(side, side)]) == "scan_too_many_pixels"


def test_too_many_bytes_are_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scans, "MAX_BYTES", 1000)
    assert _refused([_image(), _image()]) == "scan_too_large"


def test_too_many_pages_are_refused() -> None:
    page = _image((40, 60))
    assert _refused([page] * (scans.MAX_PAGES + 1)) == "scan_too_many_pages"


def test_a_pdf_with_too_many_pages_is_refused_unrendered() -> None:
    import typst

    source = "#set page(width: 100pt, height: 100pt)\n" + "#pagebreak()\n".join(["x"] * (scans.MAX_PAGES + 2))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.typ").write_text(source)
        pdf = typst.compile(str(Path(tmp) / "m.typ"))
    assert _refused([pdf]) == "scan_too_many_pages"


def test_a_pdf_page_larger_than_a3_is_refused_unrendered() -> None:
    import tempfile
    from pathlib import Path

    import typst

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.typ").write_text("#set page(width: 5000pt, height: 5000pt)\nx")
        pdf = typst.compile(str(Path(tmp) / "m.typ"))
    assert _refused([pdf]) == "scan_too_many_pixels"
