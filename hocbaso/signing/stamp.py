"""The visible appearance of a signature inside its box on the record page:
"Đã ký số: <signer>" and the signing time, in Noto Serif.

pyHanko spaces glyphs wrongly with 2048-unit fonts (DejaVu, Liberation) and embedding a whole
font costs ~200 ms a signature (reference/stack-measurements.md §2), so the shipped Noto Serif
(the ``fontpkg-noto-serif`` wheel, pinned) is instanced to its regular weight and subset to
Latin + Vietnamese once per machine, then cached in the temporary directory. No Django import:
the offline verifier may import this package.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngine
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, GlyphAccumulatorFactory, _read_ps_name
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

FONT_SIZE = 7
# Room between the text and the frame, and between the two lines (Vietnamese marks sit above and
# below the letters): a long name is scaled down inside the frame instead of touching it.
INNER_MARGIN = 8
LEADING = 10
# Basic Latin, Latin-1, Latin Extended-A/B (ơ, ư), combining marks, Latin Extended Additional
# (the precomposed Vietnamese letters), general punctuation.
UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x300, 0x370),
    *range(0x1E00, 0x1F00),
    *range(0x2000, 0x2070),
]
STAMP_TEXT = "Đã ký số: %(signer)s\nThời gian: %(ts)s"


def _source() -> Path:
    return Path(str(resources.files("fontpkg_noto_serif") / "files" / "NotoSerif[wdth,wght].ttf"))


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the static, subset Noto Serif used for stamps (built on first use, then reused)."""
    source = _source()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / "hocbaso-fonts" / f"noto-serif-vi-{digest}.ttf"
    if target.exists():
        return str(target)
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = instancer.instantiateVariableFont(TTFont(str(source)), {"wght": 400, "wdth": 100})
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    partial.replace(target)  # atomic: concurrent workers never read a half-written font
    return str(target)


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return Path(font_path()).read_bytes()


# Tables pyHanko drops from the embedded subset anyway (``GlyphAccumulator._extract_subset``).
_DROPPED_LAYOUT_TABLES = ("GPOS", "GDEF", "GSUB")


# The font programs already subset, by the glyphs they keep: a batch's stamps name the same signer
# and school with the same digits, so after the first record the subset is made once, not per
# signature (fontTools' subsetting and saving were ~12 % of a class's signing, profiled).
_SUBSETS: OrderedDict[frozenset[int], bytes] = OrderedDict()
_SUBSETS_KEPT = 256
_SUBSETS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _ParsedFont:
    """The stamp font as pyHanko's accumulator reads it, parsed once per thread: HarfBuzz's font,
    fontTools' font with its glyph set and reversed cmap (read lazily, so not shared across
    threads), and the values derived from them. Only read by the accumulators that share it; a
    subset is always made on a fresh copy (fontTools subsets in place)."""

    hb_font: Any
    tt: TTFont
    ps_name: str
    units_per_em: int
    glyph_set: Any
    reverse_cmap: dict[str, set[int]]


_PARSED = threading.local()


def _parsed_font() -> _ParsedFont:
    """This thread's :class:`_ParsedFont` (parsing the font was ~5 ms of every signature)."""
    parsed: _ParsedFont | None = getattr(_PARSED, "font", None)
    if parsed is None:
        data = _font_bytes()
        tt = TTFont(io.BytesIO(data))
        parsed = _ParsedFont(
            hb_font=hb.Font(hb.Face(data)),
            tt=tt,
            ps_name=_read_ps_name(tt),
            units_per_em=tt["head"].unitsPerEm,
            glyph_set=tt.getGlyphSet(preferCFF=True),
            reverse_cmap=tt["cmap"].buildReversed(),
        )
        _PARSED.font = parsed
    return parsed


class _LeanGlyphAccumulator(GlyphAccumulator):
    """pyHanko's accumulator, minus ~150 ms a signature.

    The font is parsed once per thread (:func:`_parsed_font`), not per signature: ``__init__`` is
    ``GlyphAccumulator.__init__`` (pyHanko 0.38, a TrueType font, no features, tags or direction)
    with the parsed font in place of a new parse; ``test_stamp_font_cache`` checks it sets the
    same attributes as pyHanko's and embeds the same font.

    Recent fontTools decompiles GSUB/GPOS/GDEF at the start of every subset even when the
    options then drop them, as pyHanko's do. Shaping uses HarfBuzz on the font bytes, not these
    tables, so removing them from the fontTools copy before subsetting embeds the same subset.

    The subset font program of a set of glyphs is made once per process and reused: fontTools'
    subsetting of one font to the same glyphs (kept at their ids, ``retain_gids``) gives the same
    bytes every time, so the embedded font is the one pyHanko would have written.
    """

    def __init__(self, writer: Any, parsed: _ParsedFont, font_size: int, obj_stream: Any = None) -> None:
        FontEngine.__init__(
            self, writer, parsed.ps_name, embedded_subset=True, obj_stream=obj_stream, font_size=font_size
        )
        self.hb_font = parsed.hb_font
        self.tt = parsed.tt
        self._font_ref = writer.allocate_placeholder()
        self.cff_charset = None
        self.use_raw_gids = True
        self.cidfont_obj = CIDFontType2(parsed.tt, parsed.ps_name, self.subset_prefix)
        self.features = None
        self.units_per_em = parsed.units_per_em
        self._glyphs: dict[int, tuple[int, int]] = {}
        self._glyph_set = parsed.glyph_set
        self._cid_to_unicode: dict[int, str] = {}
        self._GlyphAccumulator__reverse_cmap = parsed.reverse_cmap
        self.ot_language_tag = None
        self.ot_script_tag = None
        self.writing_direction = None
        self.bcp47_lang_code = None
        self._subset_created = self._write_prepared = False

    def _extract_subset(self, options: Any = None) -> None:
        if options is not None or not isinstance(self.cidfont_obj, CIDFontType2):
            self._own_copy()
            super()._extract_subset(options)
            return
        key = frozenset(self._glyphs)
        with _SUBSETS_LOCK:
            program = _SUBSETS.get(key)
            if program is not None:
                _SUBSETS.move_to_end(key)
        if program is None:
            self._own_copy()
            for tag in _DROPPED_LAYOUT_TABLES:
                if tag in self.tt:
                    del self.tt[tag]
            super()._extract_subset(options)
            buffer = io.BytesIO()
            self.tt.save(buffer)
            program = buffer.getvalue()
            with _SUBSETS_LOCK:
                _SUBSETS[key] = program
                while len(_SUBSETS) > _SUBSETS_KEPT:
                    _SUBSETS.popitem(last=False)
        font = self.cidfont_obj

        def set_font_file(writer: Any) -> Any:  # CIDFontType2.set_font_file, with the program made once
            stream = generic.StreamObject(stream_data=program)
            stream.compress()
            reference = writer.add_object(stream)
            font._font_descriptor[pdf_name("/FontFile2")] = reference
            return reference

        font.set_font_file = set_font_file  # type: ignore[method-assign]

    def _own_copy(self) -> None:
        """A fresh parse of the font for fontTools to subset in place (the thread's copy stays whole)."""
        self.tt = TTFont(io.BytesIO(_font_bytes()))
        self.cidfont_obj._tt = self.tt


@dataclass(frozen=True)
class _InMemoryFontFactory(GlyphAccumulatorFactory):
    """pyHanko's factory opens and parses the font file per signature and never closes it; this
    one reads the font once per process and parses it once per thread."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _LeanGlyphAccumulator(writer, _parsed_font(), font_size=self.font_size, obj_stream=obj_stream)


@lru_cache(maxsize=1)
def stamp_style() -> TextStampStyle:
    """The signature appearance: signer and time, no logo, a thin frame."""
    font = _InMemoryFontFactory(font_path(), font_size=FONT_SIZE)
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format="%d/%m/%Y %H:%M %z",
        text_box_style=TextBoxStyle(font=font, font_size=FONT_SIZE, leading=LEADING),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(INNER_MARGIN),
        ),
        border_width=1,
        background=None,
    )
