"""The ``peerway`` command: Django's management commands under one name.

``peerway seed``, ``peerway worker`` and ``peerway serve`` are Peerway's own; every other Django command
(``peerway migrate``, ``peerway createsuperuser``, …) works too. ``peerway match`` runs without Django.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

NOT_MIGRATED = "The database is not fully migrated: run `peerway migrate` first."


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["match"]:
        # Matching on files needs no settings, secrets or database: it runs before (and without) Django.
        from peerway.matching.command_line import main as match_main

        sys.exit(match_main(arguments[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    from peerway.env import SettingError

    try:
        from django.core.management import execute_from_command_line
        from django.db import OperationalError, ProgrammingError

        if _help_requested(arguments):
            _settings_for_help()
        execute_from_command_line(["peerway", *arguments])
    except SettingError as exc:
        sys.stderr.write(f"peerway: {exc}\n")
        sys.exit(2)
    except (OperationalError, ProgrammingError) as exc:
        # A database never migrated: "no such table" (SQLite, an OperationalError) or "relation does not exist"
        # (PostgreSQL, a ProgrammingError). `--traceback` still shows the error itself.
        if "--traceback" in arguments:
            raise
        if arguments[:1] != ["migrate"] and _has_unapplied_migrations():
            _fail(NOT_MIGRATED)
        if isinstance(exc, ProgrammingError):
            # Not a missing migration: a bug, whose traceback is worth having.
            raise
        # A database that is down, unreachable or refusing the account: one sentence, not a traceback.
        # The driver's message names the host and port, never a password.
        _fail(
            f"the database could not be used ({' '.join(str(exc).split())}). "
            "Check DATABASE_URL and that the database server is running."
        )


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"peerway: {message}\n")
    sys.exit(1)


def _has_unapplied_migrations() -> bool:
    """Whether the default database lacks migrations; False when that cannot be told (the server is down)."""
    try:
        from django.db import DEFAULT_DB_ALIAS, connections
        from django.db.migrations.executor import MigrationExecutor

        connection = connections[DEFAULT_DB_ALIAS]
        # The failed command may have left its connection unusable (PostgreSQL's aborted transaction).
        connection.close()
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception:  # The check is a hint: the original error is reported whatever this raises.
        return False


def _help_requested(arguments: list[str]) -> bool:
    """Whether the command line asks only for help: `peerway`, `peerway help …`, or -h/--help before any `--`."""
    if not arguments or arguments[0] == "help":
        return True
    options = arguments[: arguments.index("--")] if "--" in arguments else arguments
    return "-h" in options or "--help" in options


def _settings_for_help() -> None:
    """Let help show when production's settings are incomplete (no SECRET_KEY yet, say).

    The settings are loaded again in test mode, whose throwaway keys protect nothing; so that no command
    can run on them (an argument that only looked like a request for help), every command's execute()
    raises the original error instead: argparse prints the help and exits before execute() is called.
    """
    from django.conf import settings
    from django.core.management.base import BaseCommand

    from peerway.env import SettingError

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings module)
    except SettingError as exc:
        error = exc
    else:
        return
    os.environ["PEERWAY_MODE"] = "test"

    def refuse(self: BaseCommand, *args: Any, **options: Any) -> NoReturn:
        raise error

    BaseCommand.execute = refuse  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
