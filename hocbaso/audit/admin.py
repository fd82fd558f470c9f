from django.contrib import admin

from hocbaso.audit.models import AuditEvent
from hocbaso.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "channel")
    list_filter = ("action", "channel")
