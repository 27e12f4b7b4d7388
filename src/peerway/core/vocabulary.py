"""Loading the shared vocabularies and counties from their versioned fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

FIXTURES = Path(__file__).resolve().parent.parent
VOCABULARY_FILE = FIXTURES / "core" / "fixtures" / "vocabulary.json"
COUNTIES_FILE = FIXTURES / "organizations" / "fixtures" / "mn_counties.json"


@transaction.atomic
def vocabulary_load() -> int:
    """Add every term and county from the fixtures that is missing; return how many were added.

    Existing rows are left as they are, so labels edited in the admin survive a new deployment.
    """
    from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
    from peerway.organizations.models import County

    data = json.loads(VOCABULARY_FILE.read_text())
    added = 0
    sections: list[tuple[Any, str, tuple[str, ...]]] = [
        (Language, "languages", ("name_local",)),
        (Community, "communities", ("umbrella",)),
        (LivedExperience, "lived_experience", ()),
        (RecoveryPathway, "pathways", ()),
    ]
    for model, key, extra in sections:
        existing = set(model.objects.values_list("slug", flat=True))
        new = [
            model(
                slug=row["slug"],
                name=row["name"],
                labels=row.get("labels", {}),
                sort_order=position,
                **{field: row.get(field, "") for field in extra},
            )
            for position, row in enumerate(data[key])
            if row["slug"] not in existing
        ]
        model.objects.bulk_create(new)
        added += len(new)

    counties = json.loads(COUNTIES_FILE.read_text())
    existing_counties = set(County.objects.filter(state=counties["state"]).values_list("name", flat=True))
    new_counties = [
        County(state=counties["state"], name=row["name"], region=row["region"])
        for row in counties["counties"]
        if row["name"] not in existing_counties
    ]
    County.objects.bulk_create(new_counties)
    return added + len(new_counties)


def vocabulary_load_on_migrate(*, using: str = "default", **kwargs: object) -> None:
    # post_migrate also runs after `flush`, so a flushed database gets its reference data back.
    vocabulary_load()
