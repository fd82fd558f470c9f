from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "hocbaso.reporting"
    label = "reporting"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.reporting.home import sections

        home.register(sections)
