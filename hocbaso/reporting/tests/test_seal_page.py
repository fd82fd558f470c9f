"""The unit-seal page under attack: what a hostile user sends to the upload that registers a
commune's (or province's) seal certificate. Each attempt gets a clear Vietnamese message and
writes nothing: no credential, no audit event, no file kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.body_limits import declared_upload
from hocbaso.core.errors import ValidationFailed
from hocbaso.core.tests.bodies import MULTIPART, claim
from hocbaso.reporting import views
from hocbaso.reporting.tests.data import Data, build
from hocbaso.reporting.tests.test_sealing import COMMUNE_SEAL, _p12, _self_made
from hocbaso.signing import actions as signing_actions
from hocbaso.signing import seals
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import pki, services  # noqa: F401
from hocbaso.signing.tests.factories import PASSWORD, signing_env  # noqa: F401
from hocbaso.testing import World

pytestmark = pytest.mark.django_db

OTHER_SEAL = "Ủy ban nhân dân Phường Cẩm Thành"


@pytest.fixture
def data(world: World, signing_env: dict[str, Any]) -> Data:  # noqa: F811
    return build(world)


def _url(data: Data) -> str:
    return reverse("reporting:unit_seal", args=[data.world.commune1.pk])


def _upload(content: bytes, name: str = "con-dau.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-pkcs12")


def _post(client: Client, data: Data, content: bytes, password: str = PASSWORD) -> Any:
    return client.post(_url(data), {"file": _upload(content), "password": password, "label": "Con dấu"})


def _kept_files() -> list[Path]:
    folder = Path(settings.VAR_DIR) / "pki" / "unit-seals"
    return sorted(folder.glob("*")) if folder.exists() else []


def _written() -> tuple[int, int, list[Path]]:
    """What a refused attempt must leave unchanged."""
    return SigningCredential.objects.count(), AuditEvent.objects.count(), _kept_files()


def _refused(answer: Any, message: str) -> None:
    assert answer.status_code == 200
    html = answer.content.decode()
    assert message in html, html


def test_the_page_declares_its_upload_limit() -> None:
    limit, field, api = declared_upload(resolve(reverse("reporting:unit_seal", args=[1])).func, "POST")
    assert (limit, field, api) == (views.MAX_SEAL_BYTES, "file", False)


def test_an_oversized_upload_is_refused_before_it_is_read(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    client = login("officer")
    before = _written()
    # the body is never read: the claim alone is refused (reading it fails the test)
    answer = claim(client, "POST", _url(data), views.MAX_SEAL_BYTES + 65 * 1024, MULTIPART)
    assert answer.status_code == 413
    assert "Tệp lớn hơn 256 KB, mức tối đa trang này nhận." in answer.content.decode()
    # a real oversized file through the form gets the same answer
    big = client.post(_url(data), {"file": _upload(b"0" * (1024 * 1024)), "password": "x", "label": "x"})
    assert big.status_code == 413 and "Tệp lớn hơn 256 KB" in big.content.decode()
    assert _written() == before


def test_a_file_past_the_limit_within_the_form_overhead_is_refused_not_cut(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The body limit lets the form's overhead through; the file itself is still measured (a file
    cut at the limit would be read as a damaged one)."""
    client = login("officer")
    before = _written()
    padded = _p12(pki) + b"\0" * (views.MAX_SEAL_BYTES + 1)
    assert len(padded) < views.MAX_SEAL_BYTES + 64 * 1024
    _refused(_post(client, data, padded), "Tệp lớn hơn 256 KB")
    assert _written() == before


UNREADABLE = "Không mở được tệp: sai mật khẩu hoặc không phải tệp chứng thư số."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Tập tin được gửi là rỗng."),
        (b"not a certificate", UNREADABLE),
        (b"%PDF-1.7\n" + b"0" * 2000, UNREADABLE),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", UNREADABLE),
    ],
    ids=["empty", "text", "pdf", "pem"],
)
def test_a_file_that_is_not_a_pkcs12_is_refused(data: Data, login, content: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    client = login("officer")
    before = _written()
    _refused(_post(client, data, content), message)
    assert _written() == before


def test_a_wrong_password_is_refused(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = login("officer")
    before = _written()
    _refused(_post(client, data, _p12(pki), password="sai"), UNREADABLE)
    _refused(_post(client, data, _p12(pki), password=""), "Trường này là bắt buộc.")
    assert _written() == before


def test_a_self_made_certificate_is_refused(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = login("officer")
    before = _written()
    _refused(_post(client, data, _self_made(pki)), "Chứng thư số ký không do tổ chức tin cậy cấp.")
    assert _written() == before


def test_an_expired_certificate_is_refused(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    now = dt.datetime.now(dt.UTC)
    key, cert = pki.issue_organisation(
        COMMUNE_SEAL, not_before=now - dt.timedelta(days=800), not_after=now - dt.timedelta(days=1)
    )
    client = login("officer")
    before = _written()
    _refused(_post(client, data, pki.export_pkcs12(key, cert, PASSWORD)), "Chứng thư số ký hiện không còn hiệu lực.")
    assert _written() == before


def test_a_certificate_naming_another_unit_is_refused(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A trusted organisation certificate, but of the ward next door (or of a school, or of the
    province): it would seal the commune's reports under another unit's name."""
    client = login("officer")
    before = _written()
    others = (OTHER_SEAL, "Trường Tiểu học A", "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi", "UBND Xã Bình Sơn Đông")
    for name in others:
        key, cert = pki.issue_organisation(name, locality="Tỉnh Quảng Ngãi")
        _refused(
            _post(client, data, pki.export_pkcs12(key, cert, PASSWORD)),
            "Chứng thư số này không mang tên Xã Bình Sơn",
        )
    assert _written() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("district_officer", 404),  # reads the reports of its old district, may no longer seal
        ("officer2", 404),  # the ward's officer, on the commune's page
        ("province_officer", 404),  # the unit above
        ("principal", 404),  # reads its school's reports, seals nothing of a unit
        ("homeroom", 403),  # no report at all
        ("operator", 404),
    ],
)
def test_a_user_without_apply_unit_seal_neither_sees_nor_posts(  # type: ignore[no-untyped-def]
    data: Data,
    pki: DemoPKI,  # noqa: F811
    login,
    persona: str,
    status: int,
) -> None:
    client = login(persona)
    before = _written()
    assert client.get(_url(data)).status_code in (status, 404)
    answer = _post(client, data, _p12(pki))
    assert answer.status_code in (status, 404)
    assert _written() == before
    # the district's own page refuses its former officer too (the appointment has ended)
    if persona == "district_officer":
        district_page = reverse("reporting:unit_seal", args=[data.world.district.pk])
        assert client.get(district_page).status_code == 404


def test_a_double_submit_registers_one_seal(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = login("officer")
    p12 = _p12(pki)
    assert _post(client, data, p12).status_code == 302
    seal = seals.current(data.world.commune1)
    assert seal is not None
    after_first = _written()
    _refused(_post(client, data, p12), "Chứng thư số này đã được đăng ký cho bạn.")
    assert _written() == after_first
    seal.refresh_from_db()
    assert seal.active and seals.current(data.world.commune1) == seal


def test_the_province_seal_bears_the_provinces_or_its_departments_name(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    """The same rule behind the Sở's page (``ministry.actions.register_seal``): the province's
    name, or the name its department of education sends under; never a commune's certificate."""
    w = data.world
    officer = w.users["province_officer"]

    def register(name: str, also: tuple[str, ...] = ()) -> SigningCredential:
        key, cert = pki.issue_organisation(name, locality="Tỉnh Quảng Ngãi")
        return signing_actions.register_unit_seal(
            by=officer,
            unit=w.province,
            pkcs12=pki.export_pkcs12(key, cert, PASSWORD),
            password=PASSWORD,
            label="Con dấu",
            also_named=also,
        )

    with pytest.raises(ValidationFailed) as commune:
        register(COMMUNE_SEAL)  # its locality names the province: only O and CN count
    assert commune.value.code == "unit_seal_foreign"
    with pytest.raises(ValidationFailed) as unnamed:
        register("Sở Giáo dục và Đào tạo")
    assert unnamed.value.code == "unit_seal_foreign"
    assert not SigningCredential.objects.filter(unit=w.province).exists()
    assert register("SO GIAO DUC VA DAO TAO TINH QUANG NGAI").unit == w.province  # no diacritics, upper case
    assert register("Sở GD&ĐT Quảng Ngãi", also=("Sở GD&ĐT Quảng Ngãi",)).unit == w.province
