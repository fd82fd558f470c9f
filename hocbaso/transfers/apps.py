from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "hocbaso.transfers"
    label = "transfers"

    def ready(self) -> None:
        from hocbaso.transfers import audit_names

        audit_names.register()
        from hocbaso.core import home
        from hocbaso.transfers.home import sections

        home.register(sections)
