"""Record pages. Include with ``path("", include("hocbaso.records.urls"))``."""

from django.urls import path

from hocbaso.records import views

app_name = "records"
urlpatterns = [
    path("records/versions/<int:pk>/", views.version_detail, name="version"),
    path("records/versions/<int:pk>/document.pdf", views.version_pdf, name="version_file"),
    path("records/versions/<int:pk>/corrections/", views.correction_create, name="correction_create"),
    path("records/corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("records/students/<int:pk>/", views.record_detail, name="record"),
    path("records/students/<int:pk>/booklet.pdf", views.booklet, name="booklet"),
    path("records/classes/<int:pk>/", views.class_records, name="class"),
    path("records/classes/<int:pk>/assemble/", views.class_assemble, name="class_assemble"),
    path("records/classes/<int:pk>/issued.zip", views.class_download, name="class_download"),
    path("records/classes/<int:pk>/print.pdf", views.class_print, name="class_print"),
    path("records/schools/<int:pk>/", views.school_records, name="school"),
    path("records/schools/<int:pk>/assemble/", views.school_assemble, name="school_assemble"),
    path("records/runs/<int:pk>/", views.run_detail, name="run"),
]
