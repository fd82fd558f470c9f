from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hocbaso.demo"
    label = "demo"
