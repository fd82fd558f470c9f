from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "hocbaso.signing"
    label = "signing"
