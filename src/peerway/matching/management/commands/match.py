"""``match solve`` as a Django command (``manage.py match solve``), the same as ``peerway match solve``.

``peerway match`` itself runs without Django (``peerway.cli`` hands it to ``peerway.matching.command_line``);
this command is for tools that call Django's management commands. See docs/matching.md.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peerway.matching.command_line import BAD_INPUT, BadInput, parser_configure, solve_files


class Command(BaseCommand):
    help = "The matching engine. `match solve` assigns a batch of requests to peers from a problem file."
    # Pure computation over files: no database, so no system or migration checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser_configure(parser.add_subparsers(dest="action", metavar="ACTION", required=True))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "solve":
            try:
                summary = solve_files(options["problem"], options["out"], options["emit_scores"], options["weights"])
            except BadInput as exc:
                raise CommandError(str(exc), returncode=BAD_INPUT) from exc
            self.stdout.write(summary)
