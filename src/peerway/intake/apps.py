from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "peerway.intake"
    label = "intake"
