from django.urls import path

from hocbaso.transfers import views

app_name = "transfers"
urlpatterns = [
    path("transfers/", views.transfer_list, name="list"),
    path("transfers/new/<int:student_pk>/", views.request_transfer, name="request"),
    path("transfers/<int:pk>/", views.transfer_detail, name="detail"),
    path("transfers/<int:pk>/decision.xml", views.decision_file, name="decision"),
]
