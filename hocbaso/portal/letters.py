"""Access letters as one PDF (Typst, A5, a page per letter), printed by the school.

Each letter carries the code in clear (it exists in clear only here, once), a QR code of the
activation page with the code in the URL's fragment (browsers do not send a fragment to the
server, so the code does not reach any access log), and never the child's date of birth: the
letter alone does not open the record.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import typst
from django.conf import settings
from django.urls import reverse

from hocbaso.core import clock
from hocbaso.directory.models import School
from hocbaso.portal import codes
from hocbaso.portal.actions import Letter
from hocbaso.records.rendering import qr_svg

TEMPLATE = Path(__file__).parent / "typst" / "letters.typ"
_local = threading.local()


def activation_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("portal:activate")


def render_letters(letters: list[Letter], *, school: School) -> bytes:
    """The PDF of ``letters`` (same school), in the given order."""
    url = activation_url()
    data = {
        "school": {
            "name": school.name,
            "address": school.address_on(clock.today()),
            "phone": school.phone,
            "email": school.email,
        },
        "url": url,
        "printed": clock.today().strftime("%d/%m/%Y"),
        "letters": [
            {
                "student": letter.access.student.full_name,
                "class_name": letter.class_name,
                "school_year": letter.school_year,
                "code": codes.printed(letter.code),
                "qr": qr_svg(f"{url}#ma={codes.printed(letter.code)}"),
                "expires": letter.access.expires_on.strftime("%d/%m/%Y"),
            }
            for letter in letters
        ],
    }
    compiler = _local.__dict__.get("compiler")
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(str(TEMPLATE), root=str(TEMPLATE.parent), ignore_system_fonts=True)
    pdf = compiler.compile(format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    assert isinstance(pdf, bytes)
    return pdf
