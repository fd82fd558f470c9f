from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "hocbaso.signing"
    label = "signing"

    def ready(self) -> None:
        from hocbaso.signing import audit_names

        audit_names.register()
        from hocbaso.core import home
        from hocbaso.signing.home import sections

        home.register(sections)
