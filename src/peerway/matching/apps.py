from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "peerway.matching"
    label = "matching"
    verbose_name = "Matching"
