"""The expiry each approval gave its credential, kept on the application for its decision letter.

The letter printed the credential's current expiry, so a later renewal rewrote what an earlier decision said. For the
approvals made before this field, the expiry they gave is the credential's first saved state at or after the decision
in the change history django-simple-history keeps (review_approve saves the credential just after the decision);
where the history holds none, the credential's expiry now.
"""

from django.db import migrations, models


def expiry_from_history(apps, schema_editor):
    Application = apps.get_model("certification", "Application")
    Credential = apps.get_model("certification", "Credential")
    HistoricalCredential = apps.get_model("certification", "HistoricalCredential")
    approved = Application.objects.filter(status="approved", decided_at__isnull=False, decided_expires_on__isnull=True)
    for application in approved.iterator(chunk_size=2000):
        credential = (
            Credential.objects.filter(application_id=application.pk).first()
            or Credential.objects.filter(pk=application.held_credential_id).first()
        )
        if credential is None:
            continue
        state = (
            HistoricalCredential.objects.filter(id=credential.pk, history_date__gte=application.decided_at)
            .order_by("history_date", "history_id")
            .values_list("expires_on", flat=True)
            .first()
        )
        expires_on = state if state is not None else credential.expires_on
        if expires_on is not None:
            Application.objects.filter(pk=application.pk).update(decided_expires_on=expires_on)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="decided_expires_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalapplication",
            name="decided_expires_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(expiry_from_history, migrations.RunPython.noop),
    ]
