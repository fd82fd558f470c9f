"""The QR code of ``segno.make(content, error="m")``, its data mask chosen without segno's slow loop.

Why: every record's PDF carries the QR code of its ``verify_url`` (``rendering.qr_svg``), and every
verification re-renders the record from its XML and compares the bytes with the signed PDF's first
revision. So the QR code is built on every issuance *and* every verification, and it must stay byte
for byte what segno always produced (a record issued years ago must re-render identically). segno
spends ~80 % of ``make`` choosing the best of the 8 data masks in pure Python, module by module.

Contract: ``make(content)`` returns a ``segno.QRCode`` equal to ``segno.make(content, error="m")``
(matrix, version, error level, mask) for segno 1.6.x (pinned ``segno>=1.6.6,<1.7``; the tests
compare both on thousands of contents). It runs segno's own encoder functions in the order of
``segno.encoder._encode`` up to the placement of the codewords, scores the 8 masks here, applies the
best one and writes the format and version information with segno's functions. Micro QR Codes
(very short contents, scored by another rule) are left to ``segno.make`` itself.

The scores (``mask_scores``) are those of ``segno.encoder.mask_scores``, including where segno
differs from ISO/IEC 18004:

- the symbol is scored before the format and version information and the dark module are written:
  those modules count as light;
- N1: a run of 5 + i modules of one colour in a row or column scores 3 + i;
- N2: every 2×2 window of one colour scores 3;
- N3: 1011101 is searched left to right (top to bottom) in each row (column) and scores 40 when the
  (at most) 4 modules before it or the (at most) 4 after it *inside the symbol* are light, so near
  an edge fewer than 4 light modules (or none) suffice. After a scoring match segno's search resumes
  7 modules on: a match overlapping it (4 or 6 modules on) is not looked at, even if it would score;
- N4: ``10 * int(abs(dark / size² * 100 - 50) / 5)``, segno's float arithmetic;
- ties go to the lowest mask number (segno keeps the first strictly lower total).

How: the rows, then the columns, each after a gap of 4 empty places (and 4 more at the end), are the
bits of one ``int``, the first module the most significant: ``dark`` has a 1 for each dark module,
``light`` for each light one, neither for the gaps, so no run or pattern crosses a gap. A data mask
is an ``int`` of the same layout (1 for each module of the encoding region it flips), applied with
one XOR. Then ``x << k`` puts at each place the bit of the place k further on in its line and
``x >> k`` the one k places back, and every rule is a few ANDs of shifted copies and a popcount.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import segno
from segno import consts, encoder

_GAP = 4  # empty places before each line and at the end: N3's 4-module windows never reach another line
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")

Matrix = Sequence[bytes | bytearray]  # rows of 0 (light) / 1 (dark), as segno builds them


class _Layout(NamedTuple):
    size: int
    stride: int  # the places of a line with its gap
    length: int  # all places
    modules: int  # 1 for each module
    gaps: int  # 1 for each gap place
    upper_rows: int  # 1 for each module of the rows but the last (the upper left corners of 2×2 windows)
    flips: tuple[int, ...]  # per data mask, 1 for each module it flips


def make(content: str, *, boost_error: bool = True) -> segno.QRCode:
    """``segno.make(content, error="m", boost_error=boost_error)``, the same symbol, with a faster
    choice of the mask (``boost_error=False``: the paper seal's QR code keeps level M)."""
    error = consts.ERROR_LEVEL_M
    segments = encoder.prepare_data(content, None, None)
    version = encoder.find_version(segments, error, eci=False, micro=None)
    if not 1 <= version <= 40:  # a Micro QR Code: segno's own choice
        return segno.make(content, error="m", boost_error=boost_error)
    # segno.encoder._encode up to the mask, for a QR Code without ECI or structured append
    if boost_error:
        error = encoder.boost_error_level(version, error, segments, False)
    buff = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(buff, segment, None, encoder.version_range(version), False)
    capacity = consts.SYMBOL_CAPACITY[version][error]  # type: ignore[index]  # the table mixes key types
    encoder.write_terminator(buff, capacity, None, len(buff))
    encoder.write_padding_bits(buff, version, len(buff))
    encoder.write_pad_codewords(buff, version, capacity, len(buff))
    codewords = encoder.make_final_message(version, error, buff)
    size = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(matrix, size, size)
    encoder.add_alignment_patterns(matrix, size, size)
    encoder.add_codewords(matrix, codewords, version)
    # the best mask, then the format and version information, as segno does
    layout = _layout(size)
    unmasked = _bits(matrix)
    mask = _best(_scores(unmasked ^ flip, layout) for flip in layout.flips)
    digits = format(unmasked ^ layout.flips[mask], f"0{layout.length}b").encode().translate(_FROM_DIGITS)
    starts = range(_GAP, _GAP + size * layout.stride, layout.stride)
    matrix = tuple(bytearray(digits[start : start + size]) for start in starts)
    encoder.add_format_info(matrix, version, error, mask)
    encoder.add_version_info(matrix, version)
    return segno.QRCode(encoder.Code(matrix, version, error, mask, segments))  # type: ignore[call-arg]  # segno's stubs omit it


def mask_scores(matrix: Matrix) -> list[tuple[int, int, int, int]]:
    """Per data mask 0-7, segno's (N1, N2, N3, N4) for the unmasked QR Code ``matrix`` (the
    codewords placed, the format and version areas light, as segno scores it)."""
    layout = _layout(len(matrix))
    unmasked = _bits(matrix)
    return [_scores(unmasked ^ flip, layout) for flip in layout.flips]


def best_mask(matrix: Matrix) -> int:
    """The data mask segno chooses for the unmasked QR Code ``matrix`` (see :func:`mask_scores`)."""
    return _best(mask_scores(matrix))


def _best(scores: Iterable[tuple[int, int, int, int]]) -> int:
    totals = [sum(score) for score in scores]
    return totals.index(min(totals))  # the first of equal totals


def _bits(matrix: Matrix) -> int:
    """The dark modules of the rows, then the columns, of ``matrix`` in the layout (see above)."""
    columns = map(bytes, zip(*matrix, strict=True))
    return _bits_of([*matrix, *columns])


def _bits_of(lines: Sequence[bytes | bytearray]) -> int:
    gap = bytes(_GAP)
    return int(gap.join([b"", *lines, b""]).translate(_TO_DIGITS), 2)


@functools.cache
def _layout(size: int) -> _Layout:
    """The masks of the layout for a ``size`` × ``size`` symbol. The data masks flip segno's
    encoding region: the modules no function pattern, format or version area takes."""
    stride = size + _GAP
    length = 2 * size * stride + _GAP
    modules = _bits_of([b"\x01" * size] * (2 * size))
    upper_rows = _bits_of([b"\x01" * size] * (size - 1) + [bytes(size)] * (size + 1))
    region = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(region, size, size)
    encoder.add_alignment_patterns(region, size, size)
    flips = tuple(
        _bits([bytes(region[i][j] == 2 and flip(i, j) for j in range(size)) for i in range(size)])
        for flip in encoder.get_data_mask_functions(False)
    )
    return _Layout(size, stride, length, modules, (1 << length) - 1 - modules, upper_rows, flips)


def _scores(dark: int, layout: _Layout) -> tuple[int, int, int, int]:
    """segno's (N1, N2, N3, N4) for the masked symbol ``dark`` (see the module's docstring)."""
    light = dark ^ layout.modules
    # N1: windows of 5 modules of one colour, plus 2 for each run of them (a run of 5 + i scores 3 + i)
    pairs_dark = dark & (dark << 1)
    pairs_light = light & (light << 1)
    pairs = pairs_dark | pairs_light
    fives = pairs & (pairs << 1) & (pairs << 2) & (pairs << 3)
    n1 = fives.bit_count() + 2 * (fives & ~(fives >> 1)).bit_count()
    # N2: 2×2 windows of one colour in the rows (the columns would count them again)
    stride = layout.stride
    blocks = (pairs_dark & (pairs_dark << stride)) | (pairs_light & (pairs_light << stride))
    n2 = 3 * (blocks & layout.upper_rows).bit_count()
    # N3: 1011101 with 4 light (or outside) places before or after it, less the matches segno skips
    finder = dark & (light << 1) & (dark << 2) & (dark << 3) & (dark << 4) & (light << 5) & (dark << 6)
    clear = light | layout.gaps
    before = finder & (clear >> 1) & (clear >> 2) & (clear >> 3) & (clear >> 4)
    after = finder & (clear << 7) & (clear << 8) & (clear << 9) & (clear << 10)
    # a match with light before is never skipped; one overlapping it can only score by light after
    skipped = after & ((before >> 4) | (before >> 6))
    n3 = 40 * ((before | after).bit_count() - skipped.bit_count())
    # N4: every module is in one row and one column
    percent = float(dark.bit_count() // 2) / (layout.size**2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1, n2, n3, n4
