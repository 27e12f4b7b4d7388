from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "peerway.recovery"
    label = "recovery"
