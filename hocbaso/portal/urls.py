"""Mounted by config/urls.py as ``path("", include("hocbaso.portal.urls"))``."""

from django.urls import path

from hocbaso.portal import views

app_name = "portal"
urlpatterns = [
    path("family/", views.home, name="home"),
    path("family/activate/", views.activate, name="activate"),
    path("family/login/", views.FamilyLoginView.as_view(), name="login"),
    path("family/children/<int:pk>/", views.child, name="child"),
    path("family/children/<int:pk>/files/<str:code>.pdf", views.child_file, {"kind": "pdf"}, name="child_pdf"),
    path("family/children/<int:pk>/files/<str:code>.xml", views.child_file, {"kind": "xml"}, name="child_xml"),
    path("family/children/<int:pk>/share/", views.share_create, name="share_create"),
    path("family/shares/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    path("family/consents/<int:pk>/answer/", views.consent_answer, name="consent_answer"),
    path("s/<str:token>", views.share, name="share"),
    path("s/<str:token>/<str:code>.pdf", views.share_file, {"kind": "pdf"}, name="share_pdf"),
    path("s/<str:token>/<str:code>.xml", views.share_file, {"kind": "xml"}, name="share_xml"),
    path("portal/letters/", views.letters_home, name="letters"),
    path("portal/classes/<int:pk>/letters/", views.class_letters, name="class_letters"),
    path("portal/students/<int:pk>/access/", views.student_access, name="student"),
    path("portal/access/<int:pk>/revoke/", views.access_revoke, name="access_revoke"),
]
