"""Issuance codes: shape, randomness, normalisation and the check symbol's guarantees."""

from __future__ import annotations

import re

import pytest

from hocbaso.records.issuance import ALPHABET, check_code, check_symbol, new_code, normalise_code
from hocbaso.records.samples import sample_record_data

CODE_RE = re.compile(r"^HB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$")


def _symbols(code: str) -> str:
    return code.replace("-", "")[2:]


def _code(symbols: str) -> str:
    return f"HB-{symbols[0:4]}-{symbols[4:8]}-{symbols[8:12]}-{symbols[12]}"


def test_new_codes_are_well_formed_unique_and_pass_their_check():
    codes = {new_code() for _ in range(10_000)}
    assert len(codes) == 10_000
    for code in list(codes)[:500]:
        assert CODE_RE.match(code)
        assert check_code(code) == code


def test_sample_code_is_valid():
    code = sample_record_data()["issuance_code"]
    assert check_code(code) == code


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("HB-7K3M-Q9TD-2XWP-T", "HB-7K3M-Q9TD-2XWP-T"),
        ("hb-7k3m-q9td-2xwp-t", "HB-7K3M-Q9TD-2XWP-T"),
        (" hb 7k3m q9td 2xwp t ", "HB-7K3M-Q9TD-2XWP-T"),
        ("7K3MQ9TD2XWPT", "HB-7K3M-Q9TD-2XWP-T"),
        ("HB7K3MQ9TD2XWPT", "HB-7K3M-Q9TD-2XWP-T"),
        ("HB-OOOO-IIII-LLLL-0", "HB-0000-1111-1111-0"),
        ("hb-0o0o-iLil-1111-x", "HB-0000-1111-1111-X"),
    ],
)
def test_normalise_code(typed, canonical):
    assert normalise_code(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "HB",
        "HB-7K3M-Q9TD-2XWP",
        "HB-7K3M-Q9TD-2XWP-TT",
        "HB-7K3M-Q9TD-2XWU-T",
        "HB-7K3M-Q9TD-2XW*-T",
        "XX7K3MQ9TD2XWPTA",
    ],
)
def test_malformed_codes_are_refused(typed):
    with pytest.raises(Exception) as caught:
        check_code(typed)
    assert getattr(caught.value, "code", None) == "code_malformed"


def test_every_single_substitution_is_caught():
    for _ in range(40):
        symbols = _symbols(new_code())
        for position in range(len(symbols)):
            for replacement in ALPHABET:
                if replacement == symbols[position]:
                    continue
                typo = symbols[:position] + replacement + symbols[position + 1 :]
                with pytest.raises(Exception) as caught:
                    check_code(_code(typo))
                assert caught.value.code == "code_checksum", typo  # type: ignore[attr-defined]


def test_every_adjacent_transposition_is_caught():
    """Exhaustive over all symbol pairs at every position, including the check symbol."""
    base = _symbols(new_code())[:12]
    for position in range(12):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                body = base[:position] + a + b + base[position + 2 :] if position < 11 else base[:11] + a
                if position == 11:
                    # swapping the last data symbol with the check symbol
                    check = check_symbol(body)
                    if check == a:
                        continue
                    swapped = body[:11] + check + a
                else:
                    body = body[:12]
                    swapped_body = body[:position] + b + a + body[position + 2 :]
                    swapped = swapped_body + check_symbol(body)
                with pytest.raises(Exception) as caught:
                    check_code(_code(swapped))
                assert caught.value.code == "code_checksum", swapped  # type: ignore[attr-defined]


def test_check_symbol_is_the_zero_of_the_damm_chain():
    # a body of zeros has interim 0, so its check symbol is 0
    assert check_symbol("0" * 12) == "0"
    assert check_code("HB-0000-0000-0000-0") == "HB-0000-0000-0000-0"
