"""`peerway instrument import FILE [--organization SLUG]`: load a FHIR R4B Questionnaire as an instrument.

Without --organization the instrument is offered to every organization (Peerway's own kind); with it, only
to that organization (for an official instrument it is licensed to use).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerway.organizations.models import Organization
from peerway.recovery.instruments.fhir import FhirInvalid
from peerway.recovery.services.checkins import InstrumentExists, instrument_import


class Command(BaseCommand):
    help = "Load a FHIR R4B Questionnaire (JSON) as a check-in instrument."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Load a Questionnaire JSON file.")
        load.add_argument("file", type=Path)
        load.add_argument("--organization", metavar="SLUG", help="Load it for this organization only.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        organization = None
        if options.get("organization"):
            try:
                organization = Organization.objects.get(slug=options["organization"])
            except Organization.DoesNotExist:
                raise CommandError(f"No organization with slug {options['organization']!r}.") from None
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            instrument = instrument_import(raw, organization=organization)
        except FhirInvalid as error:
            raise CommandError(
                f"{path} is not a usable Questionnaire:\n" + "\n".join(f"  {p}" for p in error.problems)
            ) from None
        except InstrumentExists as error:
            raise CommandError(str(error)) from None
        where = organization.name if organization else "every organization"
        self.stdout.write(f"Loaded {instrument.title} (version {instrument.version}) for {where}.")
