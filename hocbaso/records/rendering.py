"""The official record PDF, rendered by Typst from the canonical XML only.

Contracts:

- ``render_pdf(xml, draft=)`` parses and validates the XML, passes its data as JSON to
  ``typst/record.typ`` and returns a PDF/A-3b: student page, learning history, the year's page
  with its six sections and three signature boxes, a footer on every page with the issuance code,
  "Trang n/m" and a QR code of ``verify_url``. The XML is embedded byte for byte as the associated
  file ``hocba.xml`` (AFRelationship /Data, application/xml), so every later signature covers the
  data. A final document then gets, in one incremental update, three *empty* signature fields
  named ``homeroom``, ``principal`` and ``school`` over the blank areas of the boxes (positions
  come from Typst's query of the ``<sigfield>`` metadata, not from constants). A draft gets a
  diagonal "BẢN NHÁP" watermark and no fields. ``draft`` must agree with the XML's status
  (``render_status_mismatch`` otherwise), so a watermark-free draft cannot be produced.
  The Typst revision is deterministic (its timestamp is the assembly date; drafts are byte-stable);
  the field update of a final adds a random second /ID and ModifyDate (pyHanko), so store the
  rendered PDF's hash once, as the lead's model does.
- ``extract_embedded_xml(pdf)`` returns the bytes of the embedded ``hocba.xml`` (pyHanko's
  reader; works on signed files too) or raises ``pdf_no_xml``.
- ``render_booklet(pdfs, lookup_url=)`` prints several versions' pages one after another
  (Typst places each page of each PDF as a vector image) with the conversion mark of the Law on
  Electronic Transactions 2023, Art. 12 at the foot of every page. It is a printout, not a record:
  no attachments, no signatures carried over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

import typst
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from hocbaso.core import clock
from hocbaso.core.errors import ValidationFailed
from hocbaso.directory import naming
from hocbaso.records import qr_mask, render_digests, signed_record, typst_worker
from hocbaso.records.pdfa import PdfA3IncrementalWriter
from hocbaso.records.xml import parse_xml, upgrade

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "typst"
RECORD_TEMPLATE = TEMPLATE_DIR / "record.typ"
# The template of each format, frozen with it: verification re-renders a record's XML and compares
# it byte for byte with the signed first revision, so a published format's layout never changes
# (a layout change is a new format). Format 1.0 keeps the template it was issued with.
# Format 1.2 (1.1 with the Digitisation element) shares the current template, whose digitised parts
# appear only when that element is there (a 1.1 record renders byte for byte as before).
TEMPLATES = {"1.0": TEMPLATE_DIR / "record-1.0.typ", "1.1": RECORD_TEMPLATE, "1.2": RECORD_TEMPLATE}
BOOKLET_TEMPLATE = TEMPLATE_DIR / "booklet.typ"
EMBEDDED_XML_NAME = "hocba.xml"
SIGNATURE_FIELDS = signed_record.FIELD_NAMES
DIGITISED_SIGNATURE_FIELDS = signed_record.DIGITISED_ROLES  # the school seal's conversion certification
SCAN_NAME = signed_record.SCAN_NAME  # the scan of the paper book, attached to a digitised copy
FIELD_LABELS = signed_record.FIELD_LABELS
PDF_STANDARD = "a-3b"

_GENDER = {0: "Không rõ", 1: "Nam", 2: "Nữ"}
_RESULT = {
    "htxs": "Hoàn thành xuất sắc",
    "htt": "Hoàn thành tốt",
    "ht": "Hoàn thành",
    "cht": "Chưa hoàn thành",
    "not_classified": "Không xếp loại (học theo kế hoạch giáo dục cá nhân)",
    "": "(chưa đánh giá)",
}
PLAN_RESULT = "Đánh giá theo kế hoạch giáo dục cá nhân"
_DECISION = {"promoted": "Được lên lớp", "retained": "Ở lại lớp", "": ""}


class RenderError(ValidationFailed):
    code = "render_failed"


def _date(value: str) -> str:
    """``YYYY-MM-DD`` → ``DD/MM/YYYY``; empty stays empty."""
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _measure(value: float | int | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:g}".replace(".", ",")
    return f"{text} {unit}"


def _yes_no(value: bool | None) -> str:
    return "Có" if value else "Không"


def _yes_no_or_blank(value: bool | None) -> str:
    return "" if value is None else _yes_no(value)


def _place(school: dict[str, Any]) -> str:
    """The locality written before the date ("Bình Sơn, ngày …"): the nearest unit's proper name."""
    name = school["units"][0]["name"] if school["units"] else school["province"]
    return naming.proper_name(name) or school["name"]


def _long_date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _summer(item: dict[str, Any]) -> str:
    """A re-assessed value as printed beside the year-end one: "H (6)", "Đ", or ""."""
    again = item.get("summer")
    if not again:
        return ""
    score = again.get("score")
    return f"{again['rating']} ({score})" if score is not None else again["rating"]


def display_values(data: dict[str, Any]) -> dict[str, Any]:
    """Values formatted for print (dates, decimals with a comma, labels of codes). Data of any
    format is lifted to the current shape first (``xml.upgrade``)."""
    written_in = data["format_version"]
    data = upgrade(data)
    year = data["year"]
    remediation = year["remediation"] or {}
    completion = year["completion"]
    plan = year["individual_plan"] or {}
    groups = ("subjects", "qualities", "general_competencies", "specific_competencies")
    return {
        "format_version": written_in,
        "gender": _GENDER[data["student"]["gender"]],
        "date_of_birth": _date(data["student"]["date_of_birth"]),
        "history_dates": [_date(entry["start_date"]) for entry in data["history"]],
        "award_dates": [_date(award["date"]) for award in year["awards"]],
        "height": _measure(year["height_cm"], "cm"),
        "weight": _measure(year["weight_kg"], "kg"),
        # 1.1 prints the regulation's words for a student on a plan; 1.0 keeps its own label
        "result": PLAN_RESULT
        if written_in != "1.0" and year["result"] == "not_classified"
        else _RESULT[year["result"]],
        "first_result": _RESULT[remediation.get("first_result", "")],
        "final_result": _RESULT[remediation.get("final_result", "")],
        "decision": _DECISION[remediation.get("decision", "")],
        "decided_on": _date(remediation.get("decided_on", "")),
        "summer": {group: [_summer(item) for item in year[group]] for group in groups},
        "has_summer": any(item.get("summer") for group in groups for item in year[group]),
        "plan_completed": "" if plan.get("completed") is None else _yes_no(plan["completed"]),
        "plan_decided_on": _date(plan.get("decided_on", "")),
        "completed_grade": _yes_no(completion["completed_grade"]),
        "completed_primary": ""
        if completion["completed_primary"] is None
        else _yes_no(completion["completed_primary"]),
        "promoted": "" if completion["promoted"] is None else _yes_no(completion["promoted"]),
        "place": _place(data["school"]),
        "units_line": naming.address_line([u["name"] for u in data["school"]["units"]] + [data["school"]["province"]]),
        "assembled_on_long": _long_date(data["assembled_on"]),
        "dated_on_long": _long_date(year["dated_on"] or data["assembled_on"]),
        **_digitisation_display(data),
    }


def _digitisation_display(data: dict[str, Any]) -> dict[str, Any]:
    """The dates of a digitised copy's details, formatted (nothing for other records)."""
    digitisation = data.get("digitisation")
    if not digitisation:
        return {}
    return {
        "digitisation": {
            "original_date": _date(digitisation["original_date"]),
            "compared_on": _date(digitisation["compared_on"]),
        }
    }


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as a standalone SVG document: ``segno.make(url, error="m")``, byte
    for byte, built by :func:`qr_mask.make` (the same symbol, its mask chosen faster; every
    verification re-renders it)."""
    out = io.BytesIO()
    qr_mask.make(url).save(out, kind="svg", xmldecl=False, border=0, scale=4, dark="#000")
    return out.getvalue().decode("ascii")


_local = threading.local()


def _compiler(template: Path) -> typst.Compiler:
    """One Typst compiler per thread and template: its font and layout caches make reruns cheap."""
    compilers: dict[Path, typst.Compiler] = _local.__dict__.setdefault("compilers", {})
    if template not in compilers:
        compilers[template] = typst_worker.new_compiler(str(template), str(TEMPLATE_DIR))
    return compilers[template]


def _compile(
    compiler: typst.Compiler, inputs: dict[str, str], timestamp: dt.datetime, standard: str | None = PDF_STANDARD
) -> bytes:
    """``compiler``'s PDF (see ``typst_worker.compile_pdf``; ``standard`` None: a plain PDF), its
    warnings logged; ``RenderError`` when Typst fails."""
    try:
        pdf, warnings = typst_worker.compile_pdf(compiler, inputs, timestamp, standard)
    except typst.TypstError as exc:
        raise RenderError(_("The record could not be rendered: %(error)s") % {"error": exc.message}) from None
    log_warnings(warnings)
    return pdf


def log_warnings(warnings: list[str]) -> None:
    """Log Typst's warnings of one compile."""
    for warning in warnings:
        logger.warning("typst: %s", warning)


def typst_job(xml_bytes: bytes, data: dict[str, Any] | None = None) -> tuple[Path, dict[str, str], dt.datetime]:
    """What Typst compiles for ``xml_bytes``'s first revision: the template of its format, the
    ``sys.inputs`` (the data as JSON, the XML, the QR code, the draft flag) and the document date
    (its assembly date). ``data``: its ``parse_xml`` result, when already parsed."""
    if data is None:
        data = parse_xml(xml_bytes)
    version = data["format_version"]
    payload = data if version == "1.0" else upgrade(data)
    inputs = {
        "data": json.dumps({**payload, "display": display_values(data)}, ensure_ascii=False),
        "xml": xml_bytes.decode("utf-8"),
        "qr": qr_svg(data["verify_url"]),
        "draft": "1" if data["status"] == "draft" else "0",
    }
    assembled = dt.datetime.fromisoformat(data["assembled_on"]).replace(tzinfo=dt.UTC)
    return TEMPLATES[version], inputs, assembled


def compile_job(template: Path, inputs: dict[str, str], assembled: dt.datetime) -> tuple[bytes, typst.Compiler]:
    """The Typst output of a :func:`typst_job` and the compiler (for queries)."""
    compiler = _compiler(template)
    return _compile(compiler, inputs, assembled), compiler


def digest_key(template: Path, inputs: dict[str, str], assembled: dt.datetime) -> str:
    """The ``render_digests`` key of a :func:`typst_job` (ADR 0024)."""
    return render_digests.key(TEMPLATE_DIR, template, inputs, assembled, PDF_STANDARD)


def typst_revision(xml_bytes: bytes, data: dict[str, Any] | None = None) -> tuple[bytes, typst.Compiler]:
    """The Typst output (before signature fields) of ``xml_bytes`` with the template of its
    format, and the compiler (for queries). ``data``: its ``parse_xml`` result, when already
    parsed. Deterministic: verification compares it with a signed file's first revision."""
    return compile_job(*typst_job(xml_bytes, data))


def first_revision(xml_bytes: bytes, data: dict[str, Any] | None = None) -> bytes:
    """The first revision of every PDF rendered from ``xml_bytes``: the Typst output before
    signature fields (see :func:`typst_revision`). Signatures are incremental updates after it,
    so a genuine record file starts with exactly these bytes; verification compares them."""
    return typst_revision(xml_bytes, data)[0]


def render_pdf(xml_bytes: bytes, *, draft: bool, scan: bytes | None = None) -> bytes:
    """The record PDF of ``xml_bytes`` (see the module docstring). A digitised copy (format 1.2
    with its Digitisation element) needs ``scan``, the paper book's scan whose SHA-256 the XML
    names: it is attached (``ban-quet.pdf``, AFRelationship /Source) in the update that adds the
    one signature field, so the seal's signature covers it (``scan_mismatch`` otherwise)."""
    data = parse_xml(xml_bytes)
    if (data["status"] == "draft") != draft:
        raise RenderError(
            _("A %(status)s record cannot be rendered as a %(kind)s.")
            % {"status": data["status"], "kind": "draft" if draft else "final document"},
            code="render_status_mismatch",
        )
    template, inputs, assembled = typst_job(xml_bytes, data)
    pdf, compiler = compile_job(template, inputs, assembled)
    if draft:
        return pdf
    # A final record: its verifications compare with this compile's SHA-256 instead of compiling
    # again (ADR 0024). Issuance is the only writer: a verified upload keeps nothing.
    render_digests.remember(digest_key(template, inputs, assembled), pdf)
    boxes = json.loads(compiler.query("<sigfield>", field="value", format="json"))
    digitisation = data.get("digitisation")
    if digitisation is None:
        return add_signature_fields(pdf, boxes)
    if scan is None or hashlib.sha256(scan).hexdigest() != digitisation["scan_sha256"]:
        raise RenderError(_("The scan is not the one the digitised record names."), code="scan_mismatch")
    return add_signature_fields(pdf, boxes, expected=DIGITISED_SIGNATURE_FIELDS, scan=scan)


def _attach_scan(writer: PdfA3IncrementalWriter, scan: bytes) -> None:
    """The scan as an associated file of the document (PDF/A-3: /AF, AFRelationship /Source)."""
    from pyhanko.pdf_utils import embed

    stream = embed.EmbeddedFileObject.from_file_data(writer, scan, mime_type="application/pdf")
    spec = embed.FileSpec(
        file_spec_string=SCAN_NAME,
        file_name=SCAN_NAME,
        embedded_data=stream,
        description="Bản quét học bạ giấy (PDF/A)",
        af_relationship=generic.NameObject("/Source"),
    )
    embed.embed_file(writer, spec)


def add_signature_fields(
    pdf: bytes,
    boxes: list[dict[str, Any]],
    *,
    expected: tuple[str, ...] = SIGNATURE_FIELDS,
    scan: bytes | None = None,
) -> bytes:
    """Append empty signature fields (and a digitised copy's ``scan``) in one incremental update.

    ``boxes`` are ``{"name", "page" (1-based), "x", "y", "w", "h"}`` in pt from the page's top-left
    corner, as the template publishes them; PDF coordinates start bottom-left.
    """
    names = sorted(box["name"] for box in boxes)
    if names != sorted(expected):
        raise RenderError(
            _("The template placed signature boxes %(names)s.") % {"names": ", ".join(names)}, code="render_failed"
        )
    writer = PdfA3IncrementalWriter(io.BytesIO(pdf))
    if scan is not None:
        _attach_scan(writer, scan)
    for box in boxes:
        page_index = box["page"] - 1
        page = writer.find_page_for_modification(page_index)[0].get_object()
        _llx, _lly, _urx, top = (float(v) for v in page["/MediaBox"])
        spec = SigFieldSpec(
            sig_field_name=box["name"],
            on_page=page_index,
            box=(
                round(box["x"]),
                round(top - box["y"] - box["h"]),
                round(box["x"] + box["w"]),
                round(top - box["y"]),
            ),
            readable_field_name=FIELD_LABELS[box["name"]],
        )
        append_signature_field(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class EmbeddedXmlMissing(ValidationFailed):
    code = "pdf_no_xml"


def _name_tree_items(node: generic.DictionaryObject) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    names = node.get("/Names")
    if names is not None:
        pairs = list(names)
        items.extend((str(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs) - 1, 2))
    for kid in node.get("/Kids", []):
        items.extend(_name_tree_items(kid.get_object()))
    return items


def extract_embedded_xml(pdf_bytes: bytes, *, name: str = EMBEDDED_XML_NAME) -> bytes:
    """The embedded file ``name`` of a record PDF (signed or not), as stored."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        tree = reader.root.get("/Names", generic.DictionaryObject()).get("/EmbeddedFiles")
        for key, spec_ref in _name_tree_items(tree.get_object()) if tree is not None else []:
            spec = spec_ref.get_object()
            filename = str(spec.get("/UF", spec.get("/F", key)))
            if filename == name:
                return bytes(spec["/EF"].get_object()["/F"].get_object().data)
    except (PdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise EmbeddedXmlMissing(_("The PDF could not be read: %(error)s") % {"error": str(exc)}) from None
    raise EmbeddedXmlMissing(_("The PDF carries no record data (%(name)s).") % {"name": name})


def page_count(pdf_bytes: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    return int(reader.root["/Pages"]["/Count"])


BOOKLET_MARK = "Bản in từ bản gốc điện tử — tra cứu tại {url} (Luật Giao dịch điện tử 2023, Điều 12)"


def render_booklet(
    pdf_list: list[bytes],
    *,
    lookup_url: str,
    printed_on: dt.date | None = None,
    captions: list[str] | None = None,
) -> bytes:
    """A printable booklet of the given record PDFs' pages, each page carrying the conversion mark
    with ``lookup_url`` (where the electronic originals can be looked up) and the print date.

    Typst places page content only, not annotations, so signature stamps do not show in the
    printout; ``captions`` (one per PDF, e.g. "Đã ký số: … (GVCN), …" from signature validation)
    is printed on each page of that PDF instead.
    """
    if not pdf_list:
        raise RenderError(_("There is nothing to print."), code="booklet_empty")
    if captions is not None and len(captions) != len(pdf_list):
        raise RenderError(_("Give one caption per document."), code="booklet_captions")
    printed = printed_on or clock.today()
    with tempfile.TemporaryDirectory(prefix="hocba-booklet-") as tmp:
        root = Path(tmp)
        files = []
        for index, pdf in enumerate(pdf_list):
            path = root / f"record-{index}.pdf"
            path.write_bytes(pdf)
            caption = captions[index] if captions is not None else ""
            files.append({"path": path.name, "pages": page_count(pdf), "caption": caption})
        (root / "booklet.typ").write_bytes(BOOKLET_TEMPLATE.read_bytes())
        inputs = {
            "files": json.dumps(files),
            "mark": BOOKLET_MARK.format(url=lookup_url),
            "printed": f"In ngày {printed.strftime('%d/%m/%Y')}",
        }
        compiler = typst_worker.new_compiler(str(root / "booklet.typ"), str(root))
        stamp = dt.datetime.combine(printed, dt.time(), tzinfo=dt.UTC)
        # records signed before the PDF/A-keeping writer may say 2.0; Typst embeds a PDF only up to its own version
        return _compile(compiler, inputs, stamp, standard="2.0")
