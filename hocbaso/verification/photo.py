"""A photo of a printed record, for the verify page: find its QR codes and say what to check.

A verifier holding a printed copy takes a photo with the phone (the page's file input opens the
camera). :func:`qr_texts` decodes the image (Pillow; JPEG, PNG or WebP, at most ``MAX_PIXELS``,
turned upright by its EXIF orientation) and reads every QR code in it (zxing-cpp). :func:`choose`
picks what to verify: the school seal's paper seal (``HB1:…``) first — it proves the printed
fields themselves — else the issuance code of a verify link in the footer. Refusals carry the
codes ``photo_unreadable``, ``photo_too_large`` and ``photo_no_code``; nothing is kept.
"""

from __future__ import annotations

import io
from typing import Any, Literal

from hocbaso.core.errors import ValidationFailed
from hocbaso.records import issuance
from hocbaso.signing.paper_seal import PREFIX

MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; larger images are refused before decoding
FORMATS = ("JPEG", "PNG", "WEBP")


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in the image ``data`` (possibly none)."""
    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed("photo too large", code="photo_too_large")
            grey = ImageOps.exif_transpose(image).convert("L")
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed("not a readable photo", code="photo_unreadable") from None
    return [r.text for r in zxingcpp.read_barcodes(grey) if r.format == zxingcpp.BarcodeFormat.QRCode]


def target_of(upload: Any, *, max_bytes: int) -> tuple[Literal["paper", "code"], str]:
    """What an uploaded photo (Django ``UploadedFile``) asks to verify: :func:`choose` over its QR
    codes, after refusing a file over ``max_bytes`` (``photo_too_large``) unread."""
    if (upload.size or 0) > max_bytes:
        raise ValidationFailed("photo too large", code="photo_too_large")
    return choose(qr_texts(upload.read()))


def choose(texts: list[str]) -> tuple[Literal["paper", "code"], str]:
    """What to verify among the QR texts of one photo: ("paper", seal text) or ("code", issuance code).

    ``photo_no_code`` when none of them is a paper seal or a link with a valid issuance code.
    """
    for text in texts:
        if text.strip().startswith(PREFIX):
            return "paper", text.strip()
    for text in texts:
        candidate = text.strip().split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            return "code", issuance.check_code(candidate)
        except ValidationFailed:
            continue
    raise ValidationFailed("no record QR code in the photo", code="photo_no_code")
