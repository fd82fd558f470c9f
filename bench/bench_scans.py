"""Converting a paper book's scan to PDF/A: photos (JPEG/PNG), a scanner's PDF, and a bomb refused.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_scans.py [--rounds 3]``. Makes two A4 pages at
150 dpi with Pillow (1240 × 1754, greyscale with ruled lines), then times ``records.scans.convert``
on the two photos (decode, re-encode, Typst PDF/A-3b), on a two-page PDF of them (pyHanko's
structure check, ``pdftoppm`` in a capped process, then the same), and on a 200-byte PNG declaring
100 000 × 100 000 pixels (refused from its header). Prints the best and worst round of each.
"""

from __future__ import annotations

import argparse
import io
import os
import struct
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _page(kind: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), 245)
    draw = ImageDraw.Draw(image)
    for row in range(80, 1700, 40):
        draw.line((80, row, 1160, row), fill=180)
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def _bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from hocbaso.core.errors import ValidationFailed
    from hocbaso.records import scans

    photos = [_page("JPEG"), _page("PNG")]
    pdf = scans.convert(photos).pdf

    def timed(label: str, files: list[bytes]) -> None:
        times = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            try:
                scan = scans.convert(files)
                what = f"{scan.pages} pages, {len(scan.pdf) // 1024} KB PDF/A"
            except ValidationFailed as exc:
                what = f"refused ({exc.code})"
            times.append(time.perf_counter() - started)
        size = sum(len(f) for f in files) // 1024
        best, worst = min(times) * 1000, max(times) * 1000
        print(f"{label:<34} {size:>6} KB in  best {best:7.0f} ms  worst {worst:7.0f} ms  → {what}")

    timed("two photos (JPEG + PNG, 150 dpi)", photos)
    timed("a scanner's two-page PDF", [pdf])
    timed("a 10-gigapixel PNG bomb", [_bomb()])


if __name__ == "__main__":
    main()
