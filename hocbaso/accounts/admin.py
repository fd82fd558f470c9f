from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hocbaso.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Học bạ số", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_active", "is_staff")
