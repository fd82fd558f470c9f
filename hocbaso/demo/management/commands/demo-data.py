"""``hocbaso demo-data --seed N``: load the demo province (safe to run again)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from hocbaso.audit import actions as audit
from hocbaso.demo import assessments_data, directory_data, paper_books, portal_data
from hocbaso.demo.second_factor import DEMO_KEY_BASE32, give_demo_devices
from hocbaso.directory.models import School


class Command(BaseCommand):
    help = "Load the deterministic demo province (Quảng Ngãi) and print one demo login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data")

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        started = time.monotonic()
        if School.objects.filter(code=directory_data.SCHOOLS[0].code).exists():
            self.stdout.write("Demo data already loaded; nothing changed.")
            accounts = _known_accounts()
        else:
            with transaction.atomic():
                accounts = directory_data.load(seed)
                counts = assessments_data.load(seed)
                paper = paper_books.load(seed)
                audit.record(
                    by=None,
                    action="demo.load",
                    object_type="demo",
                    object_id=str(seed),
                    channel="cli",
                    changes={"seed": [None, seed]},
                )
            self.stdout.write(
                f"Demo directory and assessments loaded in {time.monotonic() - started:.1f} s (seed {seed})."
            )
            self.stdout.write(
                "2024-2025 results: {htxs} HTXS, {htt} HTT, {ht} HT, {cht} CHT after remediation "
                "({remediated} remediated); {entries} assessment cells.".format(**{"cht": 0, **counts})
            )
            self.stdout.write(
                f"Paper records (An Vĩnh, {paper_books.YEAR}): {paper['students']} summaries entered, "
                f"{paper['books']} paper books recorded as signed and stamped."
            )
        give_demo_devices()  # also for a demo database loaded before the second factor existed
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {directory_data.DEMO_PASSWORD}):")
        for role, username, scope in accounts.rows:
            self.stdout.write(f"  {role:<45} {username:<32} {scope}")
        family = portal_data.ensure()
        self.stdout.write(
            f"  {'Family (guardian), at /family/login/':<45} {family.login:<32} "
            f"{family.child.full_name}, 3A 2024-2025, {directory_data.SCHOOLS[0].name}"
        )
        self.stdout.write(
            f"Family letter to activate at /family/activate/: code {family.letter_code} with the birth date "
            f"{family.letter_child.date_of_birth:%d/%m/%Y} of {family.letter_child.full_name} (new on every run)."
        )
        self.stdout.write("")
        self.stdout.write(
            "Signers, officers and the operator also give a six-digit code: add the demo key "
            f"{DEMO_KEY_BASE32} to an authenticator app, or run `hocbaso demo-otp` for the current code."
        )


def _known_accounts() -> directory_data.DemoAccounts:
    """The same table as a fresh load prints, rebuilt from the stored data."""
    from hocbaso.directory.models import Appointment, Role

    accounts = directory_data.DemoAccounts()
    first = School.objects.get(code=directory_data.SCHOOLS[0].code)
    accounts.rows.append(("Operator (superuser)", "admin", "everything"))
    for appointment in (
        Appointment.objects.filter(role=Role.UNIT_OFFICER).select_related("staff__user", "unit").order_by("pk")
    ):
        accounts.rows.append(
            ("Unit officer", appointment.staff.user.username, appointment.unit.name if appointment.unit else "")
        )
    for role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK):
        held = Appointment.objects.filter(role=role, school=first).select_related("staff__user").first()
        if held:
            accounts.rows.append((str(role.label), held.staff.user.username, first.name))
    homeroom = (
        Appointment.objects.filter(role=Role.HOMEROOM_TEACHER, class_group__school=first, class_group__name="3A")
        .select_related("staff__user")
        .first()
    )
    if homeroom:
        accounts.rows.append(("Homeroom teacher of 3A", homeroom.staff.user.username, f"3A, {first.name}"))
    return accounts
