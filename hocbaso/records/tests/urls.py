"""The project's URLs plus the records pages, for tests that run before the lead wires them in."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

_included = any(getattr(p, "namespace", None) == "records" for p in project_urlpatterns)
urlpatterns = list(project_urlpatterns) + ([] if _included else [path("", include("hocbaso.records.urls"))])
