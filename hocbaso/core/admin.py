"""Admin helpers: workflow models are shown read-only; changes go through actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnly:
    """Mixed into a ``ModelAdmin``: lists and shows objects; adding, changing and deleting are
    refused (use the app's pages, which go through actions and the audit trail)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """A read-only ``ModelAdmin``."""
