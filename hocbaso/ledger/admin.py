"""Read-only admin views of the log: it is written only by ``actions.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hocbaso.ledger.models import LedgerEntry, TreeHead


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "leaf_hash", "created_at"]
    search_fields = ["leaf_hash"]


@admin.register(TreeHead)
class TreeHeadAdmin(ReadOnlyAdmin):
    list_display = ["size", "root_hash", "timestamp_ms", "key_id"]
