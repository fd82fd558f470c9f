from django.urls import path

from hocbaso.api.api import api

urlpatterns = [path("api/v1/", api.urls)]
