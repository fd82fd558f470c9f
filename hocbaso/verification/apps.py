from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "hocbaso.verification"
    label = "verification"
