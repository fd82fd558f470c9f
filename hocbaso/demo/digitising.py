"""Two digitised paper books at An Vĩnh, the demo's paper school (docs/digitising.md).

For two grade-5 pupils of 2024-2025 (a paper year there) a "scanned" year page is drawn: Typst
sets the page as the paper book prints it (its own fonts cover Vietnamese) and Pillow turns it into
a scan — greyscale, slightly askew, JPEG. The school's clerk uploads it and types the results, the
principal compares them with the scan, and the school's demo seal certifies the conversion. Safe
to run again: a pupil whose book exists is left as it is. Run by ``hocbaso demo-issue`` (after the
demo PKI exists, which the seal needs).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from hocbaso.accounts.models import User
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, Role, School
from hocbaso.records import digitising_actions
from hocbaso.records.digitising_models import BookState, DigitisedBook
from hocbaso.records.models import Status

SCHOOL_CODE = "51000301"  # Trường Tiểu học An Vĩnh
YEAR = "2024-2025"
ORIGINAL_DATE = dt.date(2025, 5, 26)
BOOKS = 2

_PAGE = """
#set page(width: 14.8cm, height: 21cm, margin: 1.2cm, fill: rgb("#f6f1e4"))
#set text(font: "Libertinus Serif", size: 9pt, lang: "vi")
#let d = json(bytes(sys.inputs.data))
#align(center)[#text(weight: "bold")[KẾT QUẢ ĐÁNH GIÁ NĂM HỌC #d.year] \\ Số học bạ: #d.book]
#v(0.3em)
Họ và tên: *#d.name* #h(1fr) Lớp: #d.class
#v(0.3em)
#table(columns: (1fr, auto, auto), stroke: 0.5pt, [Môn học], [Mức đạt được], [Điểm KTĐK],
  ..d.subjects.map(s => (s.name, s.rating, s.score)).flatten())
#v(0.3em)
Kết quả: *#d.result* \\ #d.completion
#v(0.6em)
#grid(columns: (1fr, 1fr), align(center)[Giáo viên chủ nhiệm \\ #v(1.2em) _#d.homeroom _],
  align(center)[Hiệu trưởng \\ #v(1.2em) _#d.principal _])
"""


def _scan_page(data: Mapping[str, object]) -> bytes:
    """The page as printed (Typst, PNG), then made a scan with Pillow (grey, askew, JPEG)."""
    import typst
    from PIL import Image, ImageFilter

    with tempfile.TemporaryDirectory(prefix="hocba-demo-scan-") as tmp:
        source = Path(tmp) / "page.typ"
        source.write_text(_PAGE, encoding="utf-8")
        png = typst.compile(
            str(source), format="png", ppi=110, sys_inputs={"data": json.dumps(data, ensure_ascii=False)}
        )
    assert isinstance(png, bytes)
    with Image.open(io.BytesIO(png)) as page:
        scanned = page.convert("L").rotate(0.7, expand=True, fillcolor=235).filter(ImageFilter.GaussianBlur(0.4))
    out = io.BytesIO()
    scanned.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _holder(school: School, role: str) -> User | None:
    held = Appointment.objects.filter(school=school, role=role).select_related("staff__user").order_by("pk").first()
    return held.staff.user if held else None


def load(*, say: Callable[[str], None] = print) -> int:
    """Digitise (and certify, when the demo seal exists) two An Vĩnh books; the number certified."""
    school = School.objects.filter(code=SCHOOL_CODE).first()
    clerk, principal = (_holder(school, Role.CLERK), _holder(school, Role.PRINCIPAL)) if school else (None, None)
    class_group = (
        ClassGroup.objects.filter(school=school, school_year__code=YEAR, grade=5).order_by("name").first()
        if school
        else None
    )
    if school is None or clerk is None or principal is None or class_group is None:
        say("An Vĩnh: no paper school to digitise.")
        return 0
    enrolments = (
        Enrolment.objects.filter(class_group=class_group).select_related("student").order_by("student__full_name")
    )
    from hocbaso.records.digitising import transcription_template

    for index, enrolment in enumerate(list(enrolments)[:BOOKS], start=1):
        student = enrolment.student
        if DigitisedBook.objects.filter(student=student, school_year=class_group.school_year).exists():
            continue
        values = transcription_template(class_group, variant=index)
        page = {
            "year": YEAR,
            "book": f"{index:03d}/2020-AV",
            "name": student.full_name,
            "class": class_group.name,
            "subjects": [
                {"name": code, "rating": v["rating"], "score": "" if v["score"] is None else str(v["score"])}
                for code, v in values["subjects"].items()
            ],
            "result": "Hoàn thành tốt" if values["result"] == "htt" else "Hoàn thành xuất sắc",
            "completion": "Hoàn thành chương trình tiểu học",
            "homeroom": "Phạm Thị Lụa",
            "principal": "Võ Văn Sáu",
        }
        try:
            book = digitising_actions.upload_scan(
                by=clerk,
                student=student,
                class_group=class_group,
                files=[_scan_page(page)],
                book_number=str(page["book"]),
                original_pages="9-10",
                original_date=ORIGINAL_DATE,
                printed_homeroom=str(page["homeroom"]),
                printed_principal=str(page["principal"]),
                channel="cli",
            )
            digitising_actions.transcribe(by=clerk, book=book, values=values, channel="cli")
            digitising_actions.compare(by=principal, book=book, channel="cli")
        except DomainError as exc:  # e.g. the year already has a version
            say(f"An Vĩnh: {student.full_name} not digitised ({exc.code}).")
    return _certify(school, say=say)


def _certify(school: School, *, say: Callable[[str], None]) -> int:
    from hocbaso.signing import pending, providers, trust
    from hocbaso.signing.models import SignatureRole

    waiting = list(
        DigitisedBook.objects.filter(school=school, state=BookState.FROZEN, version__status=Status.FROZEN).values_list(
            "version_id", flat=True
        )
    )
    for holder in (_holder(school, Role.CLERK), _holder(school, Role.PRINCIPAL)):
        credential = pending.credentials_for(holder, SignatureRole.SCHOOL).first() if holder else None
        if credential is None or not waiting:
            continue
        from hocbaso.signing import actions

        actions.sign_batch(
            by=holder,
            version_ids=waiting,
            role=SignatureRole.SCHOOL,
            signer_source=providers.source_for(credential, trust.demo_pkcs12_password()),
            idempotency_key=f"demo-digitised-{school.pk}-{clock.today().isoformat()}",
            credential=credential,
            channel="cli",
        )
        break
    issued = DigitisedBook.objects.filter(school=school, version__status=Status.ISSUED).count()
    say(f"An Vĩnh: {issued} digitised paper books certified by the school seal.")
    return issued
