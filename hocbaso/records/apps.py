from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "hocbaso.records"
    label = "records"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.records.home import sections

        home.register(sections)
