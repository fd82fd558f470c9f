"""Record pages. Include with ``path("", include("hocbaso.records.urls"))``."""

from django.urls import path

from hocbaso.records import digitising_views, paper_views, views

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
    path("records/paper/classes/<int:pk>/", paper_views.paper_class, name="paper_class"),
    path("records/paper/classes/<int:pk>/pages.pdf", paper_views.class_pages, name="paper_class_pages"),
    path(
        "records/paper/classes/<int:pk>/students/<int:student_pk>/pages.pdf",
        paper_views.student_pages,
        name="paper_student_pages",
    ),
    # digitising paper books (docs/digitising.md)
    path("records/schools/<int:pk>/digitising/", digitising_views.school_books, name="digitising"),
    path("records/schools/<int:pk>/digitising/scan/", digitising_views.scan_upload, name="digitising_scan"),
    path("records/digitising/<int:pk>/", digitising_views.book_detail, name="digitised_book"),
    path("records/digitising/<int:pk>/scan.pdf", digitising_views.book_scan, name="digitised_scan"),
    path("records/digitising/<int:pk>/transcribe/", digitising_views.book_transcribe, name="digitised_transcribe"),
    path("records/digitising/<int:pk>/compare/", digitising_views.book_compare, name="digitised_compare"),
    path("records/digitising/runs/<int:pk>/", digitising_views.run_detail, name="digitising_run"),
]
