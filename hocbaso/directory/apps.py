from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "hocbaso.directory"
    label = "directory"
