# A person has one peer profile per organization (instead of one in all): someone who moves to another
# organization gets a profile there, and the engagements of the first keep pointing at the old one.
# Existing rows already have one profile per user, so they satisfy the new constraint.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0002_historicalcontinuingeducation_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="peerprofile",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="peer_profiles",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="peerprofile",
            constraint=models.UniqueConstraint(fields=("user", "organization"), name="peer_profile_one_per_organization"),
        ),
    ]
