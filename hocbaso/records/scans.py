"""Scans of paper books: bounded before they are parsed, then converted to one PDF/A-3b.

A clerk uploads the year page of a paper học bạ as JPEG or PNG photos or as a PDF from a scanner.
Nothing untrusted is handed to a parser before it is measured:

- the bytes (``MAX_BYTES`` for the whole scan) and the number of files and pages (``MAX_PAGES``);
- an image's width × height from its header (Pillow reads no pixel data to open it) — at most
  ``MAX_PIXELS`` a page — so a decompression bomb (a small PNG declaring 100 000 × 100 000) is refused
  before any pixel is decoded; Pillow's own bomb check stays on as a second wall;
- a PDF's page count and page sizes from its structure (pyHanko's reader, object count bounded as
  in verification); its pages are then rasterised at ``RASTER_DPI`` by poppler's ``pdftoppm`` in
  a separate process capped in memory (``RLIMIT_AS``), processor time and wall clock, so a hostile
  PDF can only kill that process.

Every page is decoded once, turned upright (EXIF), flattened to greyscale or RGB and re-encoded
(metadata dropped), and Typst composes the pages into a PDF/A-3b (``typst/scan.typ``), the form
the scan is stored in (content-addressed, ``records.storage``) and attached to the digitised
record. Refusals are ``ValidationFailed`` with the codes ``scan_too_large``, ``scan_too_many_pages``,
``scan_too_many_pixels``, ``scan_unsupported``, ``scan_unreadable``, ``scan_empty``.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

MAX_BYTES = 20 * 1024 * 1024  # a whole scan (every file of it)
MAX_PAGES = 8  # a year's page of the book, with its cover or the pupil's page
MAX_PIXELS = 40_000_000  # a page: a 40-megapixel photo, an A4 at 600 dpi is 35 MP
MAX_PDF_OBJECTS = 5_000
MAX_PAGE_POINTS = 1_800  # a page side in a PDF (A3 is 1191 pt)
RASTER_DPI = 150
RASTER_MEMORY = 768 * 1024 * 1024
RASTER_CPU_SECONDS = 20
RASTER_WALL_SECONDS = 40
FORMATS = ("JPEG", "PNG")
TEMPLATE = Path(__file__).parent / "typst" / "scan.typ"


class ScanRefused(ValidationFailed):
    code = "scan_unreadable"


@dataclass(frozen=True)
class Scan:
    """A converted scan: the PDF/A-3b and its page count."""

    pdf: bytes
    pages: int


def kind_of(content: bytes) -> str | None:
    """``pdf``, ``jpeg``, ``png`` from the first bytes, else None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _too_many_pages() -> ScanRefused:
    return ScanRefused(
        _("A scan has at most %(pages)s pages (the year's page of one book).") % {"pages": MAX_PAGES},
        code="scan_too_many_pages",
        field="scan",
    )


def measure(files: Sequence[bytes]) -> list[str]:
    """The kind of each file, after the bounds that need no decoding (bytes, kinds, count)."""
    if not files or not any(files):
        raise ScanRefused(_("Choose the scanned pages to upload."), code="scan_empty", field="scan")
    if sum(len(f) for f in files) > MAX_BYTES:
        raise ScanRefused(
            _("The scan is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="scan_too_large",
            field="scan",
        )
    if len(files) > MAX_PAGES:
        raise _too_many_pages()
    kinds = []
    for content in files:
        kind = kind_of(content)
        if kind is None:
            raise ScanRefused(_("A scan is a PDF, or photos in JPEG or PNG."), code="scan_unsupported", field="scan")
        kinds.append(kind)
    return kinds


def _image_page(content: bytes) -> bytes:
    """One page image, measured from its header, then decoded, upright, re-encoded as JPEG."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    too_many_pixels = ScanRefused(
        _("A scanned page has more than %(mp)s million pixels.") % {"mp": MAX_PIXELS // 1_000_000},
        code="scan_too_many_pixels",
        field="scan",
    )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check (a warning, then an error, far above our limit) refuses too
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(content), formats=FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ScanRefused(_("A scanned page cannot be read as an image."), field="scan") from None
    try:
        with opened as image:
            if image.width * image.height > MAX_PIXELS:
                raise too_many_pixels
            if getattr(image, "n_frames", 1) > 1:
                raise _too_many_pages()
            upright = ImageOps.exif_transpose(image)
            flat = upright.convert("L" if upright.mode in ("1", "L", "LA", "I", "I;16") else "RGB")
    except ScanRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ScanRefused(_("A scanned page cannot be read as an image."), field="scan") from None
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _pdf_page_count(content: bytes) -> int:
    """Pages of a PDF from its structure, refusing oversized or over-complex ones unrendered."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        xrefs = reader.xrefs
        objects = sum(len(list(xrefs.explicit_refs_in_revision(i))) for i in range(xrefs.total_revisions))
        if objects > MAX_PDF_OBJECTS:
            raise ScanRefused(_("The PDF holds far more than scanned pages."), code="scan_too_large", field="scan")
        count = int(reader.root["/Pages"]["/Count"])
        if count > MAX_PAGES:
            raise _too_many_pages()
        for index in range(count):
            box = [float(v) for v in _media_box(reader.find_page_for_modification(index)[0].get_object())]
            if abs(box[2] - box[0]) > MAX_PAGE_POINTS or abs(box[3] - box[1]) > MAX_PAGE_POINTS:
                raise ScanRefused(_("A page of the PDF is larger than A3."), code="scan_too_many_pixels", field="scan")
    except ScanRefused:
        raise
    except Exception:  # pyHanko raises many kinds on damaged input
        raise ScanRefused(_("The PDF cannot be read."), field="scan") from None
    if count < 1:
        raise ScanRefused(_("The PDF has no page."), code="scan_empty", field="scan")
    return count


def _media_box(page: Any) -> Any:
    """A page's MediaBox, inherited from its ancestors when the page has none (at most 32 levels)."""
    node = page
    for _level in range(32):
        if "/MediaBox" in node:
            return node["/MediaBox"]
        node = node["/Parent"].get_object()
    raise ValueError("no MediaBox")


def _cap_child() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (RASTER_MEMORY, RASTER_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (RASTER_CPU_SECONDS, RASTER_CPU_SECONDS))


def _raster(content: bytes, pages: int) -> list[bytes]:
    """The pages of a measured PDF as JPEG images, rendered by ``pdftoppm`` in a capped process."""
    with tempfile.TemporaryDirectory(prefix="hocba-scan-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(content)
        command = ["pdftoppm", "-r", str(RASTER_DPI), "-jpeg", "-l", str(pages), str(source), str(Path(tmp) / "p")]
        try:
            done = subprocess.run(  # a fixed command, no shell
                command,
                capture_output=True,
                timeout=RASTER_WALL_SECONDS,
                preexec_fn=_cap_child,  # only setrlimit between fork and exec: no locks taken
                check=False,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            )
        except (subprocess.TimeoutExpired, OSError):
            raise ScanRefused(_("The PDF could not be converted in time."), field="scan") from None
        rendered = sorted(Path(tmp).glob("p*.jpg"))
        if done.returncode != 0 or not rendered:
            raise ScanRefused(_("The PDF cannot be read."), field="scan")
        return [path.read_bytes() for path in rendered]


def convert(files: Sequence[bytes], *, title: str = "Bản quét học bạ giấy") -> Scan:
    """Measure every file, decode the pages and compose them into one PDF/A-3b (see the module docstring)."""
    import typst

    kinds = measure(files)
    images: list[bytes] = []
    for content, kind in zip(files, kinds, strict=True):
        if kind == "pdf":
            count = _pdf_page_count(content)
            if len(images) + count > MAX_PAGES:
                raise _too_many_pages()
            images.extend(_image_page(page) for page in _raster(content, count))
        else:
            images.append(_image_page(content))
        if len(images) > MAX_PAGES:
            raise _too_many_pages()
    with tempfile.TemporaryDirectory(prefix="hocba-scan-") as tmp:
        root = Path(tmp)
        names = []
        for index, image in enumerate(images, start=1):
            name = f"page-{index}.jpg"
            (root / name).write_bytes(image)
            names.append(name)
        (root / "scan.typ").write_bytes(TEMPLATE.read_bytes())
        compiler = typst.Compiler(str(root / "scan.typ"), root=str(root), ignore_system_fonts=True)
        try:
            pdf = compiler.compile(
                format="pdf", sys_inputs={"pages": json.dumps(names), "title": title}, pdf_standards=["a-3b"]
            )
        except typst.TypstError as exc:
            raise ScanRefused(_("The scan could not be converted: %(error)s") % {"error": exc.message}) from None
    assert isinstance(pdf, bytes)
    return Scan(pdf=pdf, pages=len(images))
