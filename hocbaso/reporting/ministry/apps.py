from django.apps import AppConfig


class MinistryConfig(AppConfig):
    """The submission of records to the Ministry's record store (Kho học bạ số): its own app inside
    the reporting layer, so its models and migrations stay apart from the dashboards'."""

    name = "hocbaso.reporting.ministry"
    label = "ministry"
    verbose_name = "Ministry export"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.reporting.ministry.home import sections

        home.register(sections)
