"""Three deployments, each with its own HOCBASO_VAR_DIR, SQLite database and demo PKI: a bundle
exported by this one (the test process) imports into a second that trusts it, is refused by a
third that does not, and the second's signed receipt closes the transfer here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hocbaso.transfers import actions
from hocbaso.transfers.models import TransferState
from hocbaso.verification.trust import dump_bundle

HOCBASO = str(Path(sys.executable).parent / "hocbaso")
SETUP = """
import datetime as dt
from hocbaso.accounts.models import User
from hocbaso.demo.directory_data import YEARS
from hocbaso.directory.models import Appointment, ClassGroup, Role, School, SchoolYear, StaffMember
year = SchoolYear.objects.create(code="2025-2026", **YEARS["2025-2026"])
school = School.objects.create(code="HN-0101", name="Trường Tiểu học Hòa Bình")
ClassGroup.objects.create(school=school, school_year=year, grade=3, name="3A")
user = User.objects.create_user(username="hieutruong", password="x-x-x-x-x-x", display_name="Hiệu trưởng")
staff = StaffMember.objects.create(user=user, full_name="Trần Văn Bình", school=school)
Appointment.objects.create(staff=staff, role=Role.PRINCIPAL, school=school, valid_from=dt.date(2020, 1, 1))
"""
COUNT = (
    "from hocbaso.directory.models import Student; from hocbaso.transfers.models import ReceivedRecord; "
    "print(Student.objects.count(), ReceivedRecord.objects.count())"
)


class Deployment:
    """Another installation of the software: its own var dir, SQLite file and demo PKI."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "HOCBASO_VAR_DIR": str(root / "var"),
            "HOCBASO_DEMO": "1",
            "HOCBASO_PUBLIC_BASE_URL": f"https://{root.name}.example.vn",
        }
        self.run("migrate", "-v", "0")
        self.run("shell", "-c", SETUP)
        self.run("pki", "init")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([HOCBASO, *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"hocbaso {args[0]} failed: {done.stderr[-2000:]}")
        return done

    def counts(self) -> tuple[int, int]:
        students, records = self.run("shell", "-c", COUNT).stdout.strip().splitlines()[-1].split()
        return int(students), int(records)

    def import_bundle(self, bundle: Path) -> subprocess.CompletedProcess[str]:
        return self.run(
            "transfers", "import-bundle", str(bundle), "--school", "HN-0101", "--user", "hieutruong",
            "--receipt-out", str(self.root / "receipt.xml"), check=False,
        )  # fmt: skip


def test_a_bundle_travels_to_a_deployment_that_trusts_the_sender_only(world, sent, pki, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    transfer, raw = sent
    bundle = tmp_path / "chuyen-truong.zip"
    bundle.write_bytes(raw)
    # this deployment's trust bundle, as its /verify/trust-bundle.json serves it in demo mode
    ours = tmp_path / "quang-ngai.json"
    ours.write_bytes(
        dump_bundle(
            roots=pki.roots(),
            intermediates=pki.chain(),
            crls=[pki.crl_der(a.slug) for a in pki._authorities()],
            demo=True,
        )
    )
    trusting, stranger = Deployment(tmp_path / "ha-noi"), Deployment(tmp_path / "da-nang")
    trusting.run("transfers", "trust-import", str(ours), "--name", "Sở GDĐT Quảng Ngãi")

    refused = stranger.import_bundle(bundle)
    assert refused.returncode == 1
    assert "bundle_unknown_issuer" in refused.stderr and "Không xác định được" in refused.stderr
    assert stranger.counts() == (0, 0)

    accepted = trusting.import_bundle(bundle)
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert trusting.counts() == (1, 2)
    receipt = (trusting.root / "receipt.xml").read_bytes()

    # the sending side closes once it trusts the receiving deployment
    theirs = tmp_path / "ha-noi.json"
    trusting.run("trust-bundle", "--out", str(theirs))
    actions.import_trust(by=world.users["operator"], raw=theirs.read_bytes(), name="Sở GDĐT Hà Nội")
    closed = actions.import_receipt(by=world.users["clerk"], transfer=transfer, raw=receipt)
    assert closed.state == TransferState.ACCEPTED
