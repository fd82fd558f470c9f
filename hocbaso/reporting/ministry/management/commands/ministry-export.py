"""``hocbaso ministry-export …``: the Sở's submissions to the Ministry's record store.

- ``department --unit CODE --code MASOGD --name NAME --user OPERATOR`` — set a province's Sở up;
- ``seal --department MASOGD --user U --pkcs12 FILE --label L`` — register the Sở's seal
  (password from ``HOCBASO_SEAL_PASSWORD``);
- ``preview --department MASOGD --year YYYY-YYYY [--full]`` — the counts a batch would hold;
- ``prepare --department MASOGD --year YYYY-YYYY --user U [--full] [--no-send]`` — seal a batch
  (the seal's password from ``HOCBASO_SEAL_PASSWORD``; in demo mode the demo password) and send it,
  printing each step;
- ``send (--pending | --id N)`` — send batches not answered yet (cron: ``--pending`` every few
  minutes retries those the store could not be reached for; the same bytes, never a duplicate);
- ``log --department MASOGD`` — the batches and their answers (counts and codes only);
- demo mode only: ``demo-seal --department MASOGD --user U`` issues the Sở's seal from the demo PKI
  and registers it; ``serve [--port 8790]`` runs the simulated Ministry store on loopback (the
  demo root trusted, each Sở's registered seal expected; token ``HOCBASO_MINISTRY_TOKEN``).

``--user`` names the person acting (their appointments decide, as on the web). A refusal exits with
status 1 and prints its stable code and Vietnamese message; nothing is written then.
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
from hocbaso.directory.models import AdministrativeUnit, SchoolYear
from hocbaso.reporting.ministry import actions, answers
from hocbaso.reporting.ministry.models import SENDABLE, Department, Submission
from hocbaso.signing import trust as signing_trust


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"unknown user {username!r}")
    return user


def _department(code: str) -> Department:
    found = Department.objects.select_related("unit", "seal").filter(code=code).first()
    if found is None:
        raise CommandError(f"unknown department code {code!r}")
    return found


def _year(code: str) -> SchoolYear:
    found = SchoolYear.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"unknown school year {code!r}")
    return found


def _password() -> str:
    return os.environ.get("HOCBASO_SEAL_PASSWORD") or signing_trust.demo_pkcs12_password()


class Command(BaseCommand):
    help = "Records to the Ministry's store: department, seal, preview, prepare, send, log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        department = sub.add_parser("department")
        department.add_argument("--unit", required=True)
        department.add_argument("--code", required=True)
        department.add_argument("--name", required=True)
        department.add_argument("--user", required=True)
        seal = sub.add_parser("seal")
        seal.add_argument("--department", required=True)
        seal.add_argument("--user", required=True)
        seal.add_argument("--pkcs12", required=True)
        seal.add_argument("--label", required=True)
        for name in ("preview", "prepare"):
            parsed = sub.add_parser(name)
            parsed.add_argument("--department", required=True)
            parsed.add_argument("--year", required=True)
            parsed.add_argument("--full", action="store_true")
        prepare = sub.choices["prepare"]
        prepare.add_argument("--user", required=True)
        prepare.add_argument("--no-send", action="store_true")
        send = sub.add_parser("send")
        which = send.add_mutually_exclusive_group(required=True)
        which.add_argument("--pending", action="store_true")
        which.add_argument("--id", type=int)
        log = sub.add_parser("log")
        log.add_argument("--department", required=True)
        demo_seal = sub.add_parser("demo-seal")
        demo_seal.add_argument("--department", required=True)
        demo_seal.add_argument("--user", required=True)
        serve = sub.add_parser("serve")
        serve.add_argument("--port", type=int, default=8790)

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("vi")
        try:
            getattr(self, "_" + options["operation"].replace("-", "_"))(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _department(self, options: dict[str, Any]) -> None:
        unit = AdministrativeUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"unknown unit {options['unit']!r}")
        found = actions.configure_department(
            by=_user(options["user"]), unit=unit, code=options["code"], name=options["name"]
        )
        self.stdout.write(f"{found.code} {found.name}")

    def _seal(self, options: dict[str, Any]) -> None:
        found = actions.register_seal(
            by=_user(options["user"]),
            department=_department(options["department"]),
            pkcs12=Path(options["pkcs12"]).read_bytes(),
            password=_password(),
            label=options["label"],
            channel=Channel.CLI,
        )
        assert found.seal is not None
        self.stdout.write(f"seal {found.seal.fingerprint}")

    def _preview(self, options: dict[str, Any]) -> None:
        shown = actions.preview(_department(options["department"]), _year(options["year"]), full=options["full"])
        self.stdout.write(
            f"schools {shown.schools}  issued {shown.issued}  held {shown.held}  to send {shown.to_send}  "
            f"waiting {shown.pending}"
        )
        for code, count in sorted(shown.problems.items()):
            self.stdout.write(f"  {code}: {count}")

    def _prepare(self, options: dict[str, Any]) -> None:
        self.stdout.write("mapping and sealing…")
        submission = actions.prepare(
            by=_user(options["user"]),
            department=_department(options["department"]),
            school_year=_year(options["year"]),
            authorisation=_password(),
            full=options["full"],
            channel=Channel.CLI,
        )
        self.stdout.write(f"batch {submission.batch_id}: {submission.row_count} rows, sha256 {submission.body_sha256}")
        if not options["no_send"]:
            self._report(actions.send(submission_id=submission.pk))

    def _send(self, options: dict[str, Any]) -> None:
        chosen = Submission.objects.filter(state__in=SENDABLE)
        if options["id"] is not None:
            chosen = Submission.objects.filter(pk=options["id"])
        for submission in chosen.order_by("created_at"):
            self.stdout.write(f"sending {submission.batch_id} (attempt {submission.attempts + 1})…")
            self._report(actions.send(submission_id=submission.pk))

    def _report(self, submission: Submission) -> None:
        self.stdout.write(
            f"{submission.batch_id}: {submission.state}  accepted {submission.accepted}  "
            f"unchanged {submission.unchanged}  refused {submission.rejected}"
        )
        for error in submission.errors:
            self.stdout.write(
                f"  {error.get('ref') or '-'}: {error.get('code')} {answers.reason(str(error.get('code')))}"
            )

    def _log(self, options: dict[str, Any]) -> None:
        for s in _department(options["department"]).submissions.select_related("school_year", "created_by"):
            self.stdout.write(
                f"{s.created_at:%d/%m/%Y %H:%M}  {s.school_year.code}  {s.batch_id}  {s.created_by.username}  "
                f"{s.row_count} rows  {s.state}  accepted {s.accepted}  unchanged {s.unchanged}  "
                f"refused {s.rejected}  attempts {s.attempts}  {s.body_sha256}"
            )

    def _demo_seal(self, options: dict[str, Any]) -> None:
        department = _department(options["department"])
        pki = signing_trust.demo_pki()  # refuses outside demo mode
        key, cert = pki.issue_organisation(department.name, locality=department.unit.name)
        found = actions.register_seal(
            by=_user(options["user"]),
            department=department,
            pkcs12=pki.export_pkcs12(key, cert, signing_trust.demo_pkcs12_password()),
            password=signing_trust.demo_pkcs12_password(),
            label="Con dấu số của Sở (demo)",
            channel=Channel.CLI,
        )
        assert found.seal is not None
        self.stdout.write(f"seal {found.seal.fingerprint}")

    def _serve(self, options: dict[str, Any]) -> None:
        import time

        from hocbaso.reporting.ministry import client
        from hocbaso.reporting.ministry.receiver import MinistryStore, MinistryTestServer
        from hocbaso.verification import core

        pki = signing_trust.demo_pki()  # the demo only: a stand-in for the Ministry's store
        seals = {d.code: d.seal.fingerprint for d in Department.objects.select_related("seal") if d.seal}
        store = MinistryStore(trust=core.TrustStore(roots=tuple(pki.roots()), demo=True), seals=seals)
        token = client.configured("HOCBASO_MINISTRY_TOKEN") or "demo"
        with MinistryTestServer(store, token=token, port=options["port"]) as server:
            self.stdout.write(f"simulated Ministry store at {server.url} (token {token!r}); Ctrl-C stops it")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
