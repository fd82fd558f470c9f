"""What an uploaded .xlsx may declare before anything parses it, checked without building it.

A spreadsheet is a zip of XML parts, and the reader trusts what they declare: a 1.6 KB file whose
sheet has a cell at XFD1048576 (or whose shared-strings table claims 4·10¹² entries) makes
python-calamine reserve hundreds of GiB and abort the process. So every upload is measured first:

- ``check_archive`` reads only the zip directory: the file's size, the number of parts, each
  part's declared uncompressed size, their total, and the compression ratio of the large ones;
  it also refuses containers that are not .xlsx (.xlsb, .ods), so the reader never guesses.
- ``check_parts`` streams every XML part through expat (64 KB at a time, never a tree) and keeps
  only the largest row and column any sheet declares — its ``<dimension ref>``, every
  ``<row r>`` and ``<c r>`` (cells without a reference count from the previous one) and every
  merged range — and the shared-strings table's declared and actual counts. A document type
  declaration is refused (no entity expansion ever runs).

Pure and Django-free: the reading process (``xlsx_reader``) imports it. A refusal is a
``Refusal`` with a stable code and the numbers that explain it; the caller translates it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

MiB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 64 * 1024
# A part is only judged on its compression ratio when it inflates past this: small parts of
# repeated markup legitimately compress 100 times and are harmless.
RATIO_FLOOR_BYTES = MiB
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]{1,7})?$")


@dataclass(frozen=True)
class Limits:
    """The most an upload may declare; the reading process gets ``memory_bytes`` of address space
    and ``cpu_seconds`` of processor time, and is killed after ``wall_seconds``."""

    max_bytes: int = 5 * MiB
    max_parts: int = 100
    max_part_bytes: int = 20 * MiB
    max_total_bytes: int = 30 * MiB
    max_ratio: int = 200
    max_rows: int = 1000
    max_columns: int = 200
    max_strings: int = 100_000
    memory_bytes: int = 512 * MiB
    cpu_seconds: int = 10
    wall_seconds: int = 30

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Refusal(Exception):
    """The file is refused before it is parsed; ``code`` is stable, ``params`` say by how much."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code, params)


def column_number(letters: str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27, ``XFD`` → 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def parse_reference(reference: str) -> tuple[int | None, int | None]:
    """``"C7"`` → (7, 3); ``"$C$7"`` → (7, 3); ``"C"`` → (None, 3); ``"7"`` → (7, None).

    Raises ``Refusal("import_not_xlsx")`` for anything that is not a cell reference.
    """
    found = _REFERENCE.match(reference.strip())
    if found is None or not (found.group(1) or found.group(2)):
        raise Refusal("import_not_xlsx")
    letters, digits = found.groups()
    return (int(digits) if digits else None, column_number(letters) if letters else None)


@dataclass
class Extent:
    """The largest row and column a part declares, and its shared-strings counts."""

    rows: int = 0
    columns: int = 0
    strings_declared: int = 0
    strings: int = 0
    _row: int = 0
    _column: int = 0
    _elements: dict[str, int] = field(default_factory=dict)

    def reach(self, row: int | None, column: int | None) -> None:
        if row is not None:
            self.rows = max(self.rows, row)
        if column is not None:
            self.columns = max(self.columns, column)

    def reach_range(self, reference: str) -> None:
        for corner in reference.split(":"):
            self.reach(*parse_reference(corner))


def check_archive(content: bytes, limits: Limits) -> list[zipfile.ZipInfo]:
    """Check the zip directory only (nothing is inflated); returns the parts.

    Codes (stable: a zip bomb was ``import_too_large`` before these checks and stays so):
    ``import_empty``, ``import_too_large`` (the file's bytes; with ``unpacked=1``, a part's or all
    parts' declared uncompressed size), ``import_not_xlsx`` (not a zip, or a zip that is not an .xlsx workbook),
    ``import_too_many_parts``, ``import_compression_ratio``.
    """
    if not content:
        raise Refusal("import_empty")
    if len(content) > limits.max_bytes:
        raise Refusal("import_too_large", size=len(content), limit=limits.max_bytes)
    if not content.startswith(ZIP_MAGIC):
        raise Refusal("import_not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        raise Refusal("import_not_xlsx") from None
    if len(parts) > limits.max_parts:
        raise Refusal("import_too_many_parts", count=len(parts), limit=limits.max_parts)
    total = 0
    for part in parts:
        if part.file_size > limits.max_part_bytes:
            raise Refusal("import_too_large", size=part.file_size, limit=limits.max_part_bytes, unpacked=1)
        total += part.file_size
        if part.file_size >= RATIO_FLOOR_BYTES and part.file_size > limits.max_ratio * max(part.compress_size, 1):
            raise Refusal(
                "import_compression_ratio", ratio=part.file_size // max(part.compress_size, 1), limit=limits.max_ratio
            )
    if total > limits.max_total_bytes:
        raise Refusal("import_too_large", size=total, limit=limits.max_total_bytes, unpacked=1)
    names = {part.filename for part in parts}
    # calamine guesses the format from the contents: only an .xlsx workbook may reach it.
    if "xl/workbook.xml" not in names or "xl/workbook.bin" in names or "mimetype" in names:
        raise Refusal("import_not_xlsx")
    return parts


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def scan_part(handle: IO[bytes]) -> Extent:
    """Stream one XML part and return what it declares (see the module docstring)."""
    extent = Extent()
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse_doctype(*_args: Any) -> None:
        raise Refusal("import_xml_doctype")

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "row":
            row, _column = parse_reference(attributes["r"]) if "r" in attributes else (extent._row + 1, None)
            extent._row, extent._column = row or extent._row + 1, 0
            extent.reach(extent._row, None)
        elif local == "c":
            row, column = parse_reference(attributes["r"]) if "r" in attributes else (None, extent._column + 1)
            extent._column = column or extent._column + 1
            extent.reach(row or max(extent._row, 1), extent._column)
        elif (local == "dimension" and "ref" in attributes) or (local == "mergeCell" and "ref" in attributes):
            extent.reach_range(attributes["ref"])
        elif local == "sst":
            for name_ in ("count", "uniqueCount"):
                value = attributes.get(name_, "0")
                if not value.isdigit():
                    raise Refusal("import_not_xlsx")
                extent.strings_declared = max(extent.strings_declared, int(value))
        elif local == "si":
            extent.strings += 1

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    try:
        for chunk in _chunks(handle):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise Refusal("import_not_xlsx") from None
    return extent


def check_parts(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Stream every XML part of an archive that passed ``check_archive`` and refuse what it declares.

    Codes: ``import_too_many_rows``, ``import_too_many_columns``, ``import_too_many_strings``,
    ``import_xml_doctype``, ``import_not_xlsx`` (malformed XML or a reference that is not one).
    """
    for part in archive.infolist():
        if not part.filename.endswith((".xml", ".rels")) or part.is_dir():
            continue
        try:
            with archive.open(part) as handle:
                extent = scan_part(handle)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise Refusal("import_not_xlsx") from None
        if extent.rows > limits.max_rows:
            raise Refusal("import_too_many_rows", count=extent.rows, limit=limits.max_rows)
        if extent.columns > limits.max_columns:
            raise Refusal("import_too_many_columns", count=extent.columns, limit=limits.max_columns)
        if max(extent.strings, extent.strings_declared) > limits.max_strings:
            raise Refusal(
                "import_too_many_strings", count=max(extent.strings, extent.strings_declared), limit=limits.max_strings
            )
