"""Loading boards and credential types from the versioned JSON files in certification/fixtures/.

One file per board. A new state is a new file (and a test), no code change. Loading is idempotent: a board
is matched by slug and a credential type by (board, code, version); rows that exist are left as they are, so
changes made in the admin survive a deployment. A rule change is a new version in the file.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.db import transaction

from peerway.certification import rules

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _stamp(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)


@transaction.atomic
def standards_load_file(path: Path) -> int:
    """Add the board and credential types of one fixture file that are missing; return how many rows were added."""
    from peerway.certification.models import Board, CredentialType

    data: dict[str, Any] = json.loads(path.read_text())
    board_data = data["board"]
    # Timestamps come from the data, not the clock, so a flushed and re-seeded database is identical.
    earliest = min(_stamp(row["effective_from"]) for row in data["credential_types"])
    board, created = Board.objects.get_or_create(
        slug=board_data["slug"],
        defaults={key: board_data.get(key, "") for key in ("name", "jurisdiction", "website", "source_note")}
        | {"icrc_member": bool(board_data.get("icrc_member", False)), "created_at": earliest, "updated_at": earliest},
    )
    added = int(created)
    by_code: dict[str, CredentialType] = {}
    for row in data["credential_types"]:
        rules.RequirementSpec.from_json(row["requirements"])  # refuse a malformed file loudly
        credential_type, created = CredentialType.objects.get_or_create(
            board=board,
            code=row["code"],
            version=row.get("version", 1),
            defaults={
                "name": row["name"],
                "level": row.get("level", 1),
                "effective_from": _date(row["effective_from"]),
                "effective_to": _date(row.get("effective_to")),
                "reference_standard": bool(row.get("reference_standard", False)),
                "requirements": row["requirements"],
                "samhsa": row.get("samhsa", {}),
                "source": row.get("source", ""),
                "created_at": _stamp(row["effective_from"]),
                "updated_at": _stamp(row["effective_from"]),
            },
        )
        added += int(created)
        by_code[row["code"]] = credential_type
        if created and row.get("reciprocal_of"):
            credential_type.reciprocal_of = by_code[row["reciprocal_of"]]
            credential_type.save(update_fields=["reciprocal_of"])
    return added


def standards_load(directory: Path = FIXTURES_DIR) -> int:
    return sum(standards_load_file(path) for path in sorted(directory.glob("*.json")))


def standards_load_on_migrate(*, using: str = "default", **kwargs: object) -> None:
    standards_load()
