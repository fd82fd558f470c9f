from django.urls import path

from hocbaso.reporting.readiness import views

app_name = "readiness"

urlpatterns = [
    path("readiness/", views.rollup, name="rollup"),
    path("readiness/schools/<int:pk>/", views.school_readiness, name="school"),
    path("readiness/schools/<int:pk>/declare/", views.declare, name="declare"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/visits/new/", views.visit_new, name="visit_new"),
    path("supervision/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("supervision/visits/<int:pk>/correct/", views.visit_correct, name="visit_correct"),
    path("supervision/follow-ups/<int:pk>/<str:move>/", views.follow_up_move, name="follow_up_move"),
    path("guides/", views.guide_index, name="guides"),
    path("guides/mine/", views.my_guide, name="my_guide"),
    path("guides/<slug:role>/", views.guide, name="guide"),
    path("guides/<slug:role>/pdf/", views.guide_pdf, name="guide_pdf"),
]
