"""Operators see family accesses and share links read-only, without their hashes."""

from django.contrib import admin

from hocbaso.core.admin import ReadOnlyAdmin
from hocbaso.portal import models


@admin.register(models.GuardianAccess)
class GuardianAccessAdmin(ReadOnlyAdmin):
    list_display = ("student", "code_hint", "state", "user", "issued_at", "activated_at", "revoked_at")
    list_filter = ("state",)
    exclude = ("code_hash",)


@admin.register(models.ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ("student", "label", "created_at", "expires_at", "revoked_at")
    exclude = ("token_hash", "pin_hash")


@admin.register(models.ShareOpening)
class ShareOpeningAdmin(ReadOnlyAdmin):
    list_display = ("link", "at", "viewer")
