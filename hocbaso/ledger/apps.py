from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "hocbaso.ledger"
    label = "ledger"
