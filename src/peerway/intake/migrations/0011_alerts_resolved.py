"""Escalation alerts are resolved when their request stops waiting, and a request may be alerted again.

Nothing resolved an alert before: one stayed open after a peer accepted its request, came back to the supervisors'
queue when the person asked for a different peer, and a second escalation reused its row (its first sight was not
recorded again). The open alerts of requests that no longer wait, or that were sent to new peers after the alert,
are resolved here (at the time of the upgrade), and the one-alert rule holds for open alerts only.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Q
from django.utils import timezone


def resolve_stale_alerts(apps, schema_editor):
    EscalationAlert = apps.get_model("intake", "EscalationAlert")
    EscalationAlert.objects.filter(resolved_at__isnull=True).filter(
        ~Q(request__status="offered") | Q(request__rematched_at__gt=F("created_at"))
    ).update(resolved_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_helprequest_erased_offers_window"),
        ("organizations", "0006_escalation_minutes_at_most_a_day"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(resolve_stale_alerts, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="escalationalert",
            name="alert_once_per_org",
        ),
        migrations.AddConstraint(
            model_name="escalationalert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("resolved_at__isnull", True)),
                fields=("request", "organization"),
                name="alert_open_once_per_org",
            ),
        ),
    ]
