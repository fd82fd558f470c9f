"""The ledger's URLs mounted as config/urls.py mounts them, for the view tests."""

from django.urls import include, path

urlpatterns = [path("ledger/", include("hocbaso.ledger.urls"))]
