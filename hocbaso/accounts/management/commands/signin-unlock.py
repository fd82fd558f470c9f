"""``hocbaso signin-unlock USERNAME``: lift an account's lockouts now (sign-in, second factor,
certificate PINs); audited. Without it a lockout ends by itself after HOCBASO_LOCKOUT_MINUTES."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.accounts import throttle
from hocbaso.accounts.models import User
from hocbaso.accounts.signin import normalised
from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel


class Command(BaseCommand):
    help = "Lift the sign-in, second-factor and certificate lockouts of one account now (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        subjects = [
            throttle.Subject(throttle.sign_in_account(), normalised(username)),
            throttle.Subject(throttle.second_factor_account(), str(user.pk)),
            throttle.Subject(throttle.certificate_account(), str(user.pk)),
        ]
        lifted = [subject.limit.name for subject in subjects if throttle.unlock(subject)]
        audit.record(by=None, action="signin.unlocked", obj=user, changes={"lifted": lifted}, channel=Channel.CLI)
        self.stdout.write(f"{username}: " + (", ".join(lifted) if lifted else "was not locked"))
