from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "hocbaso.reporting.readiness"
    label = "readiness"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.reporting.readiness.home import sections

        home.register(sections)
