"""The ``peerway`` command: Django's management commands under one name.

``peerway seed``, ``peerway worker`` and ``peerway serve`` are Peerway's own; every other Django command
(``peerway migrate``, ``peerway createsuperuser``, …) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    from peerway.env import SettingError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["peerway", *(sys.argv[1:] if argv is None else argv)])
    except SettingError as exc:
        sys.stderr.write(f"peerway: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
