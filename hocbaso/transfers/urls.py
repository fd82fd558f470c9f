from django.urls import path

from hocbaso.transfers import views

app_name = "transfers"
urlpatterns = [
    path("transfers/", views.transfer_list, name="list"),
    path("transfers/new/<int:student_pk>/", views.request_transfer, name="request"),
    path("transfers/<int:pk>/", views.transfer_detail, name="detail"),
    path("transfers/<int:pk>/decision.xml", views.decision_file, name="decision"),
    path("transfers/<int:pk>/bundle/", views.export_bundle, name="export"),
    path("transfers/<int:pk>/receipt/", views.import_receipt, name="receipt"),
    path("transfers/import/", views.import_bundle, name="import"),
    path("transfers/received/<int:pk>/", views.received_detail, name="received"),
    path("transfers/received/<int:pk>/<str:kind>/", views.received_file, name="received_file"),
    path("transfers/trust/", views.trust_page, name="trust"),
    path("transfers/admissions/", views.admissions, name="admissions"),
    path("transfers/admissions/<int:school_pk>/export/", views.admission_export, name="admission_export"),
]
