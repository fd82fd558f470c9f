"""The bundle pages: the receiving principal imports through the web and downloads the signed
receipt; the received records show verified as received; operators alone import trust."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers import documents
from hocbaso.transfers.models import ReceivedBundle, TrustedDeployment
from hocbaso.verification import registry


def test_import_through_the_page_and_read_what_was_received(world: World, sent, credentials, login) -> None:  # type: ignore[no-untyped-def]
    _transfer, raw = sent
    client = login("principal_b")
    response = client.post(
        reverse("transfers:import"),
        {
            "bundle": SimpleUploadedFile("goi.zip", raw),
            "to_class": world.class_b_3a.pk,
            "credential": credentials["seal_b"].pk,
            "authorisation": PASSWORD,
        },
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert documents.parse(response.content, kind="TransferReceipt")["Records"]
    received = ReceivedBundle.objects.get()
    page = client.get(reverse("transfers:received", args=[received.pk])).content.decode()
    assert page.count("✓") == 4  # two years, PDF and XML each, valid as received
    assert login("principal").get(reverse("transfers:received", args=[received.pk])).status_code == 404


def test_a_refused_bundle_shows_why_on_the_form(world: World, credentials, login) -> None:  # type: ignore[no-untyped-def]
    response = login("principal_b").post(
        reverse("transfers:import"),
        {
            "bundle": SimpleUploadedFile("goi.zip", b"not a zip"),
            "credential": credentials["seal_b"].pk,
            "authorisation": PASSWORD,
        },
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not ReceivedBundle.objects.exists()


def test_only_operators_import_trust(world: World, login, signing_env) -> None:  # type: ignore[no-untyped-def]
    upload = {"name": "Sở GDĐT Hà Nội", "file": SimpleUploadedFile("trust.json", registry.bundle_bytes())}
    assert login("principal").post(reverse("transfers:trust"), upload).status_code == 403
    upload["file"] = SimpleUploadedFile("trust.json", registry.bundle_bytes())
    assert login("operator").post(reverse("transfers:trust"), upload).status_code == 302
    assert TrustedDeployment.objects.get().name == "Sở GDĐT Hà Nội"
