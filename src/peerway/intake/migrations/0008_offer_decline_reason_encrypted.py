"""Offer.decline_reason is encrypted at rest: what a person writes when asking for a different peer is their words.

The column changes from plain text to ciphertext, so the values are copied, not altered in place: a new encrypted
column is added, every stored reason is copied into it (encrypted on the way by the field), the plain column is
dropped and the new one takes its name. The same steps run on SQLite and PostgreSQL, and backwards.
"""

from django.db import migrations

import peerway.privacy.fields

BATCH = 500


def _copy(apps, source: str, target: str, *, limit: int | None = None) -> None:
    Offer = apps.get_model("intake", "Offer")
    batch = []
    rows = Offer.objects.exclude(**{f"{source}__isnull": True}).exclude(**{source: ""}).only("pk", source)
    for offer in rows.iterator(chunk_size=BATCH):
        value = getattr(offer, source)
        setattr(offer, target, value[:limit] if limit else value)
        batch.append(offer)
        if len(batch) == BATCH:
            Offer.objects.bulk_update(batch, [target])
            batch = []
    if batch:
        Offer.objects.bulk_update(batch, [target])


def encrypt(apps, schema_editor) -> None:
    _copy(apps, "decline_reason", "decline_reason_encrypted")


def decrypt(apps, schema_editor) -> None:
    _copy(apps, "decline_reason_encrypted", "decline_reason", limit=200)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_request_choice_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="decline_reason_encrypted",
            field=peerway.privacy.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RemoveField(model_name="offer", name="decline_reason"),
        migrations.RenameField(model_name="offer", old_name="decline_reason_encrypted", new_name="decline_reason"),
    ]
