"""``hocbaso report-seal verify REPORT.pdf REPORT.xlsx REPORT.xlsx.seal.xml [--roots ROOTS.pem]``:
check a periodic report sealed with its unit's seal (``reporting.sealing.verify``): the PDF's PAdES
seal, the .xlsx's detached XAdES seal and its SHA-256, and that both carry the same certificate.

Trusted roots: ``--roots`` (PEM), else the deployment's (``HOCBASO_TRUSTED_ROOTS``, the demo root in
demo mode). Prints the outcome (valid, invalid, indeterminate), the signer of each file and the
reasons; exits 0 only for ``valid``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.reporting import sealing
from hocbaso.signing import pades
from hocbaso.signing.trust import default_trust


class Command(BaseCommand):
    help = "Check a sealed periodic report: the PDF, the .xlsx and the .xlsx's seal file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("pdf")
        verify.add_argument("xlsx")
        verify.add_argument("seal")
        verify.add_argument("--roots", help="trusted root certificates (PEM); default: the deployment's")

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(options[name]) for name in ("pdf", "xlsx", "seal")]
        for path in files:
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
        if options["roots"]:
            trust = pades.Trust.of(x509.load_pem_x509_certificates(Path(options["roots"]).read_bytes()))
        else:
            trust = default_trust()
        pdf, xlsx, seal = (path.read_bytes() for path in files)
        verdict = sealing.verify(pdf, xlsx, seal, trust)
        self.stdout.write(f"outcome: {verdict.outcome}")
        self.stdout.write(f"pdf sealed by: {verdict.pdf_signer or '-'} ({verdict.pdf_fingerprint or '-'})")
        self.stdout.write(f"xlsx sealed by: {verdict.xlsx_signer or '-'} ({verdict.xlsx_fingerprint or '-'})")
        for reason in verdict.reasons:
            self.stdout.write(f"reason: {reason}")
        if verdict.outcome != "valid":
            raise SystemExit(1)
