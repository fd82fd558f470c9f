"""Shared fixtures: a throwaway PKI behind loopback TSA/CRL/OCSP services, a blank record PDF, tool helpers.

External tools (pdfsig, certutil, xmlsec1, softhsm2-util, pkcs11-tool) are required: a test that
needs one fails when it is missing (scripts/system-packages.sh installs them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import typst

from hocbaso.signing import pades
from hocbaso.signing.backends import KeySource
from hocbaso.signing.pki import DemoPKI, cert_pem, key_pem
from hocbaso.signing.testing.services import PKIServices

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required tool {name!r} is not installed (run scripts/system-packages.sh)")
    return path


@pytest.fixture(scope="session")
def services() -> Iterator[PKIServices]:
    with PKIServices() as running:
        yield running


@pytest.fixture(scope="session")
def pki(services: PKIServices, tmp_path_factory: pytest.TempPathFactory) -> DemoPKI:
    created = DemoPKI.create(tmp_path_factory.mktemp("pki"), base_url=services.url)
    services.pki = created
    return created


@pytest.fixture(scope="session")
def trust(pki: DemoPKI) -> pades.Trust:
    return pades.Trust.of(pki.roots())


@pytest.fixture(scope="session")
def blank_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small Typst PDF with the three empty signature fields the record renderer also creates."""
    source = tmp_path_factory.mktemp("doc") / "record.typ"
    source.write_text('#set text(lang: "vi")\n= Học bạ số\nHọ và tên: Nguyễn Thị Thu Hằng\n', encoding="utf-8")
    return pades.add_signature_fields(typst.compile(str(source)))


@pytest.fixture(scope="session")
def homeroom(pki: DemoPKI) -> KeySource:
    key, cert = pki.issue_personal(
        "Trần Thị Mỹ Duyên", title="Giáo viên chủ nhiệm", organisation="Trường Tiểu học Kim Đồng"
    )
    return KeySource(key, cert, pki.chain())


@pytest.fixture(scope="session")
def principal(pki: DemoPKI) -> KeySource:
    key, cert = pki.issue_personal("Lê Quốc Khánh", title="Hiệu trưởng", key_type="rsa")
    return KeySource(key, cert, pki.chain())


@pytest.fixture(scope="session")
def school(pki: DemoPKI) -> KeySource:
    key, cert = pki.issue_organisation("Trường Tiểu học Kim Đồng", locality="Phường Bến Thành")
    return KeySource(key, cert, pki.chain())


@pytest.fixture(scope="session")
def nss_db(pki: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A throwaway NSS database trusting only the demo root (for pdfsig)."""
    directory = tmp_path_factory.mktemp("nss")
    certutil = tool("certutil")
    root = directory / "root.pem"
    root.write_bytes(pki.export_roots_pem())
    subprocess.run([certutil, "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [certutil, "-A", "-d", f"sql:{directory}", "-n", "demo-root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    return f"sql:{directory}"


def pdfsig(pdf: bytes, nss: str, tmp_path: Path) -> list[dict[str, str]]:
    """Run poppler's pdfsig and return one dict per *signed* field (field name, validation lines)."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [tool("pdfsig"), "-nssdir", nss, str(path)], capture_output=True, text=True, check=False
    ).stdout
    found = []
    for block in re.split(r"^Signature #\d+:\n", out, flags=re.MULTILINE)[1:]:
        entry = {}
        for line in block.splitlines():
            match = re.match(r"\s+- ([^:]+): (.*)", line)
            if match:
                entry[match.group(1)] = match.group(2)
        if "not signed" not in block:
            found.append(entry)
    return found


@pytest.fixture(scope="session")
def softhsm(pki: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, object]]]:
    """SoftHSM2 tokens "hsm-ec" and "hsm-rsa" (PIN 1234), each holding a signer key + certificate.

    Both are created before the module is first loaded: SoftHSM2 reads SOFTHSM2_CONF once per process.
    """
    tool("softhsm2-util")
    tool("pkcs11-tool")
    directory = tmp_path_factory.mktemp("softhsm")
    made: dict[str, tuple[str, object]] = {}
    for key_type in ("ec", "rsa"):
        key, cert = pki.issue_personal(f"Phạm Thị Token {key_type.upper()}", key_type=key_type)  # type: ignore[arg-type]
        (directory / f"{key_type}.key.pem").write_bytes(key_pem(key))
        (directory / f"{key_type}.cert.pem").write_bytes(cert_pem(cert))
        subprocess.run(
            [
                str(SCRIPTS / "softhsm-init.sh"),
                str(directory / "hsm"),
                f"hsm-{key_type}",
                "1234",
                str(directory / f"{key_type}.key.pem"),
                str(directory / f"{key_type}.cert.pem"),
            ],
            check=True,
            capture_output=True,
        )
        made[key_type] = (f"hsm-{key_type}", cert)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(directory / "hsm" / "softhsm2.conf")
    yield made
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
