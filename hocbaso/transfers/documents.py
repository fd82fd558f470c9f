"""The signed documents of a transfer: the sending principal's decision and the receiving
school's acceptance receipt (format ``urn:hocbaso:transfer:1``, docs/transfer-bundle.md).

Shape (the record XML's: one data child with an ``Id``, XAdES signatures appended to the root)::

    <TransferDecision xmlns="urn:hocbaso:transfer:1" FormatVersion="1.0">
      <Content Id="content"> … fields … </Content>
      <ds:Signature …/>            the sending principal (XAdES, claimed role "Hiệu trưởng")
    </TransferDecision>

``build(kind, data)`` turns a dict (str leaves, nested dicts, lists of dicts) into that XML,
deterministically; ``parse(xml)`` is its inverse for the content (signatures ignored).
``verify(xml, trust)`` judges the signatures with the verification core (fail closed).
"""

from __future__ import annotations

from typing import Any, Literal

from lxml import etree

from hocbaso.verification import core

NAMESPACE = "urn:hocbaso:transfer:1"
FORMAT_VERSION = "1.0"
CONTENT_ID = "content"
_NS = f"{{{NAMESPACE}}}"
Kind = Literal["TransferDecision", "TransferReceipt"]
# Lists and the element name of their items.
_ITEMS = {"Records": "Record", "History": "Entry"}


class DocumentInvalid(ValueError):
    """Not a transfer document of this format."""


def _append(parent: etree._Element, name: str, value: Any) -> None:
    element = etree.SubElement(parent, f"{_NS}{name}")
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for item in value:
            _append(element, _ITEMS[name], item)
    else:
        element.text = "" if value is None else str(value)


def build(kind: Kind, data: dict[str, Any]) -> bytes:
    """The unsigned document: ``data``'s keys become elements of ``Content`` in the given order."""
    root = etree.Element(f"{_NS}{kind}", nsmap={None: NAMESPACE}, FormatVersion=FORMAT_VERSION)
    content = etree.SubElement(root, f"{_NS}Content", Id=CONTENT_ID)
    for key, value in data.items():
        _append(content, key, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _read(element: etree._Element) -> Any:
    name = etree.QName(element).localname
    children = [c for c in element if isinstance(c.tag, str)]
    if name in _ITEMS:
        return [_read(c) for c in children]
    if not children:
        return element.text or ""
    return {etree.QName(c).localname: _read(c) for c in children}


def parse(xml: bytes, *, kind: Kind) -> dict[str, Any]:
    """The content of a transfer document of ``kind``; ``DocumentInvalid`` otherwise."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentInvalid(f"not well-formed XML: {exc}") from None
    if root.tag != f"{_NS}{kind}" or root.get("FormatVersion") != FORMAT_VERSION:
        raise DocumentInvalid(f"not a {kind} {FORMAT_VERSION}")
    content = root.find(f"{_NS}Content")
    if content is None or content.get("Id") != CONTENT_ID:
        raise DocumentInvalid("no Content element")
    data = _read(content)
    if not isinstance(data, dict):
        raise DocumentInvalid("empty Content")
    return data


def verify(xml: bytes, trust: core.TrustStore, *, kind: Kind) -> core.Report:
    """The verdict on a signed transfer document: well-formed of ``kind``, at least one signature,
    every signature valid over the content with a certificate trusted, valid now, not revoked."""
    try:
        parse(xml, kind=kind)
    except DocumentInvalid as exc:
        return core.report_of([core.Check("document", "failed", "not_a_transfer_document", {"detail": str(exc)})])
    checks, signatures = core.signed_xml_checks(xml, trust)
    if not signatures:
        checks.append(core.Check("signatures", "failed", "signature_missing", {"roles": kind}))
    return core.report_of(checks, signatures=signatures, demo=trust.demo)
