from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hocbaso.portal"
    label = "portal"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.portal.home import sections

        home.register(sections)
