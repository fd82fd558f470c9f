"""How administrative unit names are written (Vietnamese spelling rules for place names).

A unit's name is stored as written at the start of a line: its kind capitalised, its proper name
capitalised word by word ("Xã Bình Sơn", "Thành phố Quảng Ngãi", "Đặc khu Lý Sơn"). Contracts:

- ``kind_and_name(name)`` splits off the kind word(s) ("Thành phố", "Xã", …): ``(kind, proper)``.
- ``in_line(name)``: the name as written after other words — the kind in lower case, the proper
  name untouched ("…, tỉnh Quảng Ngãi", "Ủy ban nhân dân xã Bình Sơn").
- ``proper_name(name)``: the proper name alone ("Bình Sơn"), as before a date line.
- ``address_line(names)``: units joined by ", ", only the first keeping its capital.
"""

from __future__ import annotations

from collections.abc import Iterable

KINDS = ("Thành phố", "Thị xã", "Thị trấn", "Huyện", "Quận", "Xã", "Phường", "Đặc khu", "Tỉnh")


def kind_and_name(name: str) -> tuple[str, str]:
    text = " ".join(name.split())
    for kind in KINDS:
        if text.lower().startswith(kind.lower() + " "):
            return kind, text[len(kind) + 1 :]
    return "", text


def in_line(name: str) -> str:
    kind, proper = kind_and_name(name)
    return f"{kind.lower()} {proper}" if kind else proper


def proper_name(name: str) -> str:
    return kind_and_name(name)[1]


def address_line(names: Iterable[str]) -> str:
    parts = [n for n in names if n]
    return ", ".join([parts[0], *(in_line(n) for n in parts[1:])]) if parts else ""
