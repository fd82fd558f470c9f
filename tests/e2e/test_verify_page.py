"""Browser test of the public verify page: the QR link of an issued record says "valid"; an
uploaded tampered copy says "invalid" with the reason (Debian's Chromium via Playwright)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.utils.translation import override

from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
from hocbaso.testing import World
from hocbaso.verification import messages, registry
from hocbaso.verification.tests.helpers import issue, signed_pdf, tampered

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _issue_in_thread(world: World, pki: DemoPKI, env: dict[str, Any]) -> Any:  # noqa: F811
    from django.db import connection

    try:
        return issue(world, pki, env)
    finally:
        connection.close()


def test_qr_link_is_valid_and_a_tampered_upload_is_invalid_with_reason(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    page: Any,
    tmp_path: Any,
) -> None:
    registry._trust_cache.clear()
    # Playwright's sync API runs an event loop in this thread; pyHanko needs its own (asyncio.run).
    with ThreadPoolExecutor(max_workers=1) as worker:
        version = worker.submit(_issue_in_thread, world, pki, signing_env).result(timeout=300)
    with override("vi"):
        valid_words = str(messages.OUTCOMES["valid"])
        invalid_words = str(messages.OUTCOMES["invalid"])
        reason_words = messages.text("signature_digest_mismatch")

    page.goto(f"{live_server.url}/verify/{version.issuance_code}")
    outcome = page.locator("#outcome")
    assert outcome.get_attribute("data-outcome") == "valid"
    assert outcome.inner_text() == valid_words
    assert version.data["student"]["full_name"] in page.content()

    forged = tmp_path / "hoc-ba-da-sua.pdf"
    forged.write_bytes(tampered(signed_pdf(version)))
    page.goto(f"{live_server.url}/verify")
    page.set_input_files("#document", str(forged))
    page.click("button[value=file]")
    page.wait_for_selector("#outcome")
    assert page.locator("#outcome").get_attribute("data-outcome") == "invalid"
    assert page.locator("#outcome").inner_text() == invalid_words
    assert page.locator("#reason").get_attribute("data-code") == "signature_digest_mismatch"
    assert page.locator("#reason").inner_text() == reason_words
