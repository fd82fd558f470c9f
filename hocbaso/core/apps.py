from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hocbaso.core"
    label = "core"
