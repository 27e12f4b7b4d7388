from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "peerway.resources"
    label = "resources"
