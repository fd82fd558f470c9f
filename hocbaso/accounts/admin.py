from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hocbaso.accounts.models import User
from hocbaso.core.admin import ReadOnly


@admin.register(User)
class UserAdmin(ReadOnly, BaseUserAdmin):
    """Shown, never changed here: passwords are reset on /staff/passwords/ (audited, shown once),
    accounts are made with their appointments, and nobody becomes operator through a form."""

    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Học bạ số", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_active", "is_staff")


# Second-factor keys and recovery codes are shown once, at enrolment, and never again — not to the
# operator either: django-otp's own admin pages (which draw any key's QR code) are taken out.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
