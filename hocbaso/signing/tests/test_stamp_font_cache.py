"""The stamp font's subset, made once per set of glyphs and reused, is the font program pyHanko
itself embeds for the same text; another text gets its own subset, never a cached one lacking
its glyphs."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import PdfFileWriter

from hocbaso.signing import stamp


def _program(accumulator: GlyphAccumulator, text: str) -> bytes:
    accumulator.shape(text)
    accumulator.prepare_write()
    return bytes(accumulator.cidfont_obj._font_descriptor["/FontFile2"].get_object().data)


def _tables(program: bytes) -> dict[str, bytes]:
    """The font program's tables; in ``head`` the save time and the whole-file checksum blanked
    (fontTools stamps each save with the current second, so pyHanko's own output varies by them)."""
    font = TTFont(io.BytesIO(program))
    tables = {tag: font.reader[tag] for tag in font.reader.tables}
    head = bytearray(tables["head"])
    head[8:12] = bytes(4)  # checkSumAdjustment
    head[28:36] = bytes(8)  # modified
    tables["head"] = bytes(head)
    return tables


def _ours(text: str) -> bytes:
    factory = stamp.stamp_style().text_box_style.font
    engine = factory.create_font_engine(PdfFileWriter(stream_xrefs=False))
    assert isinstance(engine, GlyphAccumulator)
    return _program(engine, text)


def _pyhankos(text: str) -> bytes:
    accumulator = GlyphAccumulator(
        PdfFileWriter(stream_xrefs=False), io.BytesIO(stamp._font_bytes()), font_size=stamp.FONT_SIZE
    )
    return _program(accumulator, text)


def test_the_reused_subset_is_pyhankos_own() -> None:
    stamp._SUBSETS.clear()
    first = "Đã ký số: Nguyễn Thị Phương Thảo\nThời gian: 30/11/2026 15:35 +0700"
    made = _ours(first)
    reused = _ours(first)
    assert len(stamp._SUBSETS) == 1
    assert made == reused  # the very bytes, reused
    assert _tables(made) == _tables(_pyhankos(first))

    other = "Đã ký số: Trần Văn Ưng\nThời gian: 01/12/2026 08:05 +0700"  # other letters (Ư, T…)
    assert _tables(_ours(other)) == _tables(_pyhankos(other)) != _tables(made)
    assert len(stamp._SUBSETS) == 2


def test_the_font_parsed_once_per_thread_sets_what_pyhanko_sets() -> None:
    """The accumulator built on the thread's parsed font has pyHanko's attributes, with equal
    values (the font objects aside, which are the same font parsed once), and is one per signature."""
    writer = PdfFileWriter(stream_xrefs=False)
    ours = stamp.stamp_style().text_box_style.font.create_font_engine(writer)
    assert isinstance(ours, GlyphAccumulator)
    theirs = GlyphAccumulator(writer, io.BytesIO(stamp._font_bytes()), font_size=stamp.FONT_SIZE)
    assert set(vars(ours)) == set(vars(theirs))
    parsed = {"hb_font", "tt", "cidfont_obj", "_glyph_set", "_font_ref", "subset_prefix"}
    for name in set(vars(ours)) - parsed:
        assert vars(ours)[name] == vars(theirs)[name] or name == "_GlyphAccumulator__reverse_cmap", name
    assert ours._reverse_cmap == theirs._reverse_cmap
    assert dict(ours.cidfont_obj) | {"/BaseFont": None} == dict(theirs.cidfont_obj) | {"/BaseFont": None}
    assert dict(ours.cidfont_obj._font_descriptor) | {"/FontName": None} == dict(
        theirs.cidfont_obj._font_descriptor
    ) | {"/FontName": None}
    again = stamp.stamp_style().text_box_style.font.create_font_engine(PdfFileWriter(stream_xrefs=False))
    assert isinstance(again, GlyphAccumulator)
    assert again is not ours and again.tt is ours.tt  # parsed once, a new accumulator each time


def test_a_new_subset_leaves_the_threads_font_whole() -> None:
    """fontTools subsets in place: a subset is made on a fresh copy, so the next signature's stamp,
    with other letters, still finds every glyph (and embeds pyHanko's own subset)."""
    stamp._SUBSETS.clear()
    _ours("Đã ký số: An\nThời gian: 01/01/2026 00:00 +0700")
    assert len(stamp._parsed_font().tt.getGlyphOrder()) > 1000
    other = "Đã ký số: Ỷ Ữ Ỡ Ẵ\nThời gian: 29/12/2026 23:59 +0700"
    assert _tables(_ours(other)) == _tables(_pyhankos(other))
