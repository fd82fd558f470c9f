from django.urls import path

from hocbaso.assessments import views

app_name = "assessments"
urlpatterns = [
    path("classes/<int:pk>/assessments/", views.grid_current, name="grid_current"),
    path("classes/<int:pk>/assessments/<str:point>/", views.grid, name="grid"),
    path("classes/<int:pk>/assessments/<str:point>/cells/", views.cells_batch, name="cells"),
    path("classes/<int:pk>/assessments/<str:point>/cell/", views.cell_save, name="cell"),
    path("classes/<int:pk>/assessments/<str:point>/template.xlsx", views.import_template, name="import_template"),
    path("classes/<int:pk>/assessments/<str:point>/import/", views.import_upload, name="import"),
    path("classes/<int:pk>/summary/<str:point>/", views.summary_page, name="summary"),
    path("classes/<int:pk>/results/", views.results_page, name="results"),
    path("classes/<int:pk>/year-page/", views.year_details_page, name="year_details"),
    path("schools/<int:school_pk>/entry-windows/", views.windows_page, name="windows"),
    path("schools/<int:school_pk>/entry-progress/", views.progress_page, name="progress"),
    path("schools/<int:school_pk>/comment-bank/", views.comment_bank, name="comment_bank"),
    path("students/<int:pk>/assessment-history/", views.student_history, name="history"),
]
