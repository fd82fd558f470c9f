from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hocbaso.accounts"
    label = "accounts"
