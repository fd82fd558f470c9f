from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "hocbaso.records"
    label = "records"

    def ready(self) -> None:
        from hocbaso.records import audit_names

        audit_names.register()
        from hocbaso.core import home
        from hocbaso.records.home import sections

        home.register(sections)
