from django.urls import URLPattern, URLResolver, path

from hocbaso.reporting import views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.index, name="index"),
    path("reports/units/<int:pk>/", views.unit, name="unit"),
    path("reports/units/<int:pk>/generate/", views.unit_generate, name="unit_generate"),
    path("reports/units/<int:pk>/seal/", views.unit_seal, name="unit_seal"),
    path("reports/schools/<int:pk>/", views.school, name="school"),
    path("reports/schools/<int:pk>/generate/", views.school_generate, name="school_generate"),
    path("reports/classes/<int:pk>/", views.class_detail, name="class"),
    path("reports/runs/<int:pk>/", views.run_detail, name="run"),
    path("reports/runs/<int:pk>/<str:kind>/", views.run_file, name="run_file"),
]
