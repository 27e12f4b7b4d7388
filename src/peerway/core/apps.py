from typing import Any

from django.apps import AppConfig


def cache_table_create(using: str = "default", verbosity: int = 1, **_: Any) -> None:
    """With PEERWAY_CACHE=database, `peerway migrate` creates the shared cache's table (createcachetable skips a
    table that exists)."""
    from django.conf import settings
    from django.core.management import call_command

    if any(cache["BACKEND"].endswith("DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))


def backends_check() -> None:
    """Every backend class a setting names can be imported, or startup stops with one sentence naming the variable
    (a misspelt class would otherwise pass ``peerway check`` and fail at the first email or text, as a 500)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from peerway.env import SettingError

    for name in ("EMAIL_BACKEND", "SMS_BACKEND"):
        path = getattr(settings, name)
        try:
            import_string(path)
        except ImportError as exc:
            raise SettingError(
                f"The environment variable {name} must name a class Peerway can import, not {path!r} ({exc})."
            ) from None


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

        backends_check()
        i18n.register_extra_languages()
        post_migrate.connect(vocabulary_load_on_migrate, sender=self)
        post_migrate.connect(cache_table_create, sender=self)
        # Every SQLite connection needs the Unicode case folding of peerway.core.casefold's lookups.
        connection_created.connect(sqlite_casefold_register, dispatch_uid="peerway_sqlite_casefold")
