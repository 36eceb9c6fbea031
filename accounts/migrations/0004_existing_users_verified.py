"""Accounts made before sign-up verified email addresses count as verified: they were
used as they are, and locking them out of their organizations now would help nobody."""

from django.db import migrations
from django.db.models import F


def mark_existing_users_verified(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_invitation_revoked_and_email_verified")]

    operations = [
        migrations.RunPython(mark_existing_users_verified, migrations.RunPython.noop),
    ]
