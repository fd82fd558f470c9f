from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hocbaso.api"
    label = "api"
