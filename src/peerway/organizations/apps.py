from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "peerway.organizations"
    label = "organizations"
