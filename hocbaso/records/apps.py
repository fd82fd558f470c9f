from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "hocbaso.records"
    label = "records"
