"""``hocbaso api-token USERNAME --name NAME``: create an API token and print its secret once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.accounts.actions import create_token
from hocbaso.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for a user; the secret is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        _token, secret = create_token(by=None, user=user, name=name)
        self.stdout.write(secret)
