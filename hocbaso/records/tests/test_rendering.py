"""The record PDF: rendered from the XML, data embedded, every value visible, signature fields
in place (final) or absent (draft), and the printable booklet."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from hocbaso.records.rendering import (
    SIGNATURE_FIELDS,
    RenderError,
    display_values,
    extract_embedded_xml,
    page_count,
    render_booklet,
    render_pdf,
)
from hocbaso.records.samples import sample_individual_plan_data, sample_record_data, sample_remediated_data
from hocbaso.records.xml import build_xml, parse_xml, validate_xml


def _final_vice_principal() -> dict:
    data = sample_remediated_data()
    data["status"] = "final"
    return data


@pytest.fixture(scope="module")
def final_xml() -> bytes:
    return build_xml(sample_record_data())


@pytest.fixture(scope="module")
def final_pdf(final_xml) -> bytes:
    return render_pdf(final_xml, draft=False)


@pytest.fixture(scope="module")
def draft_xml() -> bytes:
    return build_xml(sample_remediated_data())


@pytest.fixture(scope="module")
def draft_pdf(draft_xml) -> bytes:
    return render_pdf(draft_xml, draft=True)


def _pdftotext(pdf: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, timeout=60).stdout.decode("utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _fields(pdf: bytes) -> dict[str, object]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {name: value for name, value, _ref in enumerate_sig_fields(reader)}


# exchange-only fields (Ministry tables): codes, policy status and disability are not printed
NOT_PRINTED = (
    "gender",
    "date_of_birth",
    "ethnicity_code",
    "nationality_code",
    "policy_beneficiary",
    "disability",
)


def _visible_values(data: dict) -> list[str]:
    """Every value of every section that the document must show."""
    shown = display_values(data)
    year = data["year"]
    values = [
        data["issuance_code"],
        data["school"]["name"],
        data["school"]["code"],
        data["school"]["address"],
        shown["units_line"],
        *(str(v) for k, v in data["student"].items() if k not in NOT_PRINTED and v),
        data["student"]["full_name"].upper(),
        shown["gender"],
        shown["date_of_birth"],
        year["school_year"],
        year["class_name"],
        shown["height"],
        shown["weight"],
        f"Số ngày nghỉ: {year['days_absent']}",
        shown["result"],
        year["general_comment"],
        year["completion"]["text"],
        shown["dated_on_long"],
        data["signers"]["homeroom"]["name"],
        data["signers"]["principal"]["name"],
        data["signers"]["school"]["name"],
        *(line.upper() for line in data["signers"]["principal"]["title"].split("\n")),
        "Giáo viên chủ nhiệm",
        "Xác nhận của nhà trường",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    for entry, date in zip(data["history"], shown["history_dates"], strict=True):
        values += [entry["school_year"], entry["class_name"], entry["school_name"], entry["register_number"], date]
    for group in ("subjects", "qualities", "general_competencies", "specific_competencies"):
        for item, again in zip(year[group], shown["summer"][group], strict=True):
            values += [item["name"], item["comment"], again, (item["summer"] or {}).get("comment", "")]
    for award, date in zip(year["awards"], shown["award_dates"], strict=True):
        values += [award["title"], date]
    if year["completion"]["promoted"] is not None and not year["completion"]["decision"]:
        values.append(f"Lên lớp: {shown['promoted']}")
    if year["individual_plan"]:
        plan = year["individual_plan"]
        values += [plan["assessment"], plan["note"], plan["decided_by"], shown["plan_decided_on"]]
    if year["remediation"]:
        values += [shown["first_result"], shown["final_result"], shown["decision"], shown["decided_on"]]
        values.append(year["remediation"]["decided_by"])
    return [value for value in values if value]


@pytest.mark.parametrize(
    ("data", "draft"),
    [
        (sample_record_data(), False),
        (_final_vice_principal(), False),
        (sample_remediated_data(), True),
        (sample_individual_plan_data(), False),
    ],
    ids=["grade5-final", "vice-principal-final", "remediated-draft", "individual-plan"],
)
def test_every_value_of_the_xml_is_visible(data, draft, tmp_path):
    xml = build_xml(data)
    pdf = render_pdf(xml, draft=draft)
    # what is printed comes from the embedded XML, the one the signatures cover
    shown = parse_xml(extract_embedded_xml(pdf))
    text = _flat(_pdftotext(pdf, tmp_path))
    missing = [value for value in _visible_values(shown) if _flat(value) not in text]
    assert missing == []

    # ratings and scores sit on their own row (layout mode keeps rows together; a draft's
    # watermark letters land between a row's cells in pdftotext's layout, so finals only)
    rows = _pdftotext(pdf, tmp_path, layout=True).splitlines()
    year = shown["year"]
    items = [*year["subjects"], *year["qualities"], *year["general_competencies"], *year["specific_competencies"]]
    for item in [] if draft else items:
        name = item["name"]
        expected = rf"{re.escape(name)}\s+{re.escape(item['rating'])}\b"
        if item.get("score") is not None:
            expected += rf"\s+{item['score']}\b"
        assert any(re.search(expected, row) for row in rows), name


def test_footer_on_every_page(final_pdf, final_xml, tmp_path):
    pages = _pdftotext(final_pdf, tmp_path).split("\f")
    pages = [page for page in pages if page.strip()]
    total = page_count(final_pdf)
    assert len(pages) == total >= 3
    code = parse_xml(final_xml)["issuance_code"]
    for number, page in enumerate(pages, start=1):
        assert code in page
        assert f"Trang {number}/{total}" in page


def test_embedded_xml_is_the_xml_byte_for_byte(final_pdf, final_xml, tmp_path):
    embedded = extract_embedded_xml(final_pdf)
    assert embedded == final_xml
    validate_xml(embedded)
    # poppler sees the same attachment
    path = tmp_path / "record.pdf"
    path.write_bytes(final_pdf)
    listing = subprocess.run(["pdfdetach", "-list", str(path)], check=True, capture_output=True, timeout=60)
    assert b"hocba.xml" in listing.stdout


def test_attachment_is_associated_data_and_pdfa3b_is_declared(final_pdf):
    reader = PdfFileReader(io.BytesIO(final_pdf))
    associated = [ref.get_object() for ref in reader.root["/AF"]]
    assert [str(spec["/AFRelationship"]) for spec in associated] == ["/Data"]
    stream = associated[0]["/EF"]["/F"].get_object()
    assert str(stream["/Subtype"]) == "/application/xml"
    xmp = reader.root["/Metadata"].get_object().data
    # pyHanko rewrites the XMP as attributes when it adds the fields; either form declares PDF/A-3b
    assert re.search(rb'pdfaid:part(>|=")3', xmp) and re.search(rb'pdfaid:conformance(>|=")B', xmp)


def test_final_has_the_three_empty_signature_fields_over_the_boxes(final_pdf, final_xml):
    fields = _fields(final_pdf)
    assert sorted(fields) == sorted(SIGNATURE_FIELDS)
    assert all(value is None for value in fields.values())  # empty, ready to sign
    reader = PdfFileReader(io.BytesIO(final_pdf))
    kids = reader.root["/Pages"]["/Kids"]
    last_page = kids.raw_get(len(kids) - 1)  # Typst writes a flat page tree
    boxes = {}
    for _name, _value, ref in enumerate_sig_fields(reader):
        field = ref.get_object()
        assert field.raw_get("/P").idnum == last_page.idnum  # the signature row is on the last page
        boxes[str(field["/T"])] = [float(v) for v in field["/Rect"]]
    # three boxes side by side, left to right, same height, inside the page
    order = sorted(boxes, key=lambda name: boxes[name][0])
    assert order == ["homeroom", "principal", "school"]
    for llx, lly, urx, ury in boxes.values():
        assert 0 < llx < urx < 595.3 and 0 < lly < ury < 841.9
        assert 50 < urx - llx < 200 and 50 < ury - lly < 80
    assert len({round(box[1]) for box in boxes.values()}) == 1


def _first_revision(pdf: bytes) -> bytes:
    return pdf[: pdf.index(b"%%EOF") + 5]


def test_rendering_is_deterministic(final_xml, final_pdf, draft_xml, draft_pdf):
    assert render_pdf(draft_xml, draft=True) == draft_pdf
    # the Typst revision is byte-stable; pyHanko's field update adds a fresh /ID and ModifyDate
    again = render_pdf(final_xml, draft=False)
    assert _first_revision(again) == _first_revision(final_pdf)
    assert _first_revision(final_pdf) != final_pdf


def test_draft_has_watermark_and_no_fields(draft_pdf, draft_xml, tmp_path):
    assert parse_xml(draft_xml)["status"] == "draft"
    assert _fields(draft_pdf) == {}
    assert extract_embedded_xml(draft_pdf) == draft_xml
    # pdftotext drops most diagonal text, so look at the pixels: every page carries the red mark
    assert all(red > 800 for red in _red_pixels(draft_pdf, tmp_path))


def test_final_has_no_watermark(final_pdf, tmp_path):
    assert all(red == 0 for red in _red_pixels(final_pdf, tmp_path))


def _red_pixels(pdf: bytes, tmp_path: Path) -> list[int]:
    """Per page, the number of clearly red pixels at 30 dpi (pdftoppm's binary PPM output)."""
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", str(path), str(tmp_path / "page")], check=True, timeout=60)
    counts = []
    for image in sorted(tmp_path.glob("page-*.ppm")):
        raw = image.read_bytes()
        magic, width, height, _maxval, pixels = raw.split(maxsplit=4)
        assert magic == b"P6"
        pixels = pixels[: int(width) * int(height) * 3]
        counts.append(sum(1 for i in range(0, len(pixels), 3) if pixels[i] > pixels[i + 1] + 40))
    assert len(counts) == page_count(pdf)
    return counts


@pytest.mark.parametrize(("data", "draft"), [(sample_record_data(), True), (sample_remediated_data(), False)])
def test_draft_flag_must_match_the_status(data, draft):
    with pytest.raises(RenderError) as caught:
        render_pdf(build_xml(data), draft=draft)
    assert caught.value.code == "render_status_mismatch"


def test_invalid_xml_is_not_rendered():
    with pytest.raises(Exception) as caught:
        render_pdf(b"<Record/>", draft=False)
    assert caught.value.code == "xml_invalid"  # type: ignore[attr-defined]


def test_pdf_without_xml_is_reported(tmp_path):
    with pytest.raises(Exception) as caught:
        extract_embedded_xml(render_booklet([render_pdf(build_xml(sample_record_data()), draft=False)], lookup_url="x"))
    assert caught.value.code == "pdf_no_xml"  # type: ignore[attr-defined]
    with pytest.raises(Exception) as caught:
        extract_embedded_xml(b"not a pdf")
    assert caught.value.code == "pdf_no_xml"  # type: ignore[attr-defined]


def _as_pdf_2(pdf: bytes) -> bytes:
    """What pyHanko's signing does to the version: signed records are PDF 2.0."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.ensure_output_version((2, 0))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_booklet_concatenates_pages_with_the_conversion_mark(final_pdf, draft_pdf, tmp_path):
    url = "https://hocbaso.quangngai.edu.vn/xac-minh"
    signed_like = _as_pdf_2(final_pdf)
    assert b"/Version /2.0" in signed_like or b"/Version/2.0" in signed_like
    booklet = render_booklet(
        [signed_like, draft_pdf],
        lookup_url=url,
        printed_on=dt.date(2025, 6, 2),
        captions=["Đã ký số: Trần Thị Mỹ Duyên (GVCN)", ""],
    )
    total = page_count(final_pdf) + page_count(draft_pdf)
    assert page_count(booklet) == total
    pages = [_flat(page) for page in _pdftotext(booklet, tmp_path).split("\f") if page.strip()]
    assert len(pages) == total
    mark = f"Bản in từ bản gốc điện tử — tra cứu tại {url} (Luật Giao dịch điện tử 2023, Điều 12)"
    for number, page in enumerate(pages, start=1):
        assert mark in page
        assert "In ngày 02/06/2025" in page
        assert f"tờ {number}/{total}" in page
    # the records' own text is still text in the printout; captions only on their document's pages
    assert "Nguyễn Thị Thu Hằng" in pages[1]
    first = page_count(final_pdf)
    assert all("Đã ký số: Trần Thị Mỹ Duyên (GVCN)" in page for page in pages[:first])
    assert not any("Đã ký số" in page for page in pages[first:])
    assert _fields(booklet) == {}


def test_booklet_needs_something_to_print(final_pdf):
    with pytest.raises(RenderError) as caught:
        render_booklet([], lookup_url="https://example.test")
    assert caught.value.code == "booklet_empty"
    with pytest.raises(RenderError) as caught:
        render_booklet([final_pdf], lookup_url="https://example.test", captions=[])
    assert caught.value.code == "booklet_captions"
