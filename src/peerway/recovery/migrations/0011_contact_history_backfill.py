"""Co-signs and goal words of the contact versions written before 0010, recovered from the change history.

0010 gave each co-sign a row of the version it signed, and each version the words of its goals as written, but copied
only the co-sign a contact held at the time and left the older versions' words empty, so that a version co-signed,
billed and then corrected before the upgrade said nobody co-signed it, and rewording a goal still rewrote what the
versions written before the upgrade said. Both are in the history django-simple-history keeps: every saved state of
a contact (with its co-signed version, who co-signed it and when) and of a goal (with its words and when they were
saved).
"""

import json
from collections import defaultdict

from django.db import migrations

CHUNK = 2000


def cosigns_from_history(apps, schema_editor):
    """A co-sign the history recorded for a version that has none: the first one recorded for it."""
    HistoricalContact = apps.get_model("recovery", "HistoricalContact")
    ContactCosign = apps.get_model("recovery", "ContactCosign")
    signed = set(ContactCosign.objects.values_list("version_id", flat=True))
    states = (
        HistoricalContact.objects.filter(
            cosigned_version__isnull=False, cosigned_by__isnull=False, cosigned_at__isnull=False
        )
        .order_by("cosigned_at", "history_id")
        .values_list("cosigned_version_id", "cosigned_by_id", "cosigned_at")
    )
    batch = []
    for version_id, user_id, at in states.iterator(chunk_size=CHUNK):
        if version_id in signed:
            continue
        signed.add(version_id)
        batch.append(ContactCosign(version_id=version_id, signed_by_id=user_id, signed_at=at))
        if len(batch) == CHUNK:
            ContactCosign.objects.bulk_create(batch)
            batch = []
    ContactCosign.objects.bulk_create(batch)


def goal_words_from_history(apps, schema_editor):
    """Each version naming goals and without their words gets them as the goals read when it was written (the
    latest saved state of each goal at the version's time, else the earliest one known, else today's words)."""
    ContactVersion = apps.get_model("recovery", "ContactVersion")
    PlanGoal = apps.get_model("recovery", "PlanGoal")
    HistoricalPlanGoal = apps.get_model("recovery", "HistoricalPlanGoal")
    Link = ContactVersion.goals.through
    versions = ContactVersion.objects.filter(goal_words__isnull=True, goals__isnull=False).distinct().order_by("pk")
    version_ids = list(versions.values_list("pk", flat=True))
    for start in range(0, len(version_ids), CHUNK):
        chunk = version_ids[start : start + CHUNK]
        created = dict(ContactVersion.objects.filter(pk__in=chunk).values_list("pk", "created_at"))
        links = defaultdict(list)
        for version_id, goal_id in Link.objects.filter(contactversion_id__in=chunk).values_list(
            "contactversion_id", "plangoal_id"
        ):
            links[version_id].append(goal_id)
        goal_ids = {goal_id for goal_ids in links.values() for goal_id in goal_ids}
        states = defaultdict(list)  # goal id: (saved at, words), oldest first
        for goal_id, at, words in (
            HistoricalPlanGoal.objects.filter(id__in=goal_ids)
            .order_by("history_date", "history_id")
            .values_list("id", "history_date", "description")
        ):
            states[goal_id].append((at, words))
        today = dict(PlanGoal.objects.filter(pk__in=goal_ids).values_list("pk", "description"))
        changed = []
        for version_id, goal_ids_of_version in links.items():
            words = {}
            for goal_id in goal_ids_of_version:
                known = states.get(goal_id, [])
                before = [text for at, text in known if at <= created[version_id]]
                words[str(goal_id)] = before[-1] if before else known[0][1] if known else today.get(goal_id, "")
            changed.append(ContactVersion(pk=version_id, goal_words=json.dumps(words)))
        ContactVersion.objects.bulk_update(changed, ["goal_words"])


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0010_contact_cosign_and_goal_words"),
    ]

    operations = [
        migrations.RunPython(cosigns_from_history, migrations.RunPython.noop),
        migrations.RunPython(goal_words_from_history, migrations.RunPython.noop),
    ]
