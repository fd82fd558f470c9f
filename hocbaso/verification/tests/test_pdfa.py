"""PDF/A-3b at every revision of an issued record, checked without veraPDF (a Java application
that neither Debian's nor PyPI's registries carry): the documented checks of
docs/record-format.md §3.1, each over the fully signed file. And a record issued in XML format
1.0 keeps verifying now that new records are written in 1.1."""

from __future__ import annotations

import io
import re
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from hocbaso.records.pdfa import revision_versions
from hocbaso.records.rendering import extract_embedded_xml
from hocbaso.records.xml import parse_xml
from hocbaso.verification.tests.helpers import issue, signed_pdf, signed_xml


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf), strict=False)


def _fonts_in(resources: Any, seen: set[int], found: list[generic.DictionaryObject]) -> None:
    """Every font reachable from a resource dictionary, through form XObjects too."""
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or generic.DictionaryObject()).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or generic.DictionaryObject()).values():
        stream = xobject.get_object()
        if stream.get("/Subtype") == "/Form" and id(stream) not in seen:
            seen.add(id(stream))
            _fonts_in(stream.get("/Resources"), seen, found)


def _all_fonts(reader: PdfFileReader) -> list[generic.DictionaryObject]:
    found: list[generic.DictionaryObject] = []
    seen: set[int] = set()
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        _fonts_in(page.get("/Resources"), seen, found)
        for annotation in page.get("/Annots", []):
            appearance = annotation.get_object().get("/AP")
            if appearance is not None and "/N" in appearance:
                normal = appearance["/N"].get_object()
                _fonts_in(normal.get("/Resources"), seen, found)
    return found


def _embedded(font: generic.DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are content streams
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def test_an_issued_record_is_pdf_a_3b_at_every_revision(issued) -> None:
    pdf = signed_pdf(issued)
    reader = _reader(pdf)
    root = reader.root

    # 1. PDF 1.7 in the header and in the catalogue of every revision (PDF/A-3 is based on 1.7)
    versions = revision_versions(pdf)
    assert len(versions) >= 5  # Typst, the fields, three signatures (and validation data)
    assert all(head == "1.7" and catalogue in ("", "1.7") for head, catalogue in versions), versions

    # 2. an output intent for PDF/A with its ICC profile
    intents = [i.get_object() for i in root["/OutputIntents"]]
    assert any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents)

    # 3. every font of every page and every signature appearance embedded
    fonts = _all_fonts(reader)
    assert fonts and all(_embedded(font) for font in fonts)

    # 4. XMP metadata declaring PDF/A-3B
    xmp = root["/Metadata"].get_object().data.decode("utf-8")
    assert re.search(r"pdfaid:part(=\"|>)3", xmp) and re.search(r"pdfaid:conformance(=\"|>)B", xmp)

    # 5. the XML attached as associated data, listed in the catalogue's /AF
    specs = [ref.get_object() for ref in root["/AF"]]
    xml_spec = next(spec for spec in specs if str(spec.get("/UF", spec.get("/F"))) == "hocba.xml")
    assert xml_spec["/AFRelationship"] == "/Data"
    assert xml_spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/xml"
    assert parse_xml(extract_embedded_xml(pdf))["issuance_code"] == issued.issuance_code

    # 6. nothing PDF/A forbids: no encryption, no JavaScript; every annotation printable
    assert "/Encrypt" not in reader.trailer
    assert "/JavaScript" not in (root.get("/Names") or {}) and "/OpenAction" not in root
    for index in range(int(root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annotation in page.get("/Annots", []):
            assert int(annotation.get_object().get("/F", 0)) & 4, "annotation without the print flag"


def test_a_record_issued_in_format_1_0_still_verifies(world, pki, signing_env) -> None:
    from hocbaso.verification import registry

    registry._trust_cache.clear()
    version = issue(world, pki, signing_env, format_version="1.0")
    pdf = signed_pdf(version)
    assert b'xmlns="urn:hocbaso:record:1.0"' in extract_embedded_xml(pdf)
    for document in (pdf, signed_xml(version)):
        report = registry.verify_document(document)
        assert (report.outcome, report.reason) == ("valid", "all_checks_passed"), report
