from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "peerway.api"
    label = "peerway_api"
