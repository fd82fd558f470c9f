"""No page shows an internal code: every persona of the test world walks the pages reachable from
their home page (links followed breadth-first, as a person clicking would), plus the public pages,
and the visible text of each — text nodes and the title, aria-label, alt and placeholder attributes,
never scripts, styles, hidden inputs or URLs — is scanned for the codes the database stores:
subject, competency and point codes, record statuses, signing states, role slugs, audit action
codes, model labels, and ISO dates (people read 13/11/2016, not 2016-11-13)."""

from __future__ import annotations

import json
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.test import Client

from hocbaso.accounts.models import User
from hocbaso.assessments.models import CommentBank, Point
from hocbaso.audit import presentation
from hocbaso.directory.models import Role
from hocbaso.records.models import Status
from hocbaso.signing.models import ItemOutcome, SignatureRole, SigningBatch
from hocbaso.signing.tests.factories import make_frozen_version
from hocbaso.testing import World, sign_in_verified

pytestmark = pytest.mark.django_db

CURRICULUM = Path(__file__).resolve().parents[1] / "hocbaso" / "curriculum" / "data"
PERSONAS = ("principal", "vice", "clerk", "homeroom", "teacher", "officer", "province_officer", "operator")
PAGES_PER_PERSONA = 45
SKIP = re.compile(r"^/(admin|api|static|ledger)/|logout|\.(pdf|xlsx|zip|json|xml|png|svg)$|format=xlsx|/download")


def internal_codes() -> set[str]:
    codes: set[str] = set()
    for path in CURRICULUM.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for kind in ("subjects", "points", "competencies"):
            codes |= {entry["code"] for entry in data.get(kind, [])}
    for choices in (Point, Status, Role, SignatureRole, ItemOutcome, SigningBatch.State):
        codes |= {str(value) for value in choices.values}
    codes |= set(presentation.ACTIONS)  # audit action codes ("record.sign")
    codes |= {value for values in presentation.VALUES.values() for value in values}  # "totp", …
    return codes - {"ok"}  # "OK" is no code people stumble on; everything else must be in words


CODE = re.compile(
    r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, internal_codes()), key=len, reverse=True)) + r")(?![\w-])"
)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
APP_LABELS = "|".join(sorted(c.label for c in apps.get_app_configs()))
DOTTED = re.compile(rf"\b(?:{APP_LABELS})\.[a-z]+\b")  # model labels: "records.recordversion"


class VisibleText(HTMLParser):
    """The words a person reads on a page, and its same-site links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name in ("title", "aria-label", "alt", "placeholder"):
            if values.get(name):
                self.words.append(str(values[name]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in ("button",) and values.get("value") and values.get("type") != "submit":
            pass  # a button's value is sent, not shown

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.words.append(data.strip())


def leaks(html: str) -> list[str]:
    """Every internal code in the visible text of ``html``."""
    parser = VisibleText()
    parser.feed(html)
    found = []
    for words in parser.words:
        for pattern in (CODE, ISO_DATE, DOTTED):
            found += [f"{match.group(0)!r} in {words[:120]!r}" for match in pattern.finditer(words)]
    return found


def walk(client: Client, start: list[str], limit: int) -> tuple[dict[str, list[str]], int]:
    """Follow same-site GET links from ``start``; the leaks found on each page, and pages seen."""
    queue, seen, found = deque(start), set(start), {}
    visited = 0
    while queue and visited < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        visited += 1
        html = response.content.decode()
        page_leaks = leaks(html)
        if page_leaks:
            found[url] = page_leaks
        parser = VisibleText()
        parser.feed(html)
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc not in ("", "testserver") or SKIP.search(path) or path in seen or "page=" in path:
                continue
            seen.add(path)
            queue.append(path)
    return found, visited


@pytest.fixture
def furnished(world: World, settings: Any, tmp_path: Path) -> World:
    """The world with what the pages list: records waiting for signatures, a comment bank entry,
    usernames that are not role words (a username is no code, but "principal" would look like one)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    for user in world.users.values():
        User.objects.filter(pk=user.pk).update(username=f"nguoi-dung-{user.pk}")
        user.refresh_from_db()
    make_frozen_version(world, student=world.students["an"], class_group=world.class_3a)
    CommentBank.objects.create(
        school=world.school_a, item_code="foreign_language_1", text="Em chăm chỉ.", created_by=world.users["teacher"]
    )
    return world


def test_the_lint_sees_codes_in_visible_text_only() -> None:
    page = (
        '<p title="year_end">Toán</p><script>const s = "signed_homeroom";</script><a href="/x?math=1">Môn</a>'
        '<input type="hidden" value="issued"><td>2016-11-13</td><li>record.sign records.recordversion #164</li>'
    )
    found = leaks(page)
    assert any("'year_end'" in f for f in found) and any("2016-11-13" in f for f in found)
    assert any("records.recordversion" in f for f in found) and any("record.sign" in f for f in found)
    assert not any("signed_homeroom" in f or "math" in f or "issued" in f for f in found)
    assert leaks("<p>Đã ký 3/3 học bạ — Toán, Ngoại ngữ 1, 13/11/2016, năm học 2025-2026</p>") == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_of_a_persona_shows_an_internal_code(furnished: World, persona: str) -> None:
    client = sign_in_verified(Client(), furnished.users[persona])
    start = ["/", f"/schools/{furnished.school_a.pk}/audit/", "/signing/pending/"]
    found, visited = walk(client, start, PAGES_PER_PERSONA)
    assert visited >= 3, f"{persona} reached only {visited} pages"
    assert not found, "\n".join(f"{url}: {leak}" for url, items in found.items() for leak in items)


def test_public_pages_show_no_internal_code(furnished: World) -> None:
    from hocbaso.records.models import RecordVersion

    version = RecordVersion.objects.get()
    client = Client()
    found, visited = walk(client, ["/login/", "/verify", f"/verify/{version.issuance_code}"], 10)
    assert visited >= 3
    assert not found, "\n".join(f"{url}: {leak}" for url, items in found.items() for leak in items)
