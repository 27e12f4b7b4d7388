"""`peerway resources import FILE [--organization SLUG]`: load a resource CSV (docs/resources.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerway.organizations.models import Organization
from peerway.resources.selectors import resource_owner_for_import
from peerway.resources.services import ResourceImportRejected, resources_import


class Command(BaseCommand):
    help = "Manage the resource directory. `import FILE` loads a CSV: all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        importer = subcommands.add_parser("import", help="Import a CSV file of resources.")
        importer.add_argument("file", type=Path)
        importer.add_argument(
            "--organization",
            metavar="SLUG",
            help="The organization that owns the resources; without it they are shared state-wide.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        organization = None
        if options["organization"]:
            try:
                organization = Organization.objects.get(slug=options["organization"])
            except Organization.DoesNotExist:
                raise CommandError(f"No organization with slug {options['organization']!r}.") from None
            organization = resource_owner_for_import(organization)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            summary = resources_import(data=data, organization=organization)
        except ResourceImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(f"{path}:{error.line}: {error.reason}" if error.line else f"{path}: {error.reason}")
            raise CommandError(f"{len(rejected.errors)} problem(s) in {path}; nothing was imported.") from None
        owner = organization.name if organization else "shared (state-wide)"
        self.stdout.write(f"Imported into {owner}: {summary.created} new, {summary.updated} updated.")
