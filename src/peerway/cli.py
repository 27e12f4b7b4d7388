"""The ``peerway`` command: Django's management commands under one name.

``peerway seed``, ``peerway worker`` and ``peerway serve`` are Peerway's own; every other Django command
(``peerway migrate``, ``peerway createsuperuser``, …) works too. ``peerway match`` runs without Django.
"""

from __future__ import annotations

import os
import sys


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
        from django.db import OperationalError

        execute_from_command_line(["peerway", *arguments])
    except SettingError as exc:
        sys.stderr.write(f"peerway: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        # A database that is down, unreachable or refusing the account: one sentence, not a traceback
        # (`--traceback` still shows it). The driver's message names the host and port, never a password.
        if "--traceback" in arguments:
            raise
        sys.stderr.write(
            f"peerway: the database could not be used ({' '.join(str(exc).split())}). "
            "Check DATABASE_URL and that the database server is running.\n"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
