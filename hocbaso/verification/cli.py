"""The offline verifier: ``hocbaso verify FILE`` or ``python -m hocbaso.verification.cli FILE``.

Runs without the server and without a database. Inputs: the file (PDF or XML), the deployment's
trust bundle (``--trust``, downloaded from ``/verify/trust-bundle.json``), optionally its latest
signed tree head (``--tree-head``, from ``/ledger/tree-head``) and the registry's answers for the
record (``--registry``, from ``/api/v1/verify/registry/<code>``: hashes, status, signer roles and
the ledger proof). Without registry answers the checks that need them cannot run, so the outcome
is at best "cannot determine": an offline verifier never says "valid" on the file alone.

``--paper TEXT`` checks the text of a printed page's paper-seal QR code instead of a file.

Exit status: 0 valid, 1 invalid, 2 cannot determine (also for unreadable inputs).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from hocbaso.verification import core

EXIT = {"valid": 0, "invalid": 1, "cannot_determine": 2}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hocbaso verify", description="Xác minh học bạ số (ngoại tuyến).")
    p.add_argument("file", nargs="?", help="PDF or XML record file")
    p.add_argument("--trust", help="trust bundle (JSON) of the deployment")
    p.add_argument("--tree-head", dest="tree_head", help="signed tree head (JSON, /ledger/tree-head)")
    p.add_argument("--registry", help="registry answers for the record (JSON, /api/v1/verify/registry/<code>)")
    p.add_argument("--paper", help="text of a printed page's paper-seal QR code (instead of a file)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def _bare_settings() -> None:
    """Lazy translated messages of the record modules need *some* settings to render; no database."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False, DATABASES={}, INSTALLED_APPS=[])


def _read_json(path: str) -> Any:
    return json.loads(Path(path).read_bytes().decode("utf-8"))


def run(argv: Sequence[str], *, out: TextIO, default_trust: core.TrustStore | None = None) -> int:
    """Parse ``argv``, verify, print (text or JSON) to ``out``; return the exit status."""
    from hocbaso.verification.trust import BundleInvalid, load_bundle

    args = parser().parse_args(list(argv))
    seals: tuple[Any, ...] = ()
    try:
        if args.trust:
            bundle = load_bundle(Path(args.trust).read_bytes())
            trust, seals = bundle.trust, bundle.seals
        elif default_trust is not None:
            trust = default_trust
        else:
            raise BundleInvalid("--trust BUNDLE is required")
        tree_head = core.SignedTreeHead.from_json(_read_json(args.tree_head)) if args.tree_head else None
        answers = core.RegistryAnswers.from_json(_read_json(args.registry)) if args.registry else None
        if args.paper:
            from hocbaso.verification import paper

            report = paper.verify_paper(args.paper, trust=trust, seals=seals)
        elif args.file:
            document = Path(args.file).read_bytes()
            report = core.verify(document, trust=trust, registry=answers, tree_head=tree_head)
        else:
            raise BundleInvalid("give a FILE or --paper TEXT")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        out.write(f"{core.TEXTS['cannot_determine']}: {exc}\n")
        return EXIT["cannot_determine"]
    if args.json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        out.write(render_text(report))
    return EXIT[report.outcome]


def render_text(report: core.Report) -> str:
    """The report in plain Vietnamese: outcome and reason first, then each check."""
    lines = [f"{core.TEXTS[report.outcome].upper()}: {core.text_of(report.reason, report.reason_params)}"]
    if report.demo:
        lines.append("(Bộ tin cậy DEMO — không có giá trị pháp lý)")
    doc = report.document
    if doc and doc.issuance_code:
        lines.append(f"Mã phát hành: {doc.issuance_code}")
        if doc.student_name:
            lines.append(f"Học sinh: {doc.student_name} ({doc.date_of_birth or ''})")
        if doc.school_name:
            klass = f", lớp {doc.class_name}" if doc.class_name else ""  # a paper seal carries no class
            lines.append(f"Trường: {doc.school_name} — năm học {doc.school_year or ''}{klass}")
    for signature in report.signatures:
        when = signature.signing_time.isoformat(timespec="seconds") if signature.signing_time else "?"
        lines.append(f"Chữ ký {signature.role}: {signature.signer_name or '?'} {signature.title or ''} — {when}")
    mark = {"passed": "✓", "failed": "✗", "not_checked": "?"}
    for check in report.checks:
        lines.append(f"  {mark[check.status]} {check.name}: {check.text}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    _bare_settings()
    return run(sys.argv[1:] if argv is None else argv, out=sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
