"""The first-call request each engagement began from, kept when the engagement lets go of it.

``help_request`` is unlinked when the person asks for a different peer (the next peer's engagement begins from the
same request), so the record lost which request it began from: its access history could not show who saw that
request, and the person's delete page could not tell them an organization keeps a record begun from it. Backfilled
from ``help_request`` and, for engagements already unlinked, from the change history django-simple-history keeps.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def began_from_history(apps, schema_editor):
    Engagement = apps.get_model("recovery", "Engagement")
    HistoricalEngagement = apps.get_model("recovery", "HistoricalEngagement")
    Engagement.objects.filter(help_request__isnull=False).update(began_from_request=F("help_request"))
    HelpRequest = apps.get_model("intake", "HelpRequest")
    existing = set(HelpRequest.objects.values_list("pk", flat=True))
    unlinked = set(Engagement.objects.filter(began_from_request__isnull=True).values_list("pk", flat=True))
    first: dict[int, int] = {}
    states = (
        HistoricalEngagement.objects.filter(help_request_id__isnull=False)
        .order_by("history_date", "history_id")
        .values_list("id", "help_request_id")
    )
    for engagement_id, request_id in states.iterator(chunk_size=2000):
        if engagement_id in unlinked and request_id in existing:
            first.setdefault(engagement_id, request_id)
    for engagement_id, request_id in first.items():
        Engagement.objects.filter(pk=engagement_id).update(began_from_request_id=request_id)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0011_alerts_resolved"),
        ("recovery", "0011_contact_history_backfill"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagement",
            name="began_from_request",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="intake.helprequest",
            ),
        ),
        migrations.AddField(
            model_name="historicalengagement",
            name="began_from_request",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="intake.helprequest",
            ),
        ),
        migrations.RunPython(began_from_history, migrations.RunPython.noop),
    ]
