from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peerway.accounts"
    label = "accounts"
