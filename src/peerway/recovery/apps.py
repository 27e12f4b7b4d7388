from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "peerway.recovery"
    label = "recovery"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from peerway.recovery.services.checkins import instruments_load_on_migrate

        # Peerway's own check-in instrument is reference data, loaded like the vocabularies.
        post_migrate.connect(instruments_load_on_migrate, sender=self)
