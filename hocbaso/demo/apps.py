from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hocbaso.demo"
    label = "demo"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.demo.home import sections

        home.register(sections)
