"""The login. What a user may do comes from their staff appointments (directory), not from here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login; ``display_name`` is the person's full Vietnamese name, shown in the interface."""

    display_name = models.CharField(_("full name"), max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username
