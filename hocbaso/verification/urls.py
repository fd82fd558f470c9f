"""Mounted by config/urls.py as ``path("", include("hocbaso.verification.urls"))``."""

from django.urls import path

from hocbaso.verification import views

app_name = "verification"
urlpatterns = [
    path("verify", views.verify, name="verify"),
    path("verify/", views.verify),
    path("verify/trust-bundle.json", views.trust_bundle, name="trust-bundle"),
    path("verify/tree-head.json", views.tree_head, name="tree-head"),
    path("verify/<str:code>", views.verify_code, name="code"),
    path("verify/<str:code>/scan.pdf", views.verify_scan, name="scan"),
]
