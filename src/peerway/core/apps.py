from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerway.core"
    label = "core"
    verbose_name = "Peerway core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from peerway.core import i18n
        from peerway.core.casefold import sqlite_casefold_register
        from peerway.core.vocabulary import vocabulary_load_on_migrate

        i18n.register_extra_languages()
        post_migrate.connect(vocabulary_load_on_migrate, sender=self)
        # Every SQLite connection needs the Unicode case folding of peerway.core.casefold's lookups.
        connection_created.connect(sqlite_casefold_register, dispatch_uid="peerway_sqlite_casefold")
