from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "hocbaso.reporting"
    label = "reporting"
