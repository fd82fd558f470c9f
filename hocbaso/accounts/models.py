"""The login. What a user may do comes from their staff appointments (directory), not from here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login; ``display_name`` is the person's full Vietnamese name, shown in the interface."""

    display_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Set when someone else reset the password: the next session must choose a new one first.
    password_change_required = models.BooleanField(_("must choose a new password"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 of the secret is stored; the secret is
    shown once when created. ``prefix`` (the first 8 characters) identifies it in lists."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"
