"""qr_mask: the QR code of ``segno.make(content, error="m")`` with segno's own choice of the data mask,
found faster. Verification re-renders every record, QR code included, and compares the bytes with
the signed PDF, so the symbol must be segno's, module for module, for every content."""

from __future__ import annotations

import io
import random
from typing import NoReturn

import pytest
import segno
from segno import encoder

from hocbaso.records import qr_mask
from hocbaso.records.rendering import qr_svg

Matrix = tuple[bytearray, ...]


def _old_qr_svg(url: str) -> str:
    """``rendering.qr_svg`` as it was before qr_mask: the SVG every issued record carries."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, border=0, scale=4, dark="#000")
    return out.getvalue().decode("ascii")


def _same_symbol(content: str) -> None:
    ours, segnos = qr_mask.make(content), segno.make(content, error="m")
    assert ours.mask == segnos.mask, content
    assert (ours.version, ours.error, ours.mode) == (segnos.version, segnos.error, segnos.mode), content
    assert ours.matrix == segnos.matrix, content


HOSTS = [
    "http://127.0.0.1:8000",  # settings.PUBLIC_BASE_URL's default
    "https://hocbaso.quangngai.edu.vn",
    "https://hocba.moet.gov.vn",
    "https://so-gddt.hanoi.gov.vn",
    "https://hocbaso.sogddt.thanhphohochiminh.gov.vn:8443",
]
CODES = ["HB-7K3M-Q9TD-2XWP-T", "HB-0000-0000-0000-0", "HB-ZZZZ-ZZZZ-ZZZZ-Z", "HB-1A2B-3C4D-5E6F-G"]
URLS = [
    *(f"{host}/verify/{code}" for host in HOSTS for code in CODES),  # assembly.verify_url
    "https://hocbaso.quangngai.edu.vn/xac-minh/HB-7K3M-Q9TD-2XWP-T",  # samples.py
    "http://127.0.0.1:8000/verify/HB-7K3M-Q9TD-2XWP-T?since=3",
    "https://hocbaso.quangngai.edu.vn/portal/activate#ma=ABCD-EFGH-JKMN",  # portal letters
    "https://hocbaso.quangngai.edu.vn/xác-minh/HB-7K3M-Q9TD-2XWP-T",  # Latin-1 bytes
    "https://học-bạ-số.quảngngãi.vn/xác-minh/HB-7K3M-Q9TD-2XWP-T",  # UTF-8 bytes
    "https://example.jp/検証/漢字",
    "漢字漢字漢字漢字",  # kanji mode
    "HTTPS://HOCBASO.QUANGNGAI.EDU.VN/VERIFY/HB-7K3M-Q9TD-2XWP-T",  # alphanumeric mode
    "0123456789" * 7,  # numeric mode
    "x",
]

# The longest content of each mode that fits a version at level M (ISO/IEC 18004 Table 7), 1 to 10.
CAPACITY_M = {
    "byte": [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
    "alphanumeric": [20, 38, 61, 90, 122, 154, 178, 221, 262, 311],
    "numeric": [34, 63, 101, 149, 202, 255, 293, 365, 432, 513],
}
FILLERS = {
    "byte": "https://hocbaso.quangngai.edu.vn/verify/HB-7K3M-Q9TD-2XWP-T?x=",
    "alphanumeric": "HTTPS://HOCBASO.QUANGNGAI.EDU.VN/VERIFY/HB-7K3M-Q9TD-2XWP-T/",
    "numeric": "31415926535897932384626433832795028841971693993751",
}
BOUNDARIES = [
    (mode, version, length + extra)
    for mode, lengths in CAPACITY_M.items()
    for version, length in enumerate(lengths, start=1)
    for extra in (0, 1)
]


def _content(mode: str, length: int) -> str:
    filler = FILLERS[mode]
    return (filler * (length // len(filler) + 1))[:length]


@pytest.mark.parametrize("url", URLS)
def test_verify_urls_get_segnos_mask_and_the_same_svg(url):
    assert qr_mask.make(url).mask == segno.make(url, error="m").mask
    _same_symbol(url)
    assert qr_svg(url) == _old_qr_svg(url)


@pytest.mark.parametrize(("mode", "version", "length"), BOUNDARIES)
def test_version_boundaries(mode, version, length):
    content = _content(mode, length)
    expected_version = version + (length - CAPACITY_M[mode][version - 1])  # one more past the capacity
    symbol = segno.make(content, error="m")
    assert (symbol.mode, symbol.version) == (mode, expected_version)  # the table is right for segno
    _same_symbol(content)
    assert qr_svg(content) == _old_qr_svg(content)


@pytest.mark.parametrize("length", [600, 1200, 2300])
def test_large_versions(length):
    """Versions 7+ (version information), 27+ (longer character counts), up to 40."""
    _same_symbol(_content("byte", length))


ALPHABETS = [
    "0123456789",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
    "abcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!&'()*+,;=",
    "àáâãèéêìíòóôõùúýđĐ",  # Latin-1 but đ
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",  # UTF-8
    "漢字検証学校記録",  # Shift JIS (kanji mode)
    "😀€™\u00a0\t\n",
]


def _random_contents(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    contents = []
    for _ in range(count):
        alphabet = "".join(rng.sample(ALPHABETS, rng.randint(1, 3)))
        contents.append("".join(rng.choices(alphabet, k=rng.randint(1, 250))))
    return contents


@pytest.mark.parametrize("chunk", range(2))
def test_random_contents_get_segnos_mask(chunk):
    """800 random contents (400 a chunk), fixed seed: segno's mask and its symbol, every time (segno's
    own choice costs ~35 ms a content here; the same test over 3,000 contents, run once when the
    module was written, found no difference either)."""
    for content in _random_contents(800, seed=20240607)[chunk * 400 : (chunk + 1) * 400]:
        _same_symbol(content)


def _unmasked_as_segno_scores_it(content: str, monkeypatch: pytest.MonkeyPatch) -> Matrix:
    """The matrix segno hands to its mask evaluation for ``content``."""
    seen: list[Matrix] = []
    choose = encoder.find_and_apply_best_mask

    def spy(matrix: Matrix, width: int, height: int, proposed_mask: int | None = None) -> tuple[int, Matrix]:
        seen.append(tuple(bytearray(row) for row in matrix))
        return choose(matrix, width, height, proposed_mask)

    with monkeypatch.context() as patch:
        patch.setattr(encoder, "find_and_apply_best_mask", spy)
        segno.make(content, error="m")
    return seen[0]


SCORED = [
    "https://hocbaso.quangngai.edu.vn/verify/HB-7K3M-Q9TD-2XWP-T",
    "https://học-bạ-số.quảngngãi.vn/xác-minh/HB-7K3M-Q9TD-2XWP-T",
    "漢字漢字漢字漢字",
    _content("byte", 180),
    _content("numeric", 700),
]


@pytest.mark.parametrize("content", SCORED)
def test_scores_per_mask_are_segnos(content, monkeypatch):
    unmasked = _unmasked_as_segno_scores_it(content, monkeypatch)
    size = len(unmasked)
    region = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(region, size, size)
    encoder.add_alignment_patterns(region, size, size)
    expected = []
    for flip in encoder.get_data_mask_functions(False):
        masked = tuple(bytearray(row) for row in unmasked)
        encoder.apply_mask(masked, flip, size, size, lambda i, j: region[i][j] > 1)
        expected.append(encoder.mask_scores(masked, size, size))
    assert qr_mask.mask_scores(unmasked) == expected
    assert qr_mask.best_mask(unmasked) == segno.make(content, error="m").mask


TOKENS = ["0", "1", "0000", "1111", "00000", "11111", "1011101", "10111011101", "1011101011101", "00001011101"]


def _adversarial_matrix(rng: random.Random, size: int) -> Matrix:
    """Rows of runs and finder-like patterns, overlapping ones too, near the edges and not;
    transposed half of the time so that the columns get them."""
    rows = []
    for _ in range(size):
        line = ""
        while len(line) < size:
            line += rng.choice(TOKENS)
        rows.append(line[:size])
    if rng.random() < 0.5:
        rows = ["".join(column) for column in zip(*rows, strict=True)]
    return tuple(bytearray(int(module) for module in row) for row in rows)


@pytest.mark.parametrize("size", [21, 25, 33, 45, 57])
def test_scores_equal_segnos_on_adversarial_matrices(size):
    rng = random.Random(size)
    layout = qr_mask._layout(size)
    for _ in range(300):
        matrix = _adversarial_matrix(rng, size)
        assert qr_mask._scores(qr_mask._bits(matrix), layout) == encoder.mask_scores(matrix, size, size)


def test_ties_go_to_the_lowest_mask():
    assert qr_mask._best([(1, 1, 1, 1), (0, 2, 0, 0), (4, 0, 0, 0), (0, 0, 0, 2)]) == 1


def test_regular_qr_codes_skip_segnos_evaluation(monkeypatch):
    """The fast path really runs (else the comparisons above would prove nothing)."""

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("segno's mask evaluation ran")

    expected = segno.make(URLS[0], error="m")
    monkeypatch.setattr(encoder, "find_and_apply_best_mask", refuse)
    assert qr_mask.make(URLS[0]).matrix == expected.matrix


@pytest.mark.parametrize("content", ["1", "12345", "ABC", "hello", "0123456789012"])
def test_micro_qr_codes_are_segnos_own(content):
    assert segno.make(content, error="m").is_micro
    _same_symbol(content)


def test_written_for_segno_1_6():
    """qr_mask mirrors segno 1.6.x's encoder and mask evaluation: re-check it before moving the pin."""
    assert segno.__version__.startswith("1.6.")


def test_paper_seal_contents_without_boosting_the_error_level() -> None:
    """The paper seal's QR code (``signing.paper_seal``: ``HB1:`` and base45, level M kept): the same
    symbol as ``segno.make(..., boost_error=False)`` for the lengths a seal has, and around them."""
    import random

    import base45

    chance = random.Random(2026)
    for length in [*range(150, 420, 7), 1, 20, 600]:
        content = "HB1:" + base45.b45encode(chance.randbytes(length)).decode()
        ours = qr_mask.make(content, boost_error=False)
        segnos = segno.make(content, error="m", boost_error=False)
        assert (ours.mask, ours.version, ours.error, ours.mode) == (
            segnos.mask,
            segnos.version,
            segnos.error,
            segnos.mode,
        ), length
        assert ours.matrix == segnos.matrix, length
    short = "HB1"  # a Micro QR Code: segno's own
    assert qr_mask.make(short, boost_error=False).matrix == segno.make(short, error="m", boost_error=False).matrix
