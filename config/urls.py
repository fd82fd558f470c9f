"""URL wiring. Every view reachable here carries a permission rule (see core/permissions.py)."""

from django.contrib import admin
from django.urls import include, path

from hocbaso.accounts.views import admin_login

urlpatterns = [
    # First: the public verify path is the busiest (code lookups), and no other pattern starts with "verify".
    path("", include("hocbaso.verification.urls")),
    path("admin/login/", admin_login),  # throttled, audited sign-in for the admin too
    path("admin/", admin.site.urls),
    path("", include("hocbaso.accounts.urls")),
    path("", include("hocbaso.core.urls")),
    path("", include("hocbaso.directory.urls")),
    path("", include("hocbaso.assessments.urls")),
    path("", include("hocbaso.api.urls")),
    path("ledger/", include("hocbaso.ledger.urls")),
    path("", include("hocbaso.signing.urls")),
    path("", include("hocbaso.records.urls")),
    path("", include("hocbaso.transfers.urls")),
    path("", include("hocbaso.portal.urls")),
    path("", include("hocbaso.reporting.urls")),
    path("", include("hocbaso.reporting.ministry.urls")),
    path("", include("hocbaso.reporting.readiness.urls")),
]
