"""A homeroom teacher signs the whole class from "Chờ ký" with one password: a wrong password is
refused with its reason and signs nothing; the class's tick then a double click on "Ký 3 học bạ"
signs every record once."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.records.models import Status
from hocbaso.signing.models import SignatureEvent, SigningBatch
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import PASSWORD as CERT_PASSWORD
from hocbaso.signing.tests.factories import make_class_versions, register_credential, signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_homeroom_teacher_signs_the_class_with_one_password(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    page: Any,
) -> None:
    versions = make_class_versions(world, 3, class_group=world.class_3a)
    register_credential(pki, world.users["homeroom"])
    sign_in(page, live_server.url, "homeroom", PASSWORD)

    page.goto(f"{live_server.url}/signing/pending/")
    rows = page.locator("input[name=versions]")
    assert rows.count() == 3
    page.check("[data-tick-class]")
    page.fill("input[name=authorisation]", "sai mật khẩu")
    page.click("form[data-submit-once] button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert "mật khẩu" in page.locator("[role=alert]").first.inner_text()
    assert not SigningBatch.objects.exists()

    page.fill("input[name=authorisation]", CERT_PASSWORD)
    page.dblclick("form[data-submit-once] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/signing/batches/*/")
    page.wait_for_selector("tr.outcome-ok")
    assert page.locator("tr.outcome-ok").count() == 3
    assert "Đã ký" in page.locator("#batch-items").inner_text()

    assert SigningBatch.objects.count() == 1
    assert SignatureEvent.objects.filter(role="homeroom").count() == 3
    for version in versions:
        version.refresh_from_db()
        assert version.status == Status.SIGNED_HOMEROOM
