"""``hocbaso transfers …``: the transfer procedures between deployments from the command line.

- ``trust-import FILE --name NAME`` — trust another deployment's trust bundle (operator, audited);
- ``export-bundle TRANSFER_UUID --user U --out FILE`` — seal and write an external transfer's bundle;
- ``import-bundle FILE --school CODE --user U [--class-id ID] --receipt-out FILE`` — verify and
  import a bundle, write the signed acceptance receipt;
- ``import-receipt TRANSFER_UUID FILE --user U`` — close the sending side with the receipt.

``--user`` names the person acting (their appointments decide, as on the web); the seal's
password comes from ``HOCBASO_SEAL_PASSWORD`` (in demo mode the demo password). A refusal exits
with status 1 and prints its stable code and Vietnamese message; nothing is written then.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from hocbaso.accounts.models import User
from hocbaso.audit.models import Channel
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import ClassGroup, School
from hocbaso.signing import pending
from hocbaso.signing import trust as signing_trust
from hocbaso.signing.models import SignatureRole, SigningCredential
from hocbaso.transfers import actions
from hocbaso.transfers.models import Transfer


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"unknown user {username!r}")
    return user


def _seal(user: User, school: School) -> tuple[SigningCredential, str]:
    credential = pending.credentials_for(user, SignatureRole.SCHOOL).filter(school=school).first()
    if credential is None:
        raise CommandError(f"{user.username} holds no usable seal of {school.code}")
    password = os.environ.get("HOCBASO_SEAL_PASSWORD") or signing_trust.demo_pkcs12_password()
    return credential, password


class Command(BaseCommand):
    help = "Transfers between deployments: trust-import, export-bundle, import-bundle, import-receipt."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        trust = sub.add_parser("trust-import")
        trust.add_argument("file")
        trust.add_argument("--name", required=True)
        export = sub.add_parser("export-bundle")
        export.add_argument("transfer")
        export.add_argument("--user", required=True)
        export.add_argument("--out", required=True)
        imported = sub.add_parser("import-bundle")
        imported.add_argument("file")
        imported.add_argument("--school", required=True, help="sector code of the receiving school")
        imported.add_argument("--user", required=True)
        imported.add_argument("--class-id", type=int)
        imported.add_argument("--receipt-out", required=True)
        receipt = sub.add_parser("import-receipt")
        receipt.add_argument("transfer")
        receipt.add_argument("file")
        receipt.add_argument("--user", required=True)

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        translation.activate("vi")
        try:
            getattr(self, "_" + operation.replace("-", "_"))(**options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _trust_import(self, *, file: str, name: str, **_options: Any) -> None:
        trusted = actions.import_trust(by=None, raw=Path(file).read_bytes(), name=name, channel=Channel.CLI)
        self.stdout.write(f"Trusted {trusted.name}: {len(trusted.roots_fingerprints)} root(s).")

    def _export_bundle(self, *, transfer: str, user: str, out: str, **_options: Any) -> None:
        found = Transfer.objects.select_related("from_school").get(public_id=transfer)
        by = _user(user)
        credential, password = _seal(by, found.from_school)
        raw = actions.export_bundle(
            by=by, transfer=found, credential=credential, authorisation=password, channel=Channel.CLI
        )
        Path(out).write_bytes(raw)
        self.stdout.write(f"Wrote the bundle ({len(raw)} bytes) to {out}.")

    def _import_bundle(
        self, *, file: str, school: str, user: str, class_id: int | None, receipt_out: str, **_options: Any
    ) -> None:
        receiving = School.objects.filter(code=school).first()
        if receiving is None:
            raise CommandError(f"unknown school {school!r}")
        by = _user(user)
        credential, password = _seal(by, receiving)
        to_class = ClassGroup.objects.get(pk=class_id) if class_id else None
        received, receipt = actions.import_bundle(
            by=by,
            raw=Path(file).read_bytes(),
            school=receiving,
            credential=credential,
            authorisation=password,
            to_class=to_class,
            channel=Channel.CLI,
        )
        Path(receipt_out).write_bytes(receipt)
        self.stdout.write(
            f"Imported {received.student.full_name} from {received.sending_school_name}: "
            f"{received.records.count()} record(s); receipt written to {receipt_out}."
        )

    def _import_receipt(self, *, transfer: str, file: str, user: str, **_options: Any) -> None:
        found = Transfer.objects.get(public_id=transfer)
        closed = actions.import_receipt(
            by=_user(user), transfer=found, raw=Path(file).read_bytes(), channel=Channel.CLI
        )
        self.stdout.write(f"Transfer {closed.public_id}: {closed.get_state_display()}.")
