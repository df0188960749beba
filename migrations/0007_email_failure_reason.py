"""Notifications remember why their e-mail failed for good ("SMTP 550", "invalid header"): a short
reason an operator can act on, never an address or any of the notification's text."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_account_tokens")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Notification",
            name="email_failure",
            field=fields.CharField(max_length=64, null=True),
        ),
    ]
