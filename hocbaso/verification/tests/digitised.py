"""Helpers for tests of digitised paper books: a scan made with Pillow, a full transcription, a
book taken from upload to a frozen digitised version, and its certification by a school seal."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.models import Point
from hocbaso.directory.models import ClassGroup
from hocbaso.ledger import actions as ledger
from hocbaso.records import digitising_actions
from hocbaso.records.digitising_models import DigitisedBook
from hocbaso.records.models import RecordVersion
from hocbaso.signing import batches
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import register_credential
from hocbaso.testing import World

ORIGINAL_DATE = dt.date(2026, 5, 25)


def scan_image(*, text: str = "HỌC BẠ — trang 5", size: tuple[int, int] = (620, 877), kind: str = "PNG") -> bytes:
    """A small greyscale 'scanned page' drawn with Pillow (lines of text on paper)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", size, 245)
    draw = ImageDraw.Draw(image)
    for row in range(40, size[1] - 40, 36):
        draw.line((40, row, size[0] - 40, row), fill=200)
    draw.text((50, 50), text, fill=20)
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def transcription(class_group: ClassGroup, *, result: str = "htt", missing: str = "") -> dict[str, Any]:
    """Every rating of the class's grade, as a clerk types it from the paper page (``missing``: the
    code of one subject left without its rating)."""
    catalogue = catalogue_for_class(class_group)
    subjects = {}
    for item in catalogue.subjects:
        if item.optional:
            continue
        tested = catalogue.has_test(item.code, Point.YEAR_END)
        subjects[item.code] = {
            "rating": "" if item.code == missing else "T",
            "score": 9 if tested else None,
            "comment": "Tiến bộ rõ.",
        }
    competencies = {item.code: {"rating": "Đ", "comment": ""} for item in catalogue.competencies}
    return {
        "subjects": subjects,
        "competencies": competencies,
        "result": result,
        "decision": "",
        "general_comment": "Chăm ngoan, học tốt.",
        "days_absent": 2,
        "height_cm": "128,5",
        "weight_kg": "",
        "awards": [{"title": "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện", "date": "2026-05-25"}],
    }


def upload(
    world: World, *, by: str = "clerk", student: str = "an", class_group: ClassGroup | None = None
) -> DigitisedBook:
    return digitising_actions.upload_scan(
        by=world.users[by],
        student=world.students[student],
        class_group=class_group or world.class_3a,
        files=[scan_image()],
        book_number="125/2026",
        original_pages="7-8",
        original_date=ORIGINAL_DATE,
        printed_homeroom="Nguyễn Thị Hoa",
        printed_principal="Trần Văn Bảy",
    )


def digitise(
    world: World, *, student: str = "an", transcriber: str = "clerk", comparer: str = "principal"
) -> RecordVersion:
    """A book uploaded and transcribed by the clerk, compared by the principal: its frozen version."""
    book = upload(world, by=transcriber, student=student)
    digitising_actions.transcribe(by=world.users[transcriber], book=book, values=transcription(book.class_group))
    return digitising_actions.compare(by=world.users[comparer], book=book)


def certify(
    world: World, pki: DemoPKI, env: dict[str, Any], version: RecordVersion, *, user: str = "clerk", school: Any = None
) -> Any:
    """Apply ``school``'s seal (school A by default) to ``version`` through the signing workflow; the batch item."""
    _credential, seal = register_credential(pki, world.users[user], organisation_of=school or world.school_a)
    batch = batches.sign_batch(
        by=world.users[user],
        version_ids=[version.pk],
        role=SignatureRole.SCHOOL,
        signer_source=seal,
        idempotency_key=uuid.uuid4().hex,
        timestamper_url=env["tsa_url"],
        trust=env["trust"],
    )
    version.refresh_from_db()
    ledger.publish_tree_head(by=None)
    return batch.items.get()
