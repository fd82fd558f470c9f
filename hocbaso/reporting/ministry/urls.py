from django.urls import URLPattern, path

from hocbaso.reporting.ministry import views

app_name = "ministry"

urlpatterns: list[URLPattern] = [
    path("reports/ministry/", views.home, name="home"),
    path("reports/ministry/<int:pk>/", views.department, name="department"),
    path("reports/ministry/<int:pk>/seal/", views.seal, name="seal"),
    path("reports/ministry/submissions/<int:pk>/", views.submission, name="submission"),
    path("reports/ministry/submissions/<int:pk>/retry/", views.retry, name="retry"),
]
