from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "peerway.certification"
    label = "certification"
    verbose_name = "Certification"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from peerway.certification.fixtures_load import standards_load_on_migrate

        post_migrate.connect(standards_load_on_migrate, sender=self)
