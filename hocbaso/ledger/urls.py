"""Mounted by config/urls.py as ``path("ledger/", include("hocbaso.ledger.urls"))``."""

from django.urls import path

from hocbaso.ledger import views

app_name = "ledger"
urlpatterns = [
    path("tree-head", views.tree_head, name="tree-head"),
    path("tree-head/<int:size>", views.tree_head_of, name="tree-head-of"),
    path("entries/<int:index>", views.entry, name="entry"),
    path("proof/inclusion", views.inclusion, name="inclusion"),
    path("proof/consistency", views.consistency, name="consistency"),
    path("public-key", views.public_key, name="public-key"),
]
