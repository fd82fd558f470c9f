from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "hocbaso.audit"
    label = "audit"
