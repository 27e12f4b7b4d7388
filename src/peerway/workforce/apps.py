from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "peerway.workforce"
    label = "workforce"
