from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "peerway.privacy"
    label = "privacy"
