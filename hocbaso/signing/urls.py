from django.urls import path

from hocbaso.signing import paper_mode_views, views

app_name = "signing"
urlpatterns = [
    path("signing/pending/", views.pending, name="pending"),
    path("signing/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("signing/batches/<int:pk>/continue/", views.batch_continue, name="batch_continue"),
    path("signing/certificates/expiring/", views.expiring, name="expiring"),
    path("signing/certificates/new/", views.register_certificate, name="register"),
    path("signing/app/", views.app_connection, name="app"),
    path("records/versions/<int:pk>/pdf/", views.version_pdf, name="version_pdf"),
    path("paper-mode/", paper_mode_views.paper_mode, name="paper_mode"),
]
