from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "hocbaso.directory"
    label = "directory"

    def ready(self) -> None:
        from hocbaso.core import home
        from hocbaso.directory.home import sections

        home.register(sections)
