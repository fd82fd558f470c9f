"""The signing page at 1366×768: records grouped by class, nothing ticked until the signer ticks
it, the certificate, password and button above the classes (and sticky), the button counting the
ticked records ("Ký 4 học bạ", never "Ký tất cả"), a double click signing once, and the result in
one sentence ("Đã ký 4/4 học bạ."). The page and the result pass axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hocbaso.directory.models import Role
from hocbaso.records.models import Status
from hocbaso.signing.models import SignatureEvent, SigningBatch
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import PASSWORD as CERT_PASSWORD
from hocbaso.signing.tests.factories import make_class_versions, register_credential, signing_env  # noqa: F401
from hocbaso.testing import PASSWORD, World, appoint
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_signer_ticks_a_class_and_one_record_off_and_the_button_counts(
    world: World,
    pki: DemoPKI,  # noqa: F811
    signing_env: dict[str, Any],  # noqa: F811
    live_server: Any,
    page: Any,
) -> None:
    appoint(world.users["homeroom"], Role.HOMEROOM_TEACHER, class_group=world.class_3b)
    in_3a = make_class_versions(world, 5, class_group=world.class_3a)
    in_3b = make_class_versions(world, 3, class_group=world.class_3b)
    register_credential(pki, world.users["homeroom"])
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, "homeroom", PASSWORD)
    page.goto(f"{live_server.url}/signing/pending/")

    button = page.locator("[data-sign-button]")
    assert page.locator("fieldset.sign-class").count() == 2
    assert page.locator("input[name=versions]:checked").count() == 0  # nothing ticked behind the signer's back
    assert button.is_disabled()
    # the certificate, the password and the button come before the first class, inside the first screen
    assert button.bounding_box()["y"] < page.locator("fieldset.sign-class").first.bounding_box()["y"]
    assert button.bounding_box()["y"] + button.bounding_box()["height"] < 768
    assert_accessible(page, "signing page")

    page.locator("fieldset.sign-class").first.locator("[data-tick-class]").check()
    assert button.inner_text() == "Ký 5 học bạ"
    first = page.locator("fieldset.sign-class").first
    first.locator("summary").click()
    first.locator(f"#v{in_3a[0].pk}").uncheck()
    assert button.inner_text() == "Ký 4 học bạ"
    assert first.locator("[data-tick-class]").evaluate("box => box.indeterminate")
    assert "Đã chọn 4/8" in page.locator("[data-chosen-summary]").inner_text()
    assert "tất cả" not in button.inner_text()

    page.mouse.wheel(0, 2000)  # the bar stays in view while the list scrolls
    assert 0 <= button.bounding_box()["y"] < 768
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "signing-page.png"))

    page.fill("input[name=authorisation]", CERT_PASSWORD)
    button.dblclick()
    page.wait_for_url(f"{live_server.url}/signing/batches/*/")
    page.wait_for_selector("tr.outcome-ok")
    page.wait_for_function("() => !document.querySelector('#batch-items[hx-get]')")
    assert page.locator(".batch-outcome strong").inner_text() == "Đã ký 4/4 học bạ."
    assert_accessible(page, "signing result")

    assert SigningBatch.objects.count() == 1
    assert SignatureEvent.objects.count() == 4
    statuses = {v.pk: v.status for v in (*in_3a, *in_3b) for v in [type(v).objects.get(pk=v.pk)]}
    assert statuses[in_3a[0].pk] == Status.FROZEN  # the unticked record is not signed
    assert all(statuses[v.pk] == Status.SIGNED_HOMEROOM for v in in_3a[1:])
    assert all(statuses[v.pk] == Status.FROZEN for v in in_3b)

    page.goto(f"{live_server.url}/signing/pending/")
    assert page.locator("input[name=versions]").count() == 4  # the unticked one and 3B still wait
