# A person who asked to choose their peer and never picks is offered the best match after the escalation window.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_escalation_alert_seen_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="helprequest",
            name="choices_shown_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="helprequest",
            name="chosen_for_them_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalhelprequest",
            name="choices_shown_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalhelprequest",
            name="chosen_for_them_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
