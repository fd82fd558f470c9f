"""End-to-end tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module; closed after it, because Playwright's sync API keeps an
    event loop running that would break asyncio.run (pyHanko) in later tests."""
    assert os.path.exists(CHROMIUM), "Chromium is required (scripts/system-packages.sh installs it)"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    # The Content-Security-Policy allows only the project's own files: a page that breaks it
    # would lose behaviour silently, so any violation the browser reports fails the test.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert not violations, violations


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real pages: the password, then, for a signer, officer or the operator,
    the six digits their authenticator app would show, computed from their device's key."""
    from hocbaso.accounts import second_factor
    from hocbaso.accounts.models import User
    from hocbaso.testing import give_second_factor, totp_code

    user = User.objects.get(username=username)
    device = give_second_factor(user) if second_factor.applies(user) else None
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(f"{base_url}/login/second-factor/*")
        page.fill("#id_code", totp_code(device))
        page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")
