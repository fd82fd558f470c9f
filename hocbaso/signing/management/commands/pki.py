"""``hocbaso pki …``: the demo PKI of this deployment (demo mode only; never for real certificates).

- ``hocbaso pki init [--force] [--base-url URL]``: create the demo PKI under ``VAR_DIR/pki`` and a
  PKCS#12 credential (demo password, see ``trust.demo_pkcs12_password``) for every staff member
  who signs (homeroom teachers, principals, vice-principals) and an organisation certificate per
  school, held by its clerk (or principal). Certificates point at ``--base-url`` for CRL/OCSP
  (default ``http://127.0.0.1:8765``, where ``pki serve`` listens); the embedded demo does not need
  the server running: signing checks use the CRLs from ``VAR_DIR/pki``.
- ``hocbaso pki export-roots --out FILE``: the PEM roots this deployment trusts (``-`` = stdout).
- ``hocbaso pki serve [--port N]``: run the TSA/CRL/OCSP services for the demo PKI until interrupted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.models import Channel
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Appointment, Role, School, StaffMember
from hocbaso.signing import actions, trust
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI

DEFAULT_PORT = 8765
PERSONAL_ROLES = {
    Role.HOMEROOM_TEACHER: "Giáo viên",
    Role.PRINCIPAL: "Hiệu trưởng",
    Role.VICE_PRINCIPAL: "Phó Hiệu trưởng",
}


class Command(BaseCommand):
    help = "Demo PKI: init, export-roots, serve."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        init = sub.add_parser("init", help="create the demo PKI and every signer's demo credential")
        init.add_argument("--force", action="store_true", help="replace an existing demo PKI")
        init.add_argument("--base-url", default=f"http://127.0.0.1:{DEFAULT_PORT}")
        export = sub.add_parser("export-roots", help="write the trusted root certificates (PEM)")
        export.add_argument("--out", required=True)
        serve = sub.add_parser("serve", help="run the demo TSA/CRL/OCSP services")
        serve.add_argument("--port", type=int, default=DEFAULT_PORT)
        serve.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        getattr(self, "_" + operation.replace("-", "_"))(**options)

    def _init(self, *, force: bool, base_url: str, **_options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("The demo PKI exists only in demo mode (HOCBASO_DEMO=1).")
        directory = trust.demo_pki_dir()
        if (directory / "pki.json").exists() and not force:
            raise CommandError(f"A demo PKI already exists in {directory}; use --force to replace it.")
        pki = DemoPKI.create(directory, base_url=base_url)
        retired = SigningCredential.objects.filter(config__file__startswith="pki/").update(active=False)
        password = trust.demo_pkcs12_password()
        personal = 0
        signers = (
            StaffMember.objects.filter(appointments__role__in=list(PERSONAL_ROLES))
            .select_related("school")
            .distinct()
            .order_by("pk")
        )
        for staff in signers:
            roles = set(staff.appointments.values_list("role", flat=True))
            title = next(PERSONAL_ROLES[Role(r)] for r in PERSONAL_ROLES if r in roles)
            school_name = staff.school.name if staff.school else None
            key, cert = pki.issue_personal(staff.full_name, title=title, organisation=school_name)
            actions.register_pkcs12(
                by=None,
                staff=staff,
                pkcs12=pki.export_pkcs12(key, cert, password),
                password=password,
                label=f"Chứng thư số DEMO — {staff.full_name}",
                channel=Channel.CLI,
            )
            personal += 1
        seals = 0
        for school in School.objects.order_by("pk"):
            holder = (
                Appointment.objects.filter(school=school, role__in=[Role.CLERK, Role.PRINCIPAL])
                .order_by("role", "pk")
                .select_related("staff")
                .first()
            )
            if holder is None:
                continue
            key, cert = pki.issue_organisation(school.name)
            actions.register_pkcs12(
                by=None,
                staff=holder.staff,
                pkcs12=pki.export_pkcs12(key, cert, password),
                password=password,
                label=f"Con dấu số DEMO — {school.name}",
                school=school,
                for_organisation=True,
                channel=Channel.CLI,
            )
            seals += 1
        self.stdout.write(
            f"Demo PKI in {directory}: {personal} personal and {seals} school credentials"
            f" (password {password!r}); {retired} earlier demo credentials retired."
        )

    def _export_roots(self, *, out: str, **_options: Any) -> None:
        configured = trust.trusted_roots_file()
        if configured:
            pem = Path(configured).read_bytes()
        else:
            try:
                pem = trust.demo_pki().export_roots_pem()
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None
        if out == "-":
            sys.stdout.write(pem.decode())
        else:
            Path(out).write_bytes(pem)
            self.stdout.write(f"Wrote the trusted roots to {out}.")

    def _serve(self, *, port: int, host: str, **_options: Any) -> None:
        from hocbaso.signing.testing.services import PKIServices

        try:
            pki = trust.demo_pki()
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        services = PKIServices(pki, host=host, port=port).start()
        self.stdout.write(f"Demo TSA/CRL/OCSP on {services.url} (TSA {services.tsa_url}); Ctrl-C stops.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            services.stop()
