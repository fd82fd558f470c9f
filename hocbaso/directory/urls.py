from django.urls import path

from hocbaso.directory import staff_account_views, views

app_name = "directory"
urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/<int:pk>/", views.school_detail, name="school"),
    path("schools/<int:pk>/audit/", views.school_audit, name="school_audit"),
    path("schools/<int:school_pk>/students/new/", views.student_create, name="student_create"),
    path("schools/<int:school_pk>/appointments/new/", views.appointment_create, name="appointment_create"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("students/<int:pk>/edit/", views.student_edit, name="student_edit"),
    path("students/<int:pk>/enrol/", views.enrolment_create, name="enrolment_create"),
    path("staff/passwords/", staff_account_views.password_reset, name="password_reset"),
]
